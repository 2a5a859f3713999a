"""Data changed between forward and backward is detected, never silently used (PyTorch: version counters).

What stays undetected is listed in `Tensor`'s docstring; these tests pin what is caught,
and that ordinary use (reading, printing, updating after backward, inference without
no_grad) keeps working with no array left read-only.
"""

from __future__ import annotations

import copy as copy_module
import pickle
import threading
from collections.abc import Callable

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor, grad, gradcheck, is_grad_enabled, no_grad, versions

MODIFIED = "modified after the forward pass"


def leaves(name: str = "w") -> tuple[Tensor, Tensor]:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True, name="x")
    w = Tensor(np.array([3.0, 4.0]), requires_grad=True, name=name)
    return x, w


WRITES: dict[str, Callable[[Tensor], None]] = {
    "setitem": lambda w: w.data.__setitem__(Ellipsis, 100.0),
    "one element": lambda w: w.data.__setitem__(0, 100.0),
    "in-place operator": lambda w: w.data.__imul__(2.0),
    "ufunc out=": lambda w: np.add(w.data, 1.0, out=w.data),
    "copyto": lambda w: np.copyto(w.data, [5.0, 6.0]),
    "rebinding": lambda w: setattr(w, "data", np.array([5.0, 6.0])),
    "through numpy()": lambda w: w.numpy().__setitem__(1, 0.0),
    "through detach()": lambda w: w.detach().data.__setitem__(1, 0.0),
    "micrograd update": lambda w: setattr(w, "data", w.data - 0.1),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_write_between_forward_and_backward_is_an_error_naming_the_tensor(write: str) -> None:
    x, w = leaves()
    y = (x * w).sum()
    WRITES[write](w)
    with pytest.raises(RuntimeError, match=rf"tensor 'w' of shape \(2,\) was {MODIFIED}"):
        y.backward()
    assert x.grad is None  # nothing half-accumulated


@pytest.mark.parametrize("write", WRITES)
def test_a_write_into_a_constant_input_is_caught_too(write: str) -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    c = Tensor(np.array([3.0, 4.0]))  # no gradient of its own, but x's gradient is c
    y = (x * c).exp().sum()
    WRITES[write](c)
    with pytest.raises(RuntimeError, match=rf"a leaf tensor of shape \(2,\) was {MODIFIED}"):
        grad(y, x)


def test_the_message_says_what_to_do() -> None:
    x, w = leaves()
    y = (x * w).sum()
    w.data[...] = 100
    with pytest.raises(RuntimeError, match="forward pass again") as error:
        y.backward()
    assert "mul" in str(error.value)  # the op that saved it


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Adam"])
def test_an_optimizer_step_before_backward_on_the_old_graph_is_an_error(name: str) -> None:
    net = nn.MLP([3, 4, 2], dtype=np.float64, rng=0)
    opt = getattr(nn.optim, name)(net.parameters(), lr=0.1)
    loss = nn.SoftmaxWithLoss()(net(np.ones((2, 3))), np.array([0, 1]))
    loss.backward()
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()  # the same old graph again, after the step
    opt.zero_grad()
    loss = nn.SoftmaxWithLoss()(net(np.ones((2, 3))), np.array([0, 1]))
    for p in net.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()  # stepped with made-up gradients, before this graph's backward
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_load_state_dict_between_forward_and_backward_is_an_error() -> None:
    net = nn.MLP([3, 2], dtype=np.float64, rng=0)
    saved = net.state_dict()
    out = net(np.ones((1, 3))).sum()
    net.load_state_dict(saved)
    with pytest.raises(RuntimeError, match=MODIFIED):
        out.backward()


def test_gradcheck_perturbation_counts_as_a_modification() -> None:
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    y = (x * x).sum()
    gradcheck(lambda t: (t * t).sum(), [x])
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_updates_after_backward_then_a_new_forward_keep_working() -> None:
    x, w = leaves()
    for _ in range(3):
        y = (x * w).sum()
        y.backward()
        w.data -= 0.1 * w.grad  # micrograd / old-PyTorch update idiom
        x.data[...] = 0.5  # a raw write after backward
        w.zero_grad()
        x.zero_grad()
    y = (x * w).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, w.data)
    np.testing.assert_allclose(w.grad, [0.5, 0.5])
    w.data[...] = 0
    (x * w).sum().backward()


