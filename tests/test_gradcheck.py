"""gradcheck itself: it must fail on a wrong derivative, or every gradient test built on it proves nothing."""

import math

import numpy as np
import pytest

from scratchgrad.autograd import GradcheckError, Tensor, Value, gradcheck, numerical_gradient, relative_error
from scratchgrad.autograd import elementwise as ew


def test_passes_a_right_derivative_and_reports_each_input():
    report = gradcheck(lambda a, b: (a * b).tanh(), [Value(0.4, name="a"), Value(-1.2, name="b")])
    assert report.ok
    assert [c.name for c in report.checks] == ["a", "b"]
    assert all(c.rel_error < 1e-9 for c in report.checks)


@pytest.mark.parametrize("kind", ["scalar", "tensor"])
def test_fails_on_a_derivative_off_by_one_percent(kind, monkeypatch):
    prim = getattr(ew.tanh, kind)
    monkeypatch.setattr(prim, "vjps", (lambda g, y, x: 1.01 * g * (1 - y * y),))
    x = Value(0.7) if kind == "scalar" else Tensor(np.array([0.7, -0.3]), requires_grad=True)
    with pytest.raises(GradcheckError, match="disagree"):
        gradcheck(lambda x: x.tanh(), [x])
    assert not gradcheck(lambda x: x.tanh(), [x], raise_on_failure=False).ok


def test_fails_on_nan_gradients():
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x * math.nan, [Value(0.3)])


def test_a_zero_gradient_matches_zero():
    assert gradcheck(lambda x, y: x * 2.0, [Value(1.0), Value(5.0)]).checks[1].rel_error == 0.0


def test_numerical_gradient_on_any_layout_restores_the_array_exactly():
    x = np.random.default_rng(0).normal(size=(3, 4)).T  # a transposed view: not C-contiguous
    before = x.copy()
    numeric = numerical_gradient(lambda: float((x**3 * np.arange(1.0, 4.0)).sum()), x)
    np.testing.assert_allclose(numeric, 3 * x**2 * np.arange(1.0, 4.0), atol=1e-7)  # h² error: h = 1e-4
    np.testing.assert_array_equal(x, before)


def test_relative_error_is_scale_free_and_zero_for_zeros():
    a = np.array([1.0, -2.0, 0.0])
    expected = 1e-3 / (1 + 1e-3)  # relative to the larger side
    assert relative_error(a, a * (1 + 1e-3)) == pytest.approx(expected)
    assert relative_error(1e9 * a, 1e9 * a * (1 + 1e-3)) == pytest.approx(expected)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
