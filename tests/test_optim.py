"""Optimizers: exact updates on a two-weight problem, the update mechanics, and training a spiral classifier."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor, no_grad
from scratchgrad.nn import optim

# Three steps from W = [1, −2] with these gradients; expected values worked out by hand
# (SGD, Momentum: exact decimals) or with a calculator from the update formulas.
GRADS = [[0.5, -1.0], [-0.25, 2.0], [1.0, 0.5]]
EXPECTED = {
    # W ← W − 0.1·g
    "SGD": [[0.95, -1.9], [0.975, -2.1], [0.875, -2.15]],
    # v ← 0.9v − 0.1g; W ← W + v: v = −0.05, −0.045 + 0.025 = −0.02, −0.018 − 0.1 = −0.118
    "Momentum": [[0.95, -1.9], [0.93, -2.01], [0.812, -2.159]],
    # h ← h + g²; W ← W − 0.1·g/(√h + 1e-7): step 1 moves by 0.1·0.5/0.5000001
    "AdaGrad": [
        [0.900000019999996, -1.900000009999999],
        [0.9447213715499932, -1.9894427250999906],
        [0.8574342230746432, -2.011264513171209],
    ],
    # decay 0.9: h = 0.1·0.25 = 0.025 on step 1, so W₀ moves by 0.05/√0.025 = 0.3162277...
    "RMSprop": [
        [0.6837724339830356, -1.6837723339831303],
        [0.8312143031814623, -1.9694865788810954],
        [0.5493564525422059, -2.042731410065114],
    ],
    # bias-corrected: step 1 moves each weight by 0.1·g/(|g| + 1e-7)
    "Adam": [
        [0.9000000199999959, -1.900000009999999],
        [0.8733663227728189, -1.9366103603884888],
        [0.8075551726942425, -1.9781754772351605],
    ],
}
SETTINGS = {"SGD": {}, "Momentum": {}, "AdaGrad": {}, "RMSprop": {"decay_rate": 0.9}, "Adam": {}}


@pytest.mark.parametrize("name", EXPECTED)
def test_three_steps_by_hand(name: str) -> None:
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = getattr(optim, name)([w], lr=0.1, **SETTINGS[name])
    for grad, expected in zip(GRADS, EXPECTED[name], strict=True):
        w.grad = np.array(grad)
        opt.step()
        np.testing.assert_allclose(w.data, expected, rtol=1e-13)


def test_defaults_are_the_books() -> None:
    w = [Tensor([1.0], requires_grad=True)]
    assert optim.SGD(w).lr == 0.01
    assert (optim.Momentum(w).lr, optim.Momentum(w).momentum) == (0.01, 0.9)
    assert (optim.AdaGrad(w).lr, optim.AdaGrad(w).eps) == (0.01, 1e-7)
    assert (optim.RMSprop(w).lr, optim.RMSprop(w).decay_rate, optim.RMSprop(w).eps) == (0.01, 0.99, 1e-7)
    adam = optim.Adam(w)
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-7)


def test_adam_first_step_is_lr_times_sign_whatever_the_scale() -> None:
    """Bias correction makes m̂ = g and v̂ = g² on step 1; without it the step would be ~3×lr·sign."""
    grad = np.array([1e3, -1e-2, 0.5, -7.0])
    w = Tensor(np.zeros(4), requires_grad=True)
    w.grad = grad
    optim.Adam([w], lr=0.01).step()
    np.testing.assert_allclose(w.data, -0.01 * np.sign(grad), rtol=1e-4)


def test_adam_equals_the_books_folded_form_when_eps_is_zero() -> None:
    """The book's lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) is the same correction, moved into the learning rate."""
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal(5), requires_grad=True)
    book_w, m, v = w.data.copy(), np.zeros(5), np.zeros(5)
    opt = optim.Adam([w], lr=0.01, eps=0.0)
    for t in range(1, 4):
        g = rng.standard_normal(5)
        w.grad = g
        opt.step()
        lr_t = 0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        m += (1 - 0.9) * (g - m)
        v += (1 - 0.999) * (g**2 - v)
        book_w -= lr_t * m / np.sqrt(v)
        np.testing.assert_allclose(w.data, book_w, rtol=1e-12)


@pytest.mark.parametrize("name", EXPECTED)
def test_updates_in_place_and_skips_missing_gradients(name: str) -> None:
    used, unused = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    data = used.data
    opt = getattr(optim, name)([used, unused])
    used.grad = np.array([1.0, -1.0, 0.0])
    opt.step()
    assert used.data is data  # views like net.params see the update
    assert data[0] < 1 < data[1] and data[2] == 1
    np.testing.assert_array_equal(unused.data, np.ones(3))
    assert opt.state[1] == {}  # no state made for a parameter that never had a gradient
    opt.zero_grad()
    assert used.grad is None and unused.grad is None


@pytest.mark.parametrize("name", ["Momentum", "AdaGrad", "RMSprop", "Adam"])
def test_stateful_steps_allocate_nothing_after_the_first(name: str) -> None:
    w = Tensor(np.ones(100_000), requires_grad=True)  # 800 kB: any temporary array would show
    w.grad = np.full(100_000, 0.5)
    opt = getattr(optim, name)([w])
    opt.step()
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000


def test_parameters_must_be_tensors() -> None:
    with pytest.raises(TypeError, match="Tensors"):
        optim.SGD([np.zeros(3)])


def spirals(per_class: int = 100, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """CS231n's spirals: each class an arm winding 4 radians out from the centre, with angular noise."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), per_class)
    radius = np.tile(np.linspace(0.0, 1.0, per_class), classes)
    angle = 4 * labels + np.tile(np.linspace(0.0, 4.0, per_class), classes) + rng.normal(0, 0.2, labels.size)
    points = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return points.astype(np.float32), labels


def train(model: nn.Module, opt: optim.Optimizer, steps: int) -> float:
    """Full-batch training on the spirals; returns the training accuracy."""
    x, labels = spirals()
    loss_fn = nn.SoftmaxWithLoss()
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(x), labels).backward()
        opt.step()
    with no_grad():
        return float(np.mean(model(x).data.argmax(axis=1) == labels))


LEARNING_RATES = {"SGD": 1.0, "Momentum": 0.1, "AdaGrad": 0.1, "RMSprop": 0.01, "Adam": 0.01}


@pytest.mark.parametrize("name", LEARNING_RATES)
def test_mlp_learns_the_spirals(name: str) -> None:
    model = nn.MLP([2, 64, 3], rng=0)
    accuracy = train(model, getattr(optim, name)(model.parameters(), lr=LEARNING_RATES[name]), steps=300)
    assert accuracy >= 0.95  # 300 full-batch steps, ~0.1 s


def test_spirals_need_the_hidden_layer() -> None:
    """A linear classifier stays near 50%, so the test above measures learning, not an easy data set."""
    model = nn.MLP([2, 3], rng=0)
    assert train(model, optim.SGD(model.parameters(), lr=1.0), steps=300) < 0.6