def test_reading_and_printing_between_forward_and_backward_is_fine() -> None:
    x, w = leaves()
    y = (x * w).sum()
    seen = (w.data.sum(), repr(w), str(x), w.shape, w.dtype, w.ndim, w.size, len(w), w.numpy().max(), y.item())
    assert seen[0] == 7.0 and "requires_grad" in seen[1]
    np.asarray(w.data).copy()
    y.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])


def test_inference_without_no_grad_leaves_every_array_writable() -> None:
    net = nn.MLP([3, 4, 2], dtype=np.float64, rng=0)
    opt = nn.optim.SGD(net.parameters(), lr=0.1)
    buffer = np.ones((2, 3))
    outputs = [net(buffer) for _ in range(2)]  # graphs kept alive, never backpropagated
    buffer[...] = 2.0  # the input buffer
    for p in net.parameters():
        p.data[...] = 0.25  # the weights, by hand ...
        assert p.data.flags.writeable
    net.load_state_dict(net.state_dict())  # ... and by the library
    for p in net.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    assert buffer.flags.writeable and all(p.data.flags.writeable for p in net.parameters())
    opt.zero_grad()
    loss = net(buffer).sum()  # a fresh forward after all that trains normally
    loss.backward()
    with no_grad():
        expected = net(buffer).sum().item()
    assert loss.item() == expected and all(p.grad is not None for p in net.parameters())
    assert len(outputs) == 2


def test_a_write_before_the_forward_is_no_error() -> None:
    x, w = leaves()
    (x * w).sum()  # an earlier graph, dropped
    w.data[...] = 10.0
    y = (x * w).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, [10.0, 10.0])


def test_a_write_between_two_forwards_breaks_only_the_older_graph() -> None:
    x, w = leaves()
    old = (x * w).sum()
    w.data[...] = 10.0
    new = (x * w).sum()
    new.backward()
    np.testing.assert_array_equal(x.grad, [10.0, 10.0])
    with pytest.raises(RuntimeError, match=MODIFIED):
        old.backward()


def test_nan_data_read_between_forward_and_backward_is_not_a_modification() -> None:
    x = Tensor(np.array([np.nan, 1.0]), requires_grad=True)
    w = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    y = (x * w).sum()
    x.data.sum()
    y.backward()
    np.testing.assert_array_equal(w.grad, [np.nan, 1.0])


def test_create_graph_checks_too() -> None:
    x, w = leaves()
    y = (x * x * w).sum()
    w.data[0] = 7.0
    with pytest.raises(RuntimeError, match=MODIFIED):
        grad(y, x, create_graph=True)


def test_a_parameter_keeps_its_type_for_the_user() -> None:
    p = nn.Parameter(np.ones(2), name="p")
    out = (p * 2.0).sum()
    assert isinstance(p, nn.Parameter) and type(p).__name__ == "Parameter"
    out.backward()
    assert type(p) is nn.Parameter


def test_ops_reading_a_saved_leaf_again_take_no_copy_but_a_user_read_does() -> None:
    """A weight used by several ops before backward is read by the engine, not handed out."""
    x, w = leaves()
    y = (x * w).sum() + (w.exp() * x).sum() + (w @ x) + w.reshape(2, 1).sum() + w.max()
    assert w._snapshot is None  # no copy was taken for the engine's own reads
    y2 = (x * w).sum()
    w.data  # noqa: B018 -- the user's read: a copy is kept from now on
    assert w._snapshot is not None
    y.backward()
    y2.backward()  # two graphs sharing w, both fine: nothing was written
    np.testing.assert_allclose(x.grad, 2 * w.data + np.exp(w.data) + w.data)


