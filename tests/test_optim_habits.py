"""PyTorch's optimizer options (SGD momentum, Adam betas) and state_dict round trips that continue bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor
from scratchgrad.nn import optim

GRADS = [[0.5, -1.0], [-0.25, 2.0], [1.0, 0.5]]
# Worked out by hand from PyTorch's definition, lr 0.1, momentum 0.9: b = g on the first step, then
# b ← 0.9·b + (1 − dampening)·g; W ← W − 0.1·b (or − 0.1·(g + 0.9·b) with Nesterov).
SGD_MOMENTUM = {
    "plain": ({}, [[0.95, -1.9], [0.93, -2.01], [0.812, -2.159]]),  # b = [0.5, -1], [0.2, 1.1], [1.18, 1.49]
    "dampening": ({"dampening": 0.5}, [[0.95, -1.9], [0.9175, -1.91], [0.83825, -1.944]]),  # b2 = [0.325, 0.1]
    "nesterov": ({"nesterov": True}, [[0.905, -1.81], [0.912, -2.109], [0.7058, -2.2931]]),  # d1 = [0.95, -1.9]
}


@pytest.mark.parametrize("variant", SGD_MOMENTUM)
def test_sgd_momentum_three_steps_by_hand(variant: str) -> None:
    settings, expected = SGD_MOMENTUM[variant]
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9, **settings)
    for grad, want in zip(GRADS, expected, strict=True):
        w.grad = np.array(grad)
        opt.step()
        np.testing.assert_allclose(w.data, want, rtol=1e-13)


def torch_sgd(w: np.ndarray, grads: list[np.ndarray], lr: float, momentum: float, dampening: float,
              nesterov: bool) -> np.ndarray:
    """PyTorch's torch.optim.SGD update, line by line from its documentation (no weight decay)."""
    buf = None
    for g in grads:
        buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
        w = w - lr * (g + momentum * buf if nesterov else buf)
    return w


@pytest.mark.parametrize(("dampening", "nesterov"), [(0.0, False), (0.3, False), (0.0, True)])
def test_sgd_momentum_follows_pytorchs_definition(dampening: float, nesterov: bool) -> None:
    rng = np.random.default_rng(5)
    start, grads = rng.standard_normal((3, 4)), [rng.standard_normal((3, 4)) for _ in range(20)]
    w = Tensor(start.copy(), requires_grad=True)
    opt = optim.SGD([w], lr=0.05, momentum=0.8, dampening=dampening, nesterov=nesterov)
    for g in grads:
        w.grad = g
        opt.step()
    np.testing.assert_allclose(w.data, torch_sgd(start, grads, 0.05, 0.8, dampening, nesterov), rtol=1e-12)


def test_sgd_momentum_is_the_books_momentum_for_a_constant_learning_rate() -> None:
    """The book's velocity v is −lr times PyTorch's buffer b: the same steps, up to rounding."""
    rng = np.random.default_rng(6)
    start = rng.standard_normal(5)
    a, b = Tensor(start.copy(), requires_grad=True), Tensor(start.copy(), requires_grad=True)
    torch_style, book = optim.SGD([a], lr=0.1, momentum=0.9), optim.Momentum([b], lr=0.1, momentum=0.9)
    for _ in range(30):
        a.grad = b.grad = rng.standard_normal(5)
        torch_style.step()
        book.step()
    np.testing.assert_allclose(a.data, b.data, rtol=1e-12)


