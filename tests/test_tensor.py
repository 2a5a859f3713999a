"""The tensor engine: every op against central differences (float64), broadcasting, dtypes, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, broadcastable_shapes

from scratchgrad.autograd import ShapeError, Tensor, gradcheck, log_softmax, no_grad, softmax, softmax_cross_entropy

rng = np.random.default_rng(1234)


def t64(shape, low=-1.0, high=1.0, positive=False):
    data = rng.uniform(0.2 if positive else low, high + (1.0 if positive else 0.0), size=shape)
    return Tensor(data, requires_grad=True)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "pow": lambda a, b: (a * a + 0.3) ** b,
}


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted(BINARY)), array_shapes(min_dims=0, max_dims=3, max_side=4).flatmap(
    lambda s: st.tuples(st.just(s), broadcastable_shapes(s, min_dims=0, max_dims=3, max_side=4))))
def test_broadcasting_binary_ops_match_central_differences(name, shapes):
    a, b = t64(shapes[0]), t64(shapes[1])
    gradcheck(BINARY[name], [a, b])
    out = BINARY[name](a, b)
    out.sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


UNARY = {
    "neg": (lambda x: -x, False),
    "exp": (lambda x: x.exp(), False),
    "log": (lambda x: x.log(), True),
    "tanh": (lambda x: x.tanh(), False),
    "sigmoid": (lambda x: x.sigmoid(), False),
    "relu": (lambda x: x.relu(), False),
    "abs": (lambda x: abs(x), False),
    "reciprocal": (lambda x: x.reciprocal(), True),
    "pow const": (lambda x: x**3, False),
    "rpow": (lambda x: 2.0**x, False),
    "clip": (lambda x: x.clip(-0.5, 0.5), False),
    "sum all": (lambda x: x.sum(), False),
    "sum axis": (lambda x: x.sum(axis=1), False),
    "sum keepdims": (lambda x: x.sum(axis=(0, 2), keepdims=True), False),
    "mean": (lambda x: x.mean(axis=-1), False),
    "max all": (lambda x: x.max(), False),
    "max axis": (lambda x: x.max(axis=1, keepdims=True), False),
    "reshape": (lambda x: x.reshape(-1, 6) * Tensor(np.arange(1.0, 7.0)), False),
    "transpose": (lambda x: x.transpose(2, 0, 1) * Tensor(np.arange(3.0)).reshape(1, 1, 3), False),
    "T": (lambda x: x.T.exp(), False),
    "index slice": (lambda x: x[1:, ::2] * 3, False),
    "index array": (lambda x: x[[0, 1, 1], :, 0] ** 2, False),
    "index bool": (lambda x: x[x.data > 0] ** 2, False),
    "softmax": (lambda x: softmax(x, axis=1) * Tensor(np.arange(12.0).reshape(2, 2, 3)).transpose(0, 2, 1), False),
    "log_softmax": (lambda x: log_softmax(x) ** 2, False),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_and_shape_ops_match_central_differences(name):
    fn, positive = UNARY[name]
    gradcheck(fn, [t64((2, 3, 2), positive=positive)])


@pytest.mark.parametrize("axis", [-1, 1, 0])  # rows of a matrix take a faster route than other axes
@pytest.mark.parametrize("classes", [4, 40])
def test_softmax_and_log_softmax_of_a_matrix(axis, classes):
    x = t64((5, classes))
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    expected = np.exp(shifted) / np.exp(shifted).sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(softmax(x, axis=axis).data, expected, rtol=1e-13)
    np.testing.assert_allclose(log_softmax(x, axis=axis).data, np.log(expected), rtol=1e-13)
    weights = Tensor(np.arange(5.0 * classes).reshape(5, classes))
    gradcheck(lambda x: (softmax(x, axis=axis) * weights).sum(), [x])
    gradcheck(lambda x: (log_softmax(x, axis=axis) * weights).sum(), [x])


def test_matmul_gradients_2d_batched_and_vectors():
    gradcheck(lambda a, b: a @ b, [t64((3, 4)), t64((4, 2))])
    gradcheck(lambda a, b: a @ b, [t64((2, 3, 4)), t64((4, 5))])
    gradcheck(lambda a, b: a @ b, [t64((2, 1, 3, 4)), t64((5, 4, 2))])
    gradcheck(lambda a, b: a @ b, [t64(4), t64((4, 3))])
    gradcheck(lambda a, b: a @ b, [t64((3, 4)), t64(4)])
    gradcheck(lambda a, b: a @ b, [t64(4), t64(4)])


def test_fused_softmax_with_loss_matches_numbers_and_composition():
    logits = t64((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    onehot = np.eye(4)[labels]
    gradcheck(lambda x: softmax_cross_entropy(x, labels), [logits])
    gradcheck(lambda x: softmax_cross_entropy(x, onehot), [logits])
    softmax_cross_entropy(logits, labels).backward()
    fused = logits.grad
    y = np.exp(logits.data) / np.exp(logits.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(fused, (y - onehot) / 5, rtol=1e-12)
    # the unfused composition the visualizer draws: exp, sum, divide, log, multiply, sum, negate
    a = Tensor(logits.data.copy(), requires_grad=True)
    e = a.exp()
    loss = -(Tensor(onehot) * (e / e.sum(axis=1, keepdims=True)).log()).sum() / 5
    loss.backward()
    np.testing.assert_allclose(a.grad, fused, rtol=1e-10, atol=1e-15)


def test_softmax_with_loss_single_sample_and_large_logits():
    x = Tensor(np.array([1000.0, 0.0, -1000.0]), requires_grad=True)
    loss = softmax_cross_entropy(x, 0)
    assert np.isfinite(loss.item())
    loss.backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.0, 0.0], atol=1e-12)
    gradcheck(lambda x: softmax_cross_entropy(x, np.array(2)), [t64(3)])


@pytest.mark.parametrize("classes", [3, 10, 33, 100])  # both sides of the narrow/wide row-max switch
def test_softmax_with_loss_matches_a_float64_reference_for_any_width(classes):
    rng = np.random.default_rng(classes)
    x = rng.normal(scale=5.0, size=(7, classes))
    labels = rng.integers(0, classes, 7)
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -log_p[np.arange(7), labels].mean()
    for dtype, rtol, atol in ((np.float64, 1e-13, 1e-16), (np.float32, 1e-6, 1e-8)):
        logits = Tensor(x, requires_grad=True, dtype=dtype)
        loss = softmax_cross_entropy(logits, labels)
        loss.backward()
        assert loss.dtype == logits.grad.dtype == dtype
        np.testing.assert_allclose(loss.item(), expected, rtol=rtol)
        np.testing.assert_allclose(logits.grad, (np.exp(log_p) - np.eye(classes)[labels]) / 7, rtol=rtol, atol=atol)


@pytest.mark.parametrize("labels", [[0, 3, 1], [0, 1, 3], [-1, 0, 1], [0, -3, 1]])
def test_out_of_range_labels_never_pick_from_another_row(labels):
    # As flat positions, a label 3 in row 0 would be row 1's class 0; -1 would be the last class.
    with pytest.raises(ShapeError, match=r"class index out of range 0..2"):
        softmax_cross_entropy(Tensor(np.ones((3, 3))), np.array(labels))


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, ">i8", np.uint64])
def test_labels_of_any_integer_dtype_and_byte_order(dtype):
    x = Tensor(np.random.default_rng(0).normal(size=(4, 3)))
    labels = np.array([2, 0, 1, 2])
    expected = softmax_cross_entropy(x, labels).item()
    assert softmax_cross_entropy(x, labels.astype(dtype)).item() == expected


def test_second_derivative_through_fused_loss():
    from scratchgrad.autograd import grad

    x = t64((2, 3))
    g = grad(softmax_cross_entropy(x, np.array([0, 2])), x, create_graph=True)
    gradcheck(lambda x: (grad(softmax_cross_entropy(x, np.array([0, 2])), x, create_graph=True) ** 2).sum(), [x])
    assert g.requires_grad
    np.testing.assert_allclose(g.data, grad(softmax_cross_entropy(x, np.array([0, 2])), x), rtol=1e-12)
    onehot = np.eye(3)[[0, 2]]
    g_onehot = grad(softmax_cross_entropy(x, onehot), x, create_graph=True)
    np.testing.assert_allclose(g_onehot.data, g.data, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved_forward_and_backward(dtype):
    x = Tensor(np.ones((4, 3)), dtype=dtype)
    W = Tensor(np.full((3, 2), 0.5), requires_grad=True, dtype=dtype)
    b = Tensor(np.zeros(2), requires_grad=True, dtype=dtype)
    h = ((x @ W + b) * 2.5 + 1).relu() / 3 - 0.1
    y = (h.sigmoid() ** 2).mean() + softmax_cross_entropy(h, np.array([0, 1, 1, 0])) + h.max() * 0.5
    y.backward()
    for t in (h, y):
        assert t.dtype == dtype
    for g in (W.grad, b.grad):
        assert g.dtype == dtype


def test_default_dtype_is_float32_and_float_arrays_keep_theirs():
    assert Tensor([1, 2]).dtype == np.float32
    assert Tensor(3.0).dtype == np.float32
    array = np.zeros(3)
    t = Tensor(array)
    assert t.dtype == np.float64 and t.data is array


def test_mixed_dtypes_are_refused():
    with pytest.raises(TypeError, match="add: dtype mismatch float32 vs float64"):
        Tensor([1.0]) + Tensor([1.0], dtype=np.float64)
    with pytest.raises(TypeError, match="matmul: dtype mismatch float64 vs float32"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((3, 2), np.float32), requires_grad=True)


def test_results_of_ops_on_a_subclass_are_plain_tensors():
    class Weight(Tensor):
        __slots__ = ()

    w = Weight([1.0], requires_grad=True)
    assert type(w * 2) is Tensor and type(-w) is Tensor and type(w.sum()) is Tensor


def test_integer_one_hot_target_is_one_hot():
    logits = Tensor(np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]]), requires_grad=True)
    as_int = softmax_cross_entropy(logits, np.eye(3, dtype=int)[[1, 2]]).item()
    assert as_int == pytest.approx(softmax_cross_entropy(logits, np.array([1, 2])).item(), rel=1e-12)


def test_no_gradient_work_for_inputs_that_do_not_need_it():
    x = Tensor(np.ones((2, 3)))
    W = Tensor(np.ones((3, 4)), requires_grad=True)
    (x @ W).sum().backward()
    assert x.grad is None and W.grad is not None


def test_no_graph_without_requires_grad_or_inside_no_grad():
    a = Tensor(np.ones(3))
    assert (a * 2).op is None
    w = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        assert (w * 2).op is None
    assert (w * 2).op is not None


def test_backward_on_non_scalar_needs_a_seed():
    w = Tensor(np.ones((3, 4)), requires_grad=True)
    y = w * 2
    with pytest.raises(RuntimeError, match=r"output has shape \(3, 4\).*only for a scalar output"):
        y.backward()
    y.backward(np.full((3, 4), 0.5))
    np.testing.assert_allclose(w.grad, 1.0)
    with pytest.raises(ShapeError, match=r"seed gradient has shape \(2,\), output has shape \(3, 4\)"):
        y.backward(np.ones(2))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Tensor(np.ones((100, 784))) @ Tensor(np.ones((50, 10))), r"matmul: \(100, 784\) @ \(50, 10\)"),
        (lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones((4, 3))), r"add: cannot broadcast shapes \(2, 3\) and \(4"),
        (lambda: Tensor(np.ones(6)).reshape(4, 2), r"reshape: cannot reshape \(6,\) \(6 elements\) into \(4, 2\)"),
        (lambda: Tensor(np.ones((2, 3))).transpose(0, 0), r"transpose: axes \(0, 0\)"),
        (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), np.array([0, 1, 2])), r"3 class indices for 2 rows"),
        (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), np.array([0, 3])), r"class index out of range 0..2"),
        (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), np.ones((2, 2))), r"one-hot of shape \(2, 3\)"),
    ],
)
def test_shape_errors_are_raised_at_the_call_and_name_the_op(build, message):
    with pytest.raises(ShapeError, match=message):
        build()


def test_numpy_arrays_on_the_left_give_tensors():
    w = Tensor(np.ones(3), requires_grad=True)
    y = np.arange(3.0) * w
    assert isinstance(y, Tensor)
    y.sum().backward()
    np.testing.assert_allclose(w.grad, [0.0, 1.0, 2.0])


def test_item_numpy_detach():
    w = Tensor(np.array([[2.0]]), requires_grad=True)
    y = w * 3
    assert y.item() == 6.0
    assert isinstance(y.numpy(), np.ndarray)
    d = y.detach()
    assert d.op is None and not d.requires_grad and d.data is y.data


def test_sigmoid_keeps_its_digits_far_from_zero():
    x = Tensor(np.array([-40.0, -800.0, 0.0, 800.0]), requires_grad=True)
    y = x.sigmoid()
    np.testing.assert_allclose(y.data, [4.248354255291589e-18, 0.0, 0.5, 1.0], rtol=1e-14)
    y.sum().backward()
    np.testing.assert_allclose(x.grad[0], 4.248354255291589e-18, rtol=1e-12)
    assert x.sigmoid().dtype == np.float64 and Tensor([1.0]).sigmoid().dtype == np.float32