def test_a_watched_tensor_pickles_and_copies_as_its_own_class() -> None:
    p = nn.Parameter(np.ones(2), name="p")
    out = (p * 2.0).sum()
    p.data  # noqa: B018 -- handed out: a copy is kept
    for copy in (pickle.loads(pickle.dumps(p)), copy_module.deepcopy(p)):
        assert type(copy) is nn.Parameter and copy.name == "p"
        np.testing.assert_array_equal(copy.data, p.data)
        (copy * 3.0).sum().backward()  # a fresh graph on the copy works
        np.testing.assert_array_equal(copy.grad, [3.0, 3.0])
    out.backward()


def test_a_refused_backward_leaves_grad_mode_as_it_was() -> None:
    x, w = leaves()
    y = (x * x * w).sum()
    w.data[0] = 7.0
    with no_grad():
        with pytest.raises(RuntimeError, match=MODIFIED):
            grad(y, x, create_graph=True)
        assert not is_grad_enabled()
    assert is_grad_enabled()


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("first", ["older", "newer"])
def test_a_write_after_backward_through_one_graph_breaks_the_other_graph_sharing_the_leaf(
    write: str, first: str
) -> None:
    """Backward through one graph must not stop the watch another live graph still relies on."""
    x, w = leaves()
    older, newer = (x * w).sum(), (x * w * 2.0).sum()
    done, other = (older, newer) if first == "older" else (newer, older)
    done.backward()
    WRITES[write](w)
    x.zero_grad()
    with pytest.raises(RuntimeError, match=rf"tensor 'w' of shape \(2,\) was {MODIFIED}"):
        other.backward()
    assert x.grad is None


def test_an_array_handed_out_before_one_backward_and_written_after_it_is_caught() -> None:
    x, w = leaves()
    y1, y2 = (x * w).sum(), (x * w * 2.0).sum()
    array = w.data  # handed out while both graphs hold w
    y1.backward()
    array[...] = 100.0
    with pytest.raises(RuntimeError, match=MODIFIED):
        y2.backward()


def test_graphs_built_and_backpropagated_in_two_threads_sharing_a_leaf_are_checked() -> None:
    x, w = leaves()
    graphs: dict[str, Tensor] = {}

    def forward(name: str, scale: float) -> None:
        graphs[name] = (x * w * scale).sum()

    for name, scale in (("a", 1.0), ("b", 2.0)):
        thread = threading.Thread(target=forward, args=(name, scale))
        thread.start()
        thread.join()
    thread = threading.Thread(target=graphs["a"].backward)
    thread.start()
    thread.join()
    w.data[...] = 100.0
    with pytest.raises(RuntimeError, match=MODIFIED):
        graphs["b"].backward()


def test_a_training_loop_copies_no_parameter_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """No step pays a snapshot: not the layers' reads, not the optimizer's, not with graphs left alive."""
    net = nn.TwoLayerNet(3, 4, 2, dtype=np.float64, rng=0)
    opt = nn.optim.SGD(net.parameters(), lr=0.1)
    copies = []
    real_copy = versions._snapshot_of
    monkeypatch.setattr(versions, "_snapshot_of", lambda array: copies.append(1) or real_copy(array))
    x, t = np.ones((2, 3)), np.array([0, 1])
    for _ in range(4):
        evaluation = net(x)  # a graph kept alive, never backpropagated: the weights stay watched
        opt.zero_grad()
        net.last_layer(net(x), t).backward()
        opt.step()
        assert evaluation.shape == (2, 2)
    assert copies == []
    for p in net.parameters():
        p.data  # noqa: B018 -- the user's read of a watched leaf: counted, so the counter can fail
    assert copies
