"""Derivative rules at the edges of their domains, nan, and empty tensors: each a case that was wrong once.

Where a local derivative is 0 the rules *select* it, so the result is exactly 0 — never a mask
multiplied into an inf or nan. Each value is also checked against the limit of difference quotients
(one-sided where the function is defined on one side only).
"""

import math

import numpy as np
import pytest

from scratchgrad.autograd import Tensor, Value, grad

NAN = float("nan")


def derivatives(fn, x0: float, kind: str, order: int) -> float:
    """The ``order``-th derivative of ``fn`` at ``x0`` through `Value` or a 1-element float64 `Tensor`."""
    x = Value(x0) if kind == "value" else Tensor(np.array([x0]), requires_grad=True)
    y = fn(x)
    for _ in range(order):
        y = grad(y if kind == "value" else y.sum(), x, create_graph=True)
    return float(y.data if kind == "value" else y.data[0])


def right_quotient(f, x0: float, h: float = 1e-9) -> float:
    return (f(x0 + h) - f(x0)) / h


KINDS = ["value", "tensor"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("p", "first", "second"), [(0, 0, 0), (1, 1, 0), (1.5, 0, math.inf), (2, 0, 2), (2.5, 0, 0), (3, 0, 0)]
)
def test_power_rule_at_zero_selects(kind, p, first, second):
    # x**0 is flat (also at 0: 0**-1 must not be evaluated); p >= 1 is differentiable from the right.
    assert derivatives(lambda x: x**p, 0.0, kind, 1) == first
    assert right_quotient(lambda x: x**p, 0.0) == pytest.approx(first, abs=1e-4)
    if math.isfinite(second):
        assert derivatives(lambda x: x**p, 0.0, kind, 2) == second
        d1 = lambda x: p * x ** (p - 1) if p else 0.0  # the first derivative, for its right quotient
        assert right_quotient(d1, 0.0, 1e-6) == pytest.approx(second, abs=1e-2)


@pytest.mark.parametrize("kind", KINDS)
def test_third_derivative_of_x_squared_at_zero(kind):
    assert derivatives(lambda x: x**2, 0.0, kind, 3) == 0.0  # through (x**1)' = x**0 and (x**0)' = 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("y0", [0.5, 1.0, 2.0])
def test_zero_base_is_flat_in_the_exponent(kind, y0):
    # 0**y = 0 for every y > 0: the derivative 0**y·log 0 is 0, not nan (Tensor) or an error (Value).
    assert derivatives(lambda y: 0.0**y, y0, kind, 1) == 0.0
    assert derivatives(lambda y: 0.0**y, y0, kind, 2) == 0.0


def test_pow_with_both_inputs_variable_keeps_the_mixed_derivative():
    # d/da a**b at b = 0 is 0, but its derivative in b is a**(b-1): selecting must not lose it.
    a, b = Value(2.0), Value(0.0)
    ga = grad(a**b, a, create_graph=True)
    assert ga.data == 0.0 and grad(ga, b) == 0.5


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # NumPy's, for the infinite slope itself
@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.relu() ** 0.5,  # an infinite slope upstream of a closed mask
        lambda x: (x.clip(-0.5, 0.5) + 0.5) ** 0.5,
        lambda x: abs(x * 0.0) ** 0.5,
    ],
)
def test_a_closed_mask_gives_zero_even_under_an_infinite_slope(fn):
    x = Tensor(np.array([-1.0, -2.0]), requires_grad=True)
    np.testing.assert_array_equal(grad(fn(x).sum(), x), [0.0, 0.0])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fn", [lambda x: x.relu() ** 1, lambda x: x.relu() * x.relu(), lambda x: x.relu() ** 2.5])
def test_second_derivatives_through_a_closed_relu_are_zero(kind, fn):
    assert derivatives(fn, -1.0, kind, 2) == 0.0


def test_second_derivatives_through_a_closed_clip_are_zero():
    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    g = grad((x.clip(-0.5, 0.5) ** 2).sum(), x, create_graph=True)
    np.testing.assert_array_equal(grad(g.sum(), x), [0.0, 0.0])
    g = grad(((x.clip(-0.5, 0.5) + 0.5) ** 1.5).sum(), x, create_graph=True)  # 0 ** 0.5 upstream at x = -1
    np.testing.assert_array_equal(g.data, [0.0, 0.0])


def test_value_refuses_an_infinite_slope_rather_than_guess_zero_times_infinity():
    from scratchgrad.autograd import DomainError

    x = Value(-1.0)
    g = grad(x.relu() ** 1.5, x, create_graph=True)
    assert g.data == 0.0
    with pytest.raises(DomainError, match=r"backward of pow\(0.0, 0.5\)"):
        grad(g, x)


