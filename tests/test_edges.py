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
def test_nan_propagates_through_tensor_ops_and_their_gradients(fn):
    x = Tensor(np.array([NAN, 0.2, -3.0]), requires_grad=True)
    y = fn(x)
    assert np.isnan(y.data[0])
    g = grad(y.sum(), x)
    assert np.isnan(g[0])  # the nan entry's gradient is nan, not a silent 0
