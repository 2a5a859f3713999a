"""autograd.trace: the traced program gives eager's loss and gradients, and refuses a changed graph."""

import importlib.util

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor, TraceError, Value, softmax_cross_entropy, trace
from scratchgrad.nn import functional as F  # noqa: N812  (PyTorch's spelling)

RNG = np.random.default_rng(7)


def _leaf(shape, dtype=np.float64, positive=False):
    data = RNG.random(shape) + 0.5 if positive else RNG.normal(size=shape)
    return Tensor(data.astype(dtype), requires_grad=True)


def _eager(loss_fn, leaves, *inputs):
    for p in leaves:
        p.zero_grad()
    loss = loss_fn(*inputs)
    loss.backward()
    return loss.item(), [p.grad.copy() for p in leaves]


def _assert_same(loss_fn, leaves, *inputs, rtol=1e-12):
    """Traced and eager agree on the loss and every leaf's gradient (float64: to 1e-12 relative)."""
    expected_loss, expected = _eager(loss_fn, leaves, *inputs)
    traced = trace(loss_fn, *inputs)
    for p in leaves:
        p.zero_grad()
    loss = traced(*inputs)
    assert loss == pytest.approx(expected_loss, rel=rtol, abs=0)
    for p, g in zip(leaves, expected):
        assert p.grad.shape == g.shape
        np.testing.assert_allclose(p.grad, g, rtol=rtol, atol=0)
    return traced


A, B = _leaf((4, 3)), _leaf((3,))
P = _leaf((4, 3), positive=True)
M = _leaf((3, 5))
COL = _leaf((4, 1))
ZEROS = Tensor(np.array([[0.0, -1.0, 2.0], [0.0, 3.0, -0.0], [1.0, 1.0, 1.0], [-2.0, 0.0, 5.0]]), requires_grad=True)
# Non-contiguous: a transposed view and a strided slice of a bigger array.
X_T = Tensor(RNG.normal(size=(3, 4)).T)
X_STRIDED = Tensor(RNG.normal(size=(8, 6))[::2, ::2])

OPS = {
    "add broadcast": (lambda x: ((x + B) * (x + B)).sum(), [B], X_T),
    "add column broadcast": (lambda x: ((x + COL) * x).sum(), [COL], X_STRIDED),
    "sub both sides": (lambda x: ((B - A) * (x - B)).sum(), [A, B], X_T),
    "mul": (lambda x: (A * x * A).sum(), [A], X_STRIDED),
    "div": (lambda x: (x / P + A / P).sum(), [A, P], X_T),
    "neg": (lambda x: (-(A * x)).sum(), [A], X_T),
    "exp": (lambda x: (A * x).exp().sum(), [A], X_T),
    "log": (lambda x: (P.log() * x).sum(), [P], X_STRIDED),
    "tanh": (lambda x: (A * x).tanh().sum(), [A], X_T),
    "relu at 0": (lambda x: (ZEROS.relu() * x).sum(), [ZEROS], X_T),
    "abs at 0": (lambda x: (abs(ZEROS) * x).sum(), [ZEROS], X_STRIDED),
    "reciprocal": (lambda x: (P.reciprocal() * x).sum(), [P], X_T),
    "matmul": (lambda x: ((x * A) @ M).sum(), [A, M], X_T),
    "matmul of a transpose": (lambda x: (M.T @ (x * A).T).sum(), [A, M], X_STRIDED),
    "sum axis": (lambda x: ((x * A).sum(axis=0) * B).sum(), [A, B], X_T),
    "sum keepdims": (lambda x: ((x * A).sum(axis=1, keepdims=True) * COL).sum(), [A, COL], X_T),
    "sum over a size-1 axis": (lambda x: ((x * COL).reshape(4, 1, 3).sum(axis=1) * A).sum(), [COL, A], X_T),
    "mean": (lambda x: (x * A).mean(), [A], X_STRIDED),
    "mean axis": (lambda x: ((x * A).mean(axis=0) * B).mean(), [A, B], X_T),
    "reshape": (lambda x: ((x * A).reshape(2, 6) * (A.reshape(2, 6))).sum(), [A], X_T),
    "transpose axes": (lambda x: ((x * A).reshape(2, 2, 3).transpose(2, 0, 1) * x.reshape(3, 2, 2)).sum(), [A], X_T),
    "broadcast_to": (lambda x: (B.broadcast_to((4, 3)) * x).sum(), [B], X_T),
    "branch reuse": (lambda x: (A * A * x + A).sum(), [A], X_T),
}