# -- nan goes in, nan comes out ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "abs"])
def test_nan_propagates_through_value_ops_and_their_gradients(name):
    x = Value(NAN)
    y = getattr(x, name)()
    assert math.isnan(y.data)
    assert math.isnan(grad(y, x))


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.relu(),
        lambda x: x.sigmoid(),
        lambda x: x.tanh(),
        lambda x: abs(x),
        lambda x: x.clip(-0.5, 0.5),
        lambda x: x.max(keepdims=True),
    ],
)
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # NumPy's, for 0 / 0 in a row of nan
def test_nan_propagates_through_tensor_ops_and_their_gradients(fn):
    x = Tensor(np.array([NAN, 0.2, -3.0]), requires_grad=True)
    y = fn(x)
    assert np.isnan(y.data[0])
    g = grad(y.sum(), x)
    assert np.isnan(g[0])  # the nan entry's gradient is nan, not a silent 0


# -- softmax-with-loss: any layout, any targets --------------------------------------------------

rng = np.random.default_rng(11)
LAYOUTS = {  # the same values in other memory layouts
    "C order": lambda d: d,
    "F order": lambda d: np.ascontiguousarray(d.T).T,
    "reversed columns": lambda d: np.ascontiguousarray(d[:, ::-1])[:, ::-1],
    "every other row": lambda d: np.repeat(d, 2, axis=0)[::2],
}


def _target(kind: str, shape: tuple[int, ...]):
    labels = np.array([2, 0, 1, 1])
    if kind == "labels":
        return labels
    if kind == "one-hot":
        return np.eye(shape[-1])[labels]
    return rng.uniform(0.0, 0.7, shape)  # soft targets whose rows do not sum to 1


@pytest.mark.parametrize("target_kind", ["labels", "one-hot", "soft"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_softmax_cross_entropy_gradient_in_any_layout(layout, target_kind):
    from scratchgrad.autograd import gradcheck, softmax_cross_entropy

    data = rng.normal(size=(4, 3))
    target = _target(target_kind, data.shape)
    reference = Tensor(data.copy(), requires_grad=True)
    expected = grad(softmax_cross_entropy(reference, target), reference)
    x = Tensor(LAYOUTS[layout](data.copy()), requires_grad=True)
    np.testing.assert_allclose(grad(softmax_cross_entropy(x, target), x), expected, rtol=1e-12)
    gradcheck(lambda x: softmax_cross_entropy(x, target), [x])
    a = Tensor(data.T.copy(), requires_grad=True)  # the case: the loss of a.T
    np.testing.assert_allclose(grad(softmax_cross_entropy(a.T, target), a), expected.T, rtol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3), (3,)])
def test_soft_targets_that_do_not_sum_to_one_agree_everywhere(shape):
    from scratchgrad.autograd import gradcheck, softmax_cross_entropy
    from scratchgrad.nn.manual import SoftmaxWithLoss

    a = rng.normal(size=shape)
    t = rng.uniform(0.0, 0.7, shape)  # rows sum to anything but 1
    rows, t_rows = a.reshape(-1, shape[-1]), t.reshape(-1, shape[-1])
    log_p = rows - rows.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    loss = -(t_rows * log_p).sum() / rows.shape[0]
    gradient = ((np.exp(log_p) * t_rows.sum(1, keepdims=True) - t_rows) / rows.shape[0]).reshape(shape)

    x = Tensor(a, requires_grad=True)
    out = softmax_cross_entropy(x, t)
    assert out.item() == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(grad(out, x), gradient, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad(softmax_cross_entropy(x, t), x, create_graph=True).data, gradient, rtol=1e-12)
    gradcheck(lambda x: softmax_cross_entropy(x, t), [x])  # the gradient is the loss's own
    gradcheck(lambda x: (grad(softmax_cross_entropy(x, t), x, create_graph=True) ** 2).sum(), [x])
    manual = SoftmaxWithLoss()
    assert manual.forward(a, t) == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(manual.backward(), gradient, rtol=1e-12, atol=1e-15)


# -- empty tensors, as NumPy ---------------------------------------------------------------------