def test_plain_sgd_keeps_no_state() -> None:
    w = Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = np.ones(3)
    opt.step()
    assert opt.state == [{}] and (opt.momentum, opt.dampening, opt.nesterov) == (0.0, 0.0, False)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"momentum": -0.1}, r"SGD: momentum must be >= 0, got -0.1"),
        ({"nesterov": True}, r"SGD: Nesterov momentum needs momentum > 0 and dampening 0"),
        ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, r"Nesterov momentum needs momentum > 0"),
    ],
)
def test_sgd_refuses_impossible_settings(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        optim.SGD([Tensor([1.0], requires_grad=True)], **settings)


# -- Adam(betas=...) ---------------------------------------------------------------------------
def test_adam_takes_pytorchs_betas_beside_the_books_beta1_beta2() -> None:
    rng = np.random.default_rng(7)
    start, grads = rng.standard_normal(4), [rng.standard_normal(4) for _ in range(5)]
    a, b = Tensor(start.copy(), requires_grad=True), Tensor(start.copy(), requires_grad=True)
    by_pair, by_name = optim.Adam([a], lr=0.01, betas=(0.8, 0.99)), optim.Adam([b], lr=0.01, beta1=0.8, beta2=0.99)
    assert by_pair.betas == by_name.betas == (0.8, 0.99) and (by_pair.beta1, by_pair.beta2) == (0.8, 0.99)
    for g in grads:
        a.grad = b.grad = g
        by_pair.step()
        by_name.step()
    np.testing.assert_array_equal(a.data, b.data)
    assert optim.Adam([a]).betas == (0.9, 0.999)


@pytest.mark.parametrize(
    ("args", "settings", "error", "message"),
    [
        ((), {"betas": (0.8, 0.99), "beta1": 0.8}, TypeError,
         r"Adam: give betas=\(beta1, beta2\) or beta1/beta2, not both"),
        ((), {"betas": (0.8, 0.99), "beta2": 0.9}, TypeError, r"not both"),
        ((0.001, (0.9, 0.999)), {}, TypeError,
         r"Adam: beta1 must be a number, got \(0.9, 0.999\).*betas=\(0.9, 0.999\)"),
        ((), {"betas": (0.9,)}, ValueError, r"Adam: betas must be a pair \(beta1, beta2\), got \(0.9,\)"),
        ((), {"betas": (0.9, 1.0)}, ValueError, r"Adam: beta2 must be in \[0, 1\), got 1.0"),
        ((), {"beta1": -0.5}, ValueError, r"Adam: beta1 must be in \[0, 1\), got -0.5"),
    ],
)
def test_adam_refuses_betas_it_cannot_use(args: tuple, settings: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        optim.Adam([Tensor([1.0], requires_grad=True)], *args, **settings)


# -- state_dict / load_state_dict --------------------------------------------------------------
OPTIMIZERS = {
    "SGD": (optim.SGD, {"lr": 0.1}),
    "SGD-momentum": (optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1}),
    "SGD-nesterov": (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "Momentum": (optim.Momentum, {"lr": 0.1, "momentum": 0.8}),
    "AdaGrad": (optim.AdaGrad, {"lr": 0.1}),
    "RMSprop": (optim.RMSprop, {"lr": 0.01, "decay_rate": 0.9}),
    "Adam": (optim.Adam, {"lr": 0.01, "betas": (0.8, 0.99)}),
}


def spiral_batches(count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(3)
    return [(rng.standard_normal((16, 2)), rng.integers(0, 3, 16)) for _ in range(count)]


def train(model: nn.MLP, opt: optim.Optimizer, batches: list[tuple[np.ndarray, np.ndarray]]) -> None:
    loss_fn = nn.CrossEntropyLoss()
    for x, t in batches:
        opt.zero_grad()
        loss_fn(model(x), t).backward()
        opt.step()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_state_dict_round_trip_continues_exactly_like_the_uninterrupted_run(name: str) -> None:
    kind, settings = OPTIMIZERS[name]
    batches = spiral_batches(12)
    uninterrupted = nn.MLP([2, 8, 3], dtype=np.float64, rng=0)
    train(uninterrupted, kind(uninterrupted.parameters(), **settings), batches)

    first = nn.MLP([2, 8, 3], dtype=np.float64, rng=0)
    opt = kind(first.parameters(), **settings)
    train(first, opt, batches[:5])
    saved_model, saved_opt = first.state_dict(), opt.state_dict()
    train(first, opt, batches[5:7])  # later training must not change what was saved: copies

    resumed = nn.MLP([2, 8, 3], dtype=np.float64, rng=99)
    fresh = kind(resumed.parameters(), **{**settings, "lr": 123.0})  # hyperparameters come from the state_dict
    resumed.load_state_dict(saved_model)
    fresh.load_state_dict(saved_opt)
    assert fresh.lr == settings["lr"]
    train(resumed, fresh, batches[5:])
    for (key, want), got in zip(uninterrupted.state_dict().items(), resumed.parameters(), strict=True):
        np.testing.assert_array_equal(got.data, want, err_msg=key)  # bit for bit


def test_state_dict_has_pytorchs_layout_without_scratch_buffers() -> None:
    model = nn.MLP([2, 3], dtype=np.float64, rng=0)
    opt = optim.Adam(model.parameters(), lr=0.01)
    train(model, opt, spiral_batches(2))
    state = opt.state_dict()
    assert state["param_groups"] == [{"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-7, "params": [0, 1]}]
    assert sorted(state["state"]) == [0, 1]
    assert sorted(state["state"][0]) == ["m", "t", "v"] and state["state"][0]["t"] == 2
    assert not np.shares_memory(state["state"][0]["m"], opt.state[0]["m"])


def test_loading_copies_the_arrays_it_is_given() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    opt = optim.Momentum([w], lr=0.1)
    w.grad = np.ones(2)
    opt.step()
    state = opt.state_dict()
    other = optim.Momentum([Tensor(np.ones(2), requires_grad=True)])
    other.load_state_dict(state)
    state["state"][0]["v"][...] = 1e9
    np.testing.assert_array_equal(other.state[0]["v"], [-0.1, -0.1])


def test_parameters_without_state_stay_without_state() -> None:
    used, unused = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([used, unused])
    used.grad = np.ones(2)
    opt.step()
    fresh = optim.Adam([Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)])
    fresh.load_state_dict(opt.state_dict())
    assert fresh.state[1] == {} and fresh.state[0]["t"] == 1


def momentum_state() -> dict[str, Any]:
    w = Tensor(np.ones(2), requires_grad=True)
    opt = optim.Momentum([w], lr=0.1)
    w.grad = np.ones(2)
    opt.step()
    return opt.state_dict()


@pytest.mark.parametrize(
    ("target", "edit", "message"),
    [
        ("two", lambda s: s, r"Momentum.load_state_dict: the state_dict is for 1 parameters, this optimizer has 2"),
        ("adam", lambda s: s, r"hyperparameters \['lr', 'momentum'\], Adam takes \['betas', 'eps', 'lr'\]"),
        ("one", lambda s: {"state": s["state"]}, r"a state_dict has the keys 'state' and 'param_groups'"),
        ("one", lambda s: {**s, "state": {0: {"v": np.ones(5)}}}, r"state of parameter 0: 'v' has shape \(5,\), "
                                                                    r"the parameter \(2,\)"),
        ("one", lambda s: {**s, "state": {3: {"v": np.ones(2)}}}, r"state for parameter 3, this optimizer has 1 "),
        ("one", lambda s: {**s, "param_groups": [{"lr": -1.0, "momentum": 0.9, "params": [0]}, {}]},
         r"one parameter group, got 2"),
    ],
)
def test_load_state_dict_refuses_what_does_not_fit_and_changes_nothing(target: str, edit, message: str) -> None:
    params = [Tensor(np.ones(2), requires_grad=True)]
    opt = {
        "one": optim.Momentum(params, lr=0.5),
        "two": optim.Momentum([*params, Tensor(np.ones(2), requires_grad=True)], lr=0.5),
        "adam": optim.Adam(params, lr=0.5),
    }[target]
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(edit(momentum_state()))
    assert opt.lr == 0.5 and all(s == {} for s in opt.state)


def test_load_state_dict_checks_hyperparameters_as_the_constructor_does() -> None:
    state = {"state": {}, "param_groups": [{"lr": 0.1, "momentum": -1.0, "dampening": 0.0, "nesterov": False,
                                            "params": [0]}]}
    opt = optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.5)
    with pytest.raises(ValueError, match=r"SGD: momentum must be >= 0, got -1\.0"):
        opt.load_state_dict(state)
    assert opt.momentum == 0.0