@pytest.mark.parametrize("name", OPS)
def test_every_supported_op_equals_eager_in_float64(name):
    loss_fn, leaves, x = OPS[name]
    _assert_same(loss_fn, leaves, x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("target", ["labels", "one-hot"])
def test_two_layer_net_equals_eager_bit_for_bit(dtype, target):
    net = nn.TwoLayerNet(784, 50, 10, dtype=dtype, rng=0)
    x = RNG.random((100, 784)).astype(dtype)
    labels = RNG.integers(0, 10, 100)
    t = labels if target == "labels" else np.eye(10)[labels]
    params = net.parameters()
    expected_loss, expected = _eager(lambda x, t: net.last_layer(net(x), t), params, x, t)
    traced = trace(lambda x, t: net.last_layer(net(x), t), x, t)
    for p in params:
        p.zero_grad()
    assert traced(x, t) == expected_loss  # the same NumPy calls in the same order: the same rounding
    for p, g in zip(params, expected):
        assert p.grad.dtype == dtype
        np.testing.assert_array_equal(p.grad, g)


def test_source_reads_like_the_books_affine_backward():
    net = nn.TwoLayerNet(784, 50, 10, rng=0)

    def loss_fn(x, t):
        return net.last_layer(net(x), t)

    source = trace(loss_fn, RNG.random((100, 784)).astype(np.float32), RNG.integers(0, 10, 100)).source
    for line in ["x @ W1", "dW1 = x.T @ ", "dW2 = relu1.T @ ", "@ W2.T", "db1 = sum_to(", "np.where(relu1 > 0"]:
        assert line in source, line


def test_parameters_are_read_at_call_time_and_inputs_are_new_each_call():
    net = nn.TwoLayerNet(20, 8, 3, dtype=np.float64, rng=1)
    opt = nn.optim.SGD(net.parameters(), lr=0.5)

    def loss_fn(x, t):
        return net.last_layer(net(x), t)

    x0, t0 = RNG.random((5, 20)), RNG.integers(0, 3, 5)
    traced = trace(loss_fn, x0, t0)
    for _ in range(3):
        x, t = RNG.random((5, 20)), RNG.integers(0, 3, 5)
        expected_loss, expected = _eager(loss_fn, net.parameters(), x, t)
        for p in net.parameters():
            p.zero_grad()
        assert traced(x, t) == expected_loss
        for p, g in zip(net.parameters(), expected):
            np.testing.assert_array_equal(p.grad, g)
        opt.step()  # in place: the next call must see the new weights


def test_an_input_that_requires_a_gradient_gets_it():
    w = _leaf((3,))
    loss_fn = lambda x: (x * w * x).sum()
    x = Tensor(RNG.normal(size=(4, 3)), requires_grad=True)
    traced = trace(loss_fn, x)
    other = Tensor(RNG.normal(size=(4, 3)), requires_grad=True)
    traced(other)
    np.testing.assert_allclose(other.grad, 2 * other.data * w.data, rtol=1e-15)


def test_gradients_are_arrays_of_their_own():
    a, b = _leaf((3,)), _leaf((3,))
    traced = trace(lambda x: (a + b + x).sum(), Tensor(np.ones(3)))
    traced(Tensor(np.ones(3)))
    assert a.grad is not b.grad and a.grad.flags.writeable and b.grad.flags.writeable
    a.grad *= 2
    np.testing.assert_array_equal(b.grad, np.ones(3))


def test_the_source_saves_as_a_module_and_runs(tmp_path):
    net = nn.TwoLayerNet(12, 6, 4, dtype=np.float64, rng=2)
    x, t = RNG.random((3, 12)), RNG.integers(0, 4, 3)
    traced = trace(lambda x, t: net.last_layer(net(x), t), x, t)
    path = tmp_path / "step.py"
    path.write_text(traced.source)
    spec = importlib.util.spec_from_file_location("step", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loss, *grads = module.step(x, t, *[p.data for p in net.parameters()])
    expected_loss, expected = _eager(lambda x, t: net.last_layer(net(x), t), net.parameters(), x, t)
    assert float(loss) == expected_loss
    # The program returns the gradients in backward order: match them by shape and value.
    assert sorted(g.tobytes() for g in grads) == sorted(g.tobytes() for g in expected)


# -- refusals -------------------------------------------------------------------------------


def _small():
    w = _leaf((3,))
    return w, trace(lambda x: (x * w).sum(), Tensor(np.ones((2, 3))))


def test_refuses_another_shape():
    _, traced = _small()
    with pytest.raises(TraceError, match=r"input x .*shape \(5, 3\).*traced with .*shape \(2, 3\)"):
        traced(Tensor(np.ones((5, 3))))


def test_refuses_another_dtype():
    _, traced = _small()
    with pytest.raises(TraceError, match=r"float32.*traced with.*float64"):
        traced(Tensor(np.ones((2, 3), np.float32)))


def test_refuses_another_number_of_inputs():
    _, traced = _small()
    with pytest.raises(TraceError, match=r"takes 1 inputs, got 2"):
        traced(Tensor(np.ones((2, 3))), 1)


def test_refuses_a_changed_baked_in_value():
    w = _leaf((3,))
    traced = trace(lambda x, k: (x * w * k).sum(), Tensor(np.ones(3)), 2.0)
    with pytest.raises(TraceError, match=r"the value 3\.0, traced with the value 2\.0"):
        traced(Tensor(np.ones(3)), 3.0)


def test_refuses_a_parameter_whose_shape_changed():
    w, traced = _small()
    w.data = np.ones(4)
    changed = r"parameter of traced shape \(3,\) is now float64 of shape \(4,\), traced as float64 of shape \(3,\)"
    with pytest.raises(TraceError, match=changed):
        traced(Tensor(np.ones((2, 3))))


def test_check_true_finds_data_dependent_control_flow():
    w = _leaf((3,))

    def loss_fn(x):
        y = x * w
        return (y.exp() if x.data.sum() > 0 else y.tanh()).sum()  # a branch on the data

    traced = trace(loss_fn, Tensor(np.ones(3)))
    traced(Tensor(-np.ones(3)))  # runs the traced branch: a trace cannot see the other one
    with pytest.raises(TraceError, match=r"the graph changed.*node 1 is now .*tanh.*traced as .*exp"):
        traced(Tensor(-np.ones(3)), check=True)
    assert traced(Tensor(2 * np.ones(3)), check=True) == float(np.exp(2 * w.data).sum())


def test_refuses_an_unsupported_op_by_name():
    w = _leaf((3,))
    with pytest.raises(TraceError, match="op 'sigmoid' is not supported"):
        trace(lambda x: (x * w).sigmoid().sum(), Tensor(np.ones(3)))


def test_refuses_value_graphs_and_outputs_without_a_graph():
    with pytest.raises(TraceError, match="returned a Value; only Tensor graphs"):
        trace(lambda a: Value(1.0, requires_grad=True) * a, 3.0)
    with pytest.raises(TraceError, match="one element that has a graph"):
        trace(lambda x: (x * 2).sum(), Tensor(np.ones(3)))
    with pytest.raises(TraceError, match="one element that has a graph"):
        trace(lambda x: x * _leaf((3,)), Tensor(np.ones(3)))


def test_refuses_a_target_that_is_not_an_input():
    w = _leaf((3, 4))
    labels = np.array([0, 3])
    with pytest.raises(TraceError, match="none of the inputs gives the traced loss as its target"):
        trace(lambda x: softmax_cross_entropy(x @ w, labels), Tensor(np.ones((2, 3))))


def test_refuses_an_input_converted_on_the_way_in():
    w = _leaf((3,), dtype=np.float32)
    x = np.arange(6.0).reshape(2, 3)  # float64 into a float32 graph: a copy the trace would bake in
    with pytest.raises(TraceError, match=r"input x enters the graph as a converted copy \(float64 → float32\)"):
        trace(lambda x: (Tensor(x, dtype=np.float32) * w).sum(), x)


def test_check_true_finds_a_constant_computed_outside_the_graph():
    w = _leaf((3,))

    def loss_fn(x):
        scale = float(x.data.sum())  # from the data, outside the graph: baked into the trace
        return (x * w * scale).sum()

    traced = trace(loss_fn, Tensor(np.ones(3)))
    with pytest.raises(TraceError, match=r"differs from eager's .* baked into the trace"):
        traced(Tensor(2 * np.ones(3)), check=True)


def test_a_changed_value_is_described_briefly():
    w = _leaf((3,))
    traced = trace(lambda x, labels: (x * w).sum() * len(labels), Tensor(np.ones(3)), list(range(10_000)))
    with pytest.raises(TraceError, match=r"the value \[") as error:
        traced(Tensor(np.ones(3)), list(range(1, 10_001)))
    assert len(str(error.value)) < 300


def test_an_argument_named_like_what_the_program_calls_is_renamed():
    w = _leaf((2, 3))

    def loss_fn(float, np, t):
        return softmax_cross_entropy(float @ w, t) + (np * w).sum()

    x, m, t = Tensor(RNG.normal(size=(4, 2))), Tensor(RNG.normal(size=(2, 3))), np.array([0, 1, 2, 0])
    _assert_same(loss_fn, [w], x, m, t)


def test_refuses_one_tensor_given_as_two_inputs():
    w = _leaf((3,))
    x = Tensor(np.ones(3))
    with pytest.raises(TraceError, match=r"inputs 0 and 1 are the same object"):
        trace(lambda a, b: (a * w + b).sum(), x, x)


def test_two_losses_in_one_graph_keep_their_own_gradients():
    w = _leaf((3, 4))

    def loss_fn(x, t, u):
        logits = x @ w
        return softmax_cross_entropy(logits, t) + softmax_cross_entropy(logits * 2, u)

    x = Tensor(RNG.normal(size=(5, 3)))
    _assert_same(loss_fn, [w], x, np.array([0, 1, 2, 3, 0]), np.array([3, 3, 1, 0, 2]))


@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_a_fused_loss_of_another_reduction_is_refused_by_name(reduction):
    """The traced program knows the mean only: a sum or per-row loss must not be run as a mean."""
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(TraceError, match=f"softmax_with_loss_{reduction}"):
        trace(lambda x: F.cross_entropy(x, np.array([0, 1]), reduction=reduction).sum(), x)