@pytest.mark.parametrize("shape_axis", [((2, 0), -1), ((0, 3), 0), ((2, 0, 3), 1)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_over_a_zero_length_axis_is_empty(name, shape_axis):
    import warnings

    from scratchgrad import autograd

    shape, axis = shape_axis
    x = Tensor(np.zeros(shape), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no log of 0, no 0 / 0 on the way
        y = getattr(autograd, name)(x, axis=axis)
        assert y.shape == shape
        assert grad(y.sum(), x).shape == shape


def test_mean_over_an_empty_axis_is_numpy_s_nan():
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    with pytest.warns(RuntimeWarning):
        y = x.mean(axis=1)
    np.testing.assert_array_equal(y.data, np.full(2, np.nan))
    assert grad(y.sum(), x).shape == (2, 0)
    assert Tensor(np.zeros((0, 3))).mean(axis=1).shape == (0,)  # nothing to average: empty, no warning
    with pytest.warns(RuntimeWarning):
        assert np.isnan(Tensor(np.zeros((0, 3)), requires_grad=True).mean().item())


@pytest.mark.parametrize("target", [np.zeros(0, dtype=int), np.zeros((0, 3))])
def test_an_empty_batch_has_a_nan_loss_with_a_warning_and_an_empty_gradient(target):
    from scratchgrad.autograd import softmax_cross_entropy
    from scratchgrad.nn.manual import SoftmaxWithLoss

    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with pytest.warns(RuntimeWarning, match="empty batch"):
        loss = softmax_cross_entropy(x, target)
    assert np.isnan(loss.item())
    assert grad(loss, x).shape == (0, 3)
    assert grad(loss, x, create_graph=True).shape == (0, 3)
    manual = SoftmaxWithLoss()
    assert math.isnan(manual.forward(np.zeros((0, 3)), target))
    assert manual.backward().shape == (0, 3)


# -- transpose and clip: what NumPy accepts and refuses ----------------------------------------


@pytest.mark.parametrize("axes", [(-1, 0), (1, -2), (-1, -2), (1, 0)])
def test_transpose_takes_negative_axes_as_numpy_does(axes):
    data = np.arange(6.0).reshape(2, 3)
    x = Tensor(data, requires_grad=True)
    y = x.transpose(*axes)
    np.testing.assert_array_equal(y.data, data.transpose(axes))
    weights = np.arange(6.0).reshape(y.shape)
    np.testing.assert_array_equal(grad((y * weights).sum(), x), weights.transpose(np.argsort(np.array(axes) % 2)))


@pytest.mark.parametrize(
    ("axes", "message"),
    [((0, 0), r"repeat an axis"), ((-2, 0), r"repeat an axis"), ((0, 2), r"do not name"), ((0,), r"do not name"),
     ((0, 1, 2), r"do not name"), ((0, -3), r"do not name")],
)
def test_transpose_refuses_repeated_or_out_of_range_axes(axes, message):
    from scratchgrad.autograd import ShapeError

    with pytest.raises(ShapeError, match=rf"transpose: axes .* {message}"):
        Tensor(np.zeros((2, 3))).transpose(*axes)
    with pytest.raises(ValueError):  # NumPy refuses them too
        np.zeros((2, 3)).transpose(axes)


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match=r"clip: give low, high or both"):
        Tensor(np.zeros(3)).clip(None, None)
    np.testing.assert_array_equal(Tensor(np.array([-2.0, 2.0])).clip(None, 1.0).data, [-2.0, 1.0])


def test_a_guarded_rule_that_broadcasts_keeps_the_input_shape_in_higher_derivatives():
    x = Tensor(np.array([0.0, 1.0, 2.0]), requires_grad=True)
    p = Tensor(np.array([[0.0], [2.0]]))  # x ** 0 (guarded at x = 0) and x ** 2, broadcast to (2, 3)
    g = grad((x**p).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(grad(g.sum(), x), [2.0, 2.0, 2.0])
    s = Tensor(np.array(0.0), requires_grad=True)  # a 0-d input under a broadcasting guard
    gs = grad((s**p).sum(), s, create_graph=True)
    assert gs.shape == () and grad(gs, s).shape == ()


def test_a_class_with_no_target_and_zero_probability_adds_nothing_to_the_loss():
    from scratchgrad.autograd import softmax_cross_entropy
    from scratchgrad.nn.manual import SoftmaxWithLoss

    logits = np.array([[0.0, -np.inf, 1.0], [2.0, 0.5, -np.inf]])  # masked classes: p = 0 exactly
    labels = np.array([0, 1])
    x = Tensor(logits, requires_grad=True)
    expected = softmax_cross_entropy(x, labels)
    expected_grad = grad(expected, x)
    assert np.isfinite(expected.item())
    for target in (np.eye(3)[labels], np.eye(3)[labels] * 0.5):  # one-hot, and soft rows summing to 0.5
        loss = softmax_cross_entropy(x, target)
        scale = target.sum(axis=1).mean()
        assert loss.item() == pytest.approx(expected.item() * scale, rel=1e-12)
        manual = SoftmaxWithLoss()
        assert manual.forward(logits, target) == pytest.approx(loss.item(), rel=1e-12)
        np.testing.assert_allclose(manual.backward(), grad(loss, x), rtol=1e-12)
    np.testing.assert_allclose(grad(softmax_cross_entropy(x, np.eye(3)[labels]), x), expected_grad, rtol=1e-12)
