"""Differential property tests: random programs on `Value` and `Tensor` against independent oracles.

Two oracles, in float64:

- **Central differences** of the engine's own forward pass, for first derivatives and (from
  the engine's first derivative) for second derivatives — wherever the program is smooth.
- **A reference written from the documented rules**: for `Value`, forward-mode second-order
  Taylor arithmetic (`Jet`: value, gradient, Hessian) in plain floats; for `Tensor`, the same
  program run on arrays of `Value` nodes. At a kink (relu or abs at 0, clip at a bound, tied
  maxima) central differences are no oracle, and there the rules the library documents decide:
  relu'(0) = 0, abs'(0) = 0, clip passes the gradient at its bounds, tied maxima share it
  equally, and where a local derivative is 0 the result is exactly 0 whatever it multiplies.

Points are drawn to land on domain edges often: exact zeros, equal values, clip bounds,
``x ** p`` at 0, non-contiguous arrays. Each example is checked, not skipped: where a value is
undefined a `Value` must raise `DomainError`; where every local slope is finite it must not
raise and must give the rules' numbers; where an infinite slope lies on the way (``x ** 0.5``
at 0) it may raise `DomainError`, but any number it gives must be the rules'. The `Tensor`
engine must agree with the `Value` engine wherever that gives a number.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, reject, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, broadcastable_shapes

from scratchgrad.autograd import (
    DomainError,
    Tensor,
    Value,
    grad,
    log_softmax,
    numerical_gradient,
    softmax,
    softmax_cross_entropy,
)


def properties(max_examples: int) -> settings:
    """No deadline (graphs of graphs take a while); in CI a fixed, derandomized run, so a failure reproduces."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


# Exact zeros, ones and clip bounds (±0.5) come up often; random points in between.
EDGES = st.sampled_from([0.0, 0.0, 1.0, -1.0, 0.5, -0.5, 2.0])
# No tiny magnitudes in between: 1e-300 ** 2 underflows, which is a float's limit, not a rule's.
POINTS = st.one_of(EDGES, st.floats(1e-3, 2.0), st.floats(-2.0, -1e-3))


# -- the Value oracle: second-order forward-mode arithmetic from the documented rules ------------


class UndefinedError(Exception):
    """The reference finds the program's value undefined here (outside an op's domain)."""


class Jet:
    """A value with its gradient and Hessian with respect to the program's three inputs.

    ``kinked``: the program passed within ``MARGIN`` of a kink, where central differences
    are no oracle. ``inf1`` / ``inf2``: some local first / second derivative on the way was
    infinite (``x ** 0.5`` at 0); the derivatives here count 0·∞ as 0 (the rules select),
    and the engine may raise instead (see `_unless_infinite`).
    """

    MARGIN = 1e-4
    largest = 0.0  # the largest magnitude met in the program: the reference's own rounding scales with it

    def __init__(self, v, g, h, kinked=False, inf1=False, inf2=False) -> None:
        self.v, self.g, self.h, self.kinked, self.inf1, self.inf2 = v, g, h, kinked, inf1, inf2
        Jet.largest = max(Jet.largest, abs(v), np.abs(g).max(), np.abs(h).max())

    @classmethod
    def input(cls, v: float, i: int) -> Jet:
        return cls(v, np.eye(3)[i], np.zeros((3, 3)))

    def chain(self, v: float, d1: float | None, d2: float | None, kinked: bool = False) -> Jet:
        """f(self), given f(x), f'(x) and f''(x) at x = self.v (None: infinite).

        A local derivative that is exactly 0 gives exactly 0: the rules select.
        """
        inf1 = self.inf1 or d1 is None
        inf2 = self.inf2 or inf1 or d2 is None
        g = self.g * (d1 or 0.0)
        h = (d2 or 0.0) * np.outer(self.g, self.g) + (d1 or 0.0) * self.h
        return Jet(v, g, h, self.kinked or kinked, inf1, inf2)

    def near(self, point: float) -> bool:
        return abs(self.v - point) <= self.MARGIN * (1 + np.abs(self.g).sum())

    def _joined(self, o: Jet, v: float, g: np.ndarray, h: np.ndarray) -> Jet:
        return Jet(v, g, h, self.kinked or o.kinked, self.inf1 or o.inf1, self.inf2 or o.inf2)

    def __add__(self, o: Jet) -> Jet:
        return self._joined(o, self.v + o.v, self.g + o.g, self.h + o.h)

    def __sub__(self, o: Jet) -> Jet:
        return self._joined(o, self.v - o.v, self.g - o.g, self.h - o.h)

    def __mul__(self, o: Jet) -> Jet:
        cross = np.outer(self.g, o.g)
        return self._joined(o, self.v * o.v, o.v * self.g + self.v * o.g, o.v * self.h + self.v * o.h + cross + cross.T)


def _reciprocal(a: Jet) -> Jet:
    if a.v == 0:
        raise UndefinedError
    return a.chain(1 / a.v, -1 / a.v**2, 2 / a.v**3, kinked=a.near(0.0))  # a pole


def _power_term(c: float, base: float, e: float) -> float | None:
    """c · base^e, exactly 0 when c is 0 (whatever base^e is), None when infinite."""
    if c == 0:
        return 0.0
    if base == 0 and e < 0:
        return None
    return c * base**e


def _pow_const(a: Jet, p: float) -> Jet:
    """a ** p for a constant p: the derivative p·a^(p−1) is 0 when p = 0, also at a = 0."""
    if (a.v < 0 and p != int(p)) or (a.v == 0 and p < 0):
        raise UndefinedError
    d1, d2 = _power_term(p, a.v, p - 1), _power_term(p * (p - 1), a.v, p - 2)
    return a.chain(a.v**p, d1, d2, kinked=p != int(p) and a.near(0.0))  # undefined left of 0


def _rpow_const(c: float, a: Jet) -> Jet:
    """c ** a for a constant base c: the derivative c^a·log c is 0 where c^a is 0 (c = 0, a > 0)."""
    if c == 0:
        if a.v < 0:
            raise UndefinedError
        if a.v == 0:  # 0 ** 0 = 1, but 0 ** a jumps there: 0 for a > 0, undefined below
            return a.chain(1.0, None, None, kinked=True)
        return a.chain(0.0, 0.0, 0.0, kinked=a.near(0.0))
    y = c**a.v
    return a.chain(y, y * math.log(c), y * math.log(c) ** 2)


def _pow(a: Jet, b: Jet) -> Jet:
    """a ** b, both variable, for a ≥ 0 (``a`` is a square): exp(b·log a) where a > 0."""
    if a.v > 0:
        return _exp(b * _log(a))
    if b.v < 0:
        raise UndefinedError
    if b.v == 0:  # 0 ** 0 = 1: flat in a (the factor b is 0), but log 0 = −∞ in b
        return Jet(1.0, np.zeros(3), np.zeros((3, 3)), True, True, True)
    # At a = 0: 0 ** b = 0 for b > 0, flat in b; in a the slope is b·0^(b−1): 0, 1 or infinite.
    da, daa = _power_term(b.v, 0.0, b.v - 1), _power_term(b.v * (b.v - 1), 0.0, b.v - 2)
    # d²/da db = a^(b−1)·(1 + b·log a) → 0 for b > 1, −∞ for b ≤ 1; d/db and d²/db² are 0 (flat in b)
    dab = 0.0 if b.v > 1 else None
    inf1 = a.inf1 or b.inf1 or da is None
    inf2 = a.inf2 or b.inf2 or inf1 or daa is None or dab is None
    g = (da or 0.0) * a.g
    h = (da or 0.0) * a.h + (daa or 0.0) * np.outer(a.g, a.g)
    h = h + (dab or 0.0) * (np.outer(a.g, b.g) + np.outer(b.g, a.g))
    return Jet(0.0, g, h, True, inf1, inf2)


def _relu(a: Jet) -> Jet:
    return a.chain(max(a.v, 0.0), 1.0 if a.v > 0 else 0.0, 0.0, kinked=a.near(0.0))


def _abs(a: Jet) -> Jet:
    return a.chain(abs(a.v), float(np.sign(a.v)), 0.0, kinked=a.near(0.0))


def _exp(a: Jet) -> Jet:
    y = math.exp(a.v)  # OverflowError past ~709.78, where the engine's exp overflows too
    return a.chain(y, y, y)


def _log(a: Jet) -> Jet:
    if a.v <= 0:
        raise UndefinedError
    return a.chain(math.log(a.v), 1 / a.v, -1 / a.v**2)


def _tanh(a: Jet) -> Jet:
    y = math.tanh(a.v)
    return a.chain(y, 1 - y * y, -2 * y * (1 - y * y))


def _sigmoid(a: Jet) -> Jet:
    # exp(-|x|): 0.5·(1 + tanh(x/2)) would round sigmoid(-64) = 1.6e-28 to 0, and the reference, not the
    # engine, would then be wrong (0 ** sigmoid(-64) is 0, not 1).
    e = math.exp(-abs(a.v))
    y = 1 / (1 + e) if a.v >= 0 else e / (1 + e)
    return a.chain(y, y * (1 - y), y * (1 - y) * (1 - 2 * y))


# Each op: how to apply it to Values and to Jets (the same shape of program on both).
EXPONENTS = [0, 1, 2, 3, 0.5, 1.5, 2.5, -1]
VALUE_OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a * _reciprocal(b)),
    "relu": (lambda a, b: a.relu(), lambda a, b: _relu(a)),
    "abs": (lambda a, b: abs(a), lambda a, b: _abs(a)),
    "exp": (lambda a, b: a.exp(), lambda a, b: _exp(a)),
    "log": (lambda a, b: a.log(), lambda a, b: _log(a)),
    "tanh": (lambda a, b: a.tanh(), lambda a, b: _tanh(a)),
    "sigmoid": (lambda a, b: a.sigmoid(), lambda a, b: _sigmoid(a)),
    "reciprocal": (lambda a, b: a.reciprocal(), lambda a, b: _reciprocal(a)),
    **{
        f"pow {p}": (lambda a, b, p=p: a**p, lambda a, b, p=p: _pow_const(a, p))
        for p in EXPONENTS
    },
    "relu pow 1.5": (lambda a, b: a.relu() ** 1.5, lambda a, b: _pow_const(_relu(a), 1.5)),
    "0 ** x": (lambda a, b: 0.0**a, lambda a, b: _rpow_const(0.0, a)),
    "2 ** x": (lambda a, b: 2.0**a, lambda a, b: _rpow_const(2.0, a)),
    # a Value exponent on a positive base; at a = 0 the base is 0 and d/db 0**b = 0 for b > 0
    "a*a ** b": (lambda a, b: (a * a) ** b, lambda a, b: _pow(a * a, b)),
}
VALUE_OP_NAMES = sorted(VALUE_OPS)


@st.composite
def value_programs(draw):
    """Three inputs, then up to eight steps, each an op on two earlier nodes (a random DAG)."""
    steps = draw(st.lists(st.tuples(st.sampled_from(VALUE_OP_NAMES), st.integers(0, 99), st.integers(0, 99)),
                          min_size=1, max_size=8))
    point = draw(st.lists(POINTS, min_size=3, max_size=3))
    return steps, point


class TooLargeError(Exception):
    """A value too large for central differences to mean much: the example is not used."""


def run_value_program(steps, inputs):
    """The program on `Value` inputs or on `Jet` inputs (the same code: both have the ops)."""
    on_jets = isinstance(inputs[0], Jet)
    Jet.largest = 0.0
    nodes = list(inputs)
    for name, i, j in steps:
        on_value, on_jet = VALUE_OPS[name]
        nodes.append((on_jet if on_jets else on_value)(nodes[i % len(nodes)], nodes[j % len(nodes)]))
        if on_jets and (abs(nodes[-1].v) > 1e4 or np.abs(nodes[-1].g).max() > 1e4):
            raise TooLargeError
    if on_jets:  # central differences evaluate every node, used or not: any near a kink spoils them
        nodes[-1].kinked = any(node.kinked for node in nodes)
    return nodes[-1]


def engine_hessian(y: Value, xs: list[Value]) -> np.ndarray:
    """Row i: the gradient of ∂y/∂x_i, by differentiating the graph of the first derivative."""
    rows = [grad(gi, xs) if gi.requires_grad else [0.0] * 3 for gi in grad(y, xs, create_graph=True)]
    return np.array(rows, dtype=float)


def central_value_gradient(steps, point, h=1e-6):
    def f(p):
        return run_value_program(steps, [Value(v) for v in p]).data

    return np.array([(f(_shift(point, i, h)) - f(_shift(point, i, -h))) / (2 * h) for i in range(3)])


def central_value_hessian(steps, point, h=1e-5):
    """Central differences of the engine's first derivative (itself checked against f)."""
    def g(p):
        xs = [Value(v) for v in p]
        return np.array(grad(run_value_program(steps, xs), xs))

    return np.array([(g(_shift(point, j, h)) - g(_shift(point, j, -h))) / (2 * h) for j in range(3)]).T


def _shift(point, i, h):
    p = list(point)
    p[i] += h
    return p


def _close(actual, expected, what, rtol=1e-9, atol=1e-10, largest=0.0):
    """Close up to ``rtol``, or ``atol`` of the result's scale plus the rounding of terms as large as ``largest``."""
    atol = atol * (1 + np.abs(expected).max()) + 1e-14 * largest
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def _close_to_differences(actual, differences, h, what, rtol, atol):
    """``actual`` agrees with central differences of step ``h``, or they converge to it as the step shrinks.

    Near a pole (x / y at y = 0.001) the truncation error of step h (it grows with h² times the third
    derivative) outgrows any tolerance while the engine is exact: there the differences of step h/4 must
    be clearly nearer (their error shrinks about 16-fold), so a wrong derivative still fails.
    """
    coarse = differences(h)
    try:
        _close(actual, coarse, f"{what} vs central differences", rtol, atol)
    except AssertionError:
        fine = differences(h / 4)
        converging = np.abs(actual - fine).max() < 0.25 * np.abs(actual - coarse).max()
        assert converging, f"{what}: central differences do not converge to it"


@properties(300)
@given(value_programs())
# Always run, whatever hypothesis draws: the cases that were wrong once.
@example(([("pow 0", 0, 0)], [0.0, 0.0, 0.0]))  # d/dx x**0 at 0
@example(([("pow 1", 0, 0)], [0.0, 0.0, 0.0]))  # its second derivative goes through x**0
@example(([("0 ** x", 0, 0)], [1.0, 0.0, 0.0]))  # d/dy 0**y for y > 0
@example(([("relu", 0, 0), ("pow 1", 3, 3)], [-1.0, 0.0, 0.0]))  # through a closed relu
@example(([("a*a ** b", 0, 1)], [1.0, 0.0, 0.0]))  # a ** b at b = 0 keeps its mixed derivative
@example(([("div", 0, 0)], [0.001, 0.0, 0.0]))  # large cancelling terms
@example(([("div", 1, 0)], [0.001, 1.0, 0.0]))  # x / y near its pole: central differences converge slowly
@example(([("pow 3", 1, 0), ("reciprocal", 3, 0), ("sigmoid", 4, 0), ("0 ** x", 5, 0)], [0.0, -0.25, 0.0]))  # tiny σ
def test_value_programs_match_the_rules_and_central_differences(program):
    steps, point = program
    try:
        jet = run_value_program(steps, [Jet.input(p, i) for i, p in enumerate(point)])
    except TooLargeError:
        reject()
    except (UndefinedError, OverflowError):  # the value itself is undefined: the forward pass must refuse
        with pytest.raises(DomainError):
            run_value_program(steps, [Value(p) for p in point])
        return
    largest = Jet.largest
    event("at a kink" if jet.kinked else "smooth")  # --hypothesis-show-statistics: edges are visited
    event("infinite slope on the way" if jet.inf1 or jet.inf2 else "finite slopes")
    xs = [Value(p) for p in point]
    y = run_value_program(steps, xs)
    assert y.data == pytest.approx(jet.v, rel=1e-12, abs=1e-12)
    g = _unless_infinite(jet.inf1, lambda: np.array(grad(y, xs)))
    if g is not None:
        _close(g, jet.g, "gradient vs the rules", largest=largest)
        if not jet.kinked:  # smooth here: central differences are an oracle too
            _close_to_differences(g, lambda h: central_value_gradient(steps, point, h), 1e-6, "gradient", 1e-5, 1e-6)
    hessian = _unless_infinite(jet.inf2, lambda: engine_hessian(y, xs))
    if hessian is not None:
        _close(hessian, jet.h, "Hessian vs the rules", largest=largest)
        if not jet.kinked:
            hessians = lambda h: central_value_hessian(steps, point, h)
            _close_to_differences(hessian, hessians, 1e-5, "Hessian", 1e-4, 1e-5)


def _unless_infinite(infinite: bool, derivative):
    """The derivative; where an infinite local derivative lies on the way, `DomainError` is also right.

    Reverse mode meets that infinity times an upstream 0 (``relu(x) ** 0.5`` at x < 0) and cannot know
    the limit of 0·∞, so raising is honest; a number, though, must be the rules' (with 0·∞ = 0).
    Where no infinity lies on the way, the engine must not raise.
    """
    if not infinite:
        return derivative()
    try:
        return derivative()
    except DomainError:
        return None


# -- Tensor programs against the same program on arrays of Values -------------------------------
#
# Every op below has a value everywhere (no log, a safe divisor): the forward pass is always
# compared. The Value engine's own rules are checked above; here each array op must give what the
# elementwise composition of those rules gives, wherever the Value engine gives a derivative.


class Kinks:
    """Set when the reference passes near a kink (central differences are then no oracle)."""

    hit = False

    @classmethod
    def near(cls, x: float, point: float) -> None:
        cls.hit |= abs(x - point) < 1e-4


def each(fn):
    return np.frompyfunc(fn, 1, 1)


def _ref_relu(v: Value) -> Value:
    Kinks.near(v.data, 0.0)
    return v.relu()


def _ref_abs(v: Value) -> Value:
    Kinks.near(v.data, 0.0)
    return abs(v)


def _ref_clip(v: Value, low: float = -0.5, high: float = 0.5) -> Value:
    """The documented rule: the gradient passes inside [low, high], bounds included."""
    Kinks.near(v.data, low)
    Kinks.near(v.data, high)
    return v if low <= v.data <= high else Value(min(max(v.data, low), high), requires_grad=False)


def _ref_max(a: np.ndarray, axis: int | None) -> np.ndarray:
    """Max with the documented rule at ties: the gradient is shared equally among the tied maxima."""
    rows = a.reshape(-1) if axis is None else np.moveaxis(a, axis, -1)
    rows = rows.reshape(-1, rows.shape[-1])
    out = []
    for row in rows:
        top = max(v.data for v in row)
        for v in row:
            if v.data != top:
                Kinks.near(v.data, top)
        tied = [v for v in row if v.data == top]
        Kinks.hit |= len(tied) > 1
        out.append(Value.sum(tied) / len(tied))
    shape = () if axis is None else np.delete(np.array(a.shape), axis).tolist()
    return np.array(out, dtype=object).reshape(shape)


def _ref_log_softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    shift = np.vectorize(lambda v: v.data, otypes=[float])(a).max(axis=axis, keepdims=True)
    shifted = a - shift  # a constant shift: softmax does not change, and exp cannot overflow
    total = np.sum(each(Value.exp)(shifted), axis=axis, keepdims=True)
    return shifted - each(Value.log)(total)


def _ref_softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    return each(Value.exp)(_ref_log_softmax(a, axis))


def _ref_cross_entropy(a: np.ndarray, target: np.ndarray) -> np.ndarray:
    """−Σ t·log softmax(a) / N, for any targets (rows need not sum to 1)."""
    rows = a.reshape(-1, a.shape[-1])
    return -Value.sum((target.reshape(rows.shape) * _ref_log_softmax(rows)).reshape(-1)) / rows.shape[0]


def _is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def _on(tensor_fn, reference_fn):
    return lambda *xs: tensor_fn(*xs) if _is_tensor(xs[0]) else reference_fn(*xs)


def _axis(a, k: int) -> int:
    return k % a.ndim - a.ndim if k % 2 else k % a.ndim  # negative axes too


def _mT(x):
    return x.mT if _is_tensor(x) else np.swapaxes(x, -1, -2)


def _can_matmul(a, b) -> bool:
    return a.ndim >= 1 and b.ndim >= 2 and a.shape[-1] == b.shape[-1]


def _matmul(a, b, k):
    """a @ bᵀ (matrices, batches or a vector on the left); falls back to a + b."""
    if not _can_matmul(a, b):
        return _add_or_first(a, b)
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        return _add_or_first(a, b)
    return a @ _mT(b) if _is_tensor(a) else np.matmul(a, _mT(b))


def _fits(a, b) -> bool:
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return False
    return True


def _add_or_first(a, b):
    return a + b if _fits(a, b) else a


def _index(a, k):
    key = [slice(None, None, -1), slice(1, None), slice(None, None, 2), np.array([0, 0])][k % 4]
    return a[key] if a.ndim and a.shape[0] > 1 else a


def _reshape(a, k):
    return a.reshape(-1) if k % 2 or a.ndim < 2 else a.reshape(a.shape[0], -1)


def _transpose(a, k):
    if a.ndim < 2:
        return a
    # reversed, rolled, and rolled with a negative axis (as NumPy allows)
    axes = [tuple(range(a.ndim))[::-1], (a.ndim - 1, *range(a.ndim - 1)), (-1, *range(a.ndim - 1))][k % 3]
    return a.transpose(axes) if _is_tensor(a) else np.transpose(a, axes)


TENSOR_OPS = {  # name: fn(a, b, k) on Tensors or on object arrays of Values; k picks an axis or a variant
    "add": lambda a, b, k: _add_or_first(a, b),
    "sub": lambda a, b, k: b - a if _fits(a, b) else -a,
    "mul": lambda a, b, k: _add_or_first(a, b) * a if a.ndim else a * a,
    "div": lambda a, b, k: a / (1.0 + a * a),
    "relu": lambda a, b, k: _on(lambda x: x.relu(), each(_ref_relu))(a),
    "abs": lambda a, b, k: _on(abs, each(_ref_abs))(a),
    "tanh": lambda a, b, k: _on(lambda x: x.tanh(), each(Value.tanh))(a),
    "sigmoid": lambda a, b, k: _on(lambda x: x.sigmoid(), each(Value.sigmoid))(a),
    "exp": lambda a, b, k: _on(lambda x: x.exp(), each(Value.exp))(a),
    "pow int": lambda a, b, k: a ** [0, 1, 2, 3][k % 4],
    "relu pow": lambda a, b, k: TENSOR_OPS["relu"](a, b, k) ** [1, 1.5, 2, 2.5, 3][k % 5],  # x**p at 0, p ≥ 1
    "0 ** pos": lambda a, b, k: 0.0 ** (1.0 + a * a),
    # exponents 0 and 2 broadcast against a (x ** 0 at x = 0 is guarded, in a larger shape)
    "pow broadcast": lambda a, b, k: a ** np.array([0.0, 2.0]).reshape((2,) + (1,) * a.ndim),
    "clip": lambda a, b, k: _on(lambda x: x.clip(-0.5, 0.5), each(_ref_clip))(a),
    "sum": lambda a, b, k: a.sum(axis=_axis(a, k)) if a.ndim else a,
    "mean": lambda a, b, k: a.mean(axis=_axis(a, k)) if a.ndim else a,
    "max": lambda a, b, k: _on(lambda x, ax: x.max(axis=ax), _ref_max)(a, _axis(a, k) if a.ndim and k % 3 else None),
    "softmax": lambda a, b, k: _on(softmax, _ref_softmax)(a, _axis(a, k)) if a.ndim else a,
    "log_softmax": lambda a, b, k: _on(log_softmax, _ref_log_softmax)(a, _axis(a, k)) if a.ndim else a,
    "matmul": _matmul,
    "index": lambda a, b, k: _index(a, k),
    "reshape": lambda a, b, k: _reshape(a, k),
    "transpose": lambda a, b, k: _transpose(a, k),
}
TENSOR_OP_NAMES = sorted(TENSOR_OPS)


@st.composite
def layouts(draw, shape):
    """An array of ``shape`` in one of three memory layouts, its entries often on edges."""
    values = np.array(draw(st.lists(POINTS, min_size=math.prod(shape), max_size=math.prod(shape))), dtype=float)
    values = values.reshape(shape)
    layout = draw(st.sampled_from(["C", "F", "strided"]))
    if layout == "F" or not values.ndim:
        return np.asfortranarray(values)
    wide = np.zeros((*shape[:-1], 2 * shape[-1]))  # every other column: a strided view
    wide[..., ::2] = values
    return wide[..., ::2]


@st.composite
def tensor_programs(draw):
    shape_a = draw(array_shapes(min_dims=1, max_dims=3, max_side=3))
    shape_b = draw(broadcastable_shapes(shape_a, min_dims=0, max_dims=3, max_side=3))
    arrays = [draw(layouts(shape_a)), draw(layouts(shape_b))]
    steps = draw(st.lists(st.tuples(st.sampled_from(TENSOR_OP_NAMES), st.integers(0, 99), st.integers(0, 99),
                                    st.integers(0, 99)), min_size=1, max_size=5))
    loss = draw(st.sampled_from([None, "labels", "soft"]))
    loss_view = draw(st.sampled_from(["as is", "transposed", "reversed"]))  # the loss on non-contiguous logits
    seed = draw(st.integers(0, 2**16))
    return arrays, steps, (loss, loss_view), seed


def run_tensor_program(program, inputs):
    _, steps, loss, seed = program
    rng = np.random.default_rng(seed)
    nodes = list(inputs)
    for name, i, j, k in steps:
        out = TENSOR_OPS[name](nodes[i % len(nodes)], nodes[j % len(nodes)], k)
        nodes.append(out if _is_tensor(out) else np.asarray(out, dtype=object))  # 0-d stays an array
    out = nodes[-1]
    loss, view = loss
    if loss and out.ndim in (1, 2):
        out = {"as is": out, "transposed": _mT(out) if out.ndim == 2 else out, "reversed": out[..., ::-1]}[view]
        rows = out.reshape(-1, out.shape[-1]).shape
        labels = rng.integers(0, rows[1], rows[0])
        soft = rng.uniform(0.0, 1.0, out.shape)  # rows do not sum to 1
        target = soft if loss == "soft" else (labels if out.ndim == 2 else labels[0])
        if _is_tensor(out):
            return softmax_cross_entropy(out, target)
        onehot = soft if loss == "soft" else np.eye(rows[1])[labels].reshape(out.shape)
        return _ref_cross_entropy(out, onehot)
    weights = rng.uniform(-1.0, 1.0, out.shape)  # a fixed projection to a scalar checks every entry
    return (out * weights).sum() if _is_tensor(out) else Value.sum(np.asarray(out * weights).reshape(-1))


def tensor_derivatives(program, arrays):
    """Tensor engine: value, gradients and a Hessian-vector product (by grad of grad)."""
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    y = run_tensor_program(program, xs)
    if not y.requires_grad:
        zeros = [np.zeros_like(a) for a in arrays]
        return y.item(), zeros, zeros
    first = grad(y, xs, create_graph=True)
    directions = _directions(program, arrays)
    s = sum(((g * d).sum() for g, d in zip(first, directions)), start=Tensor(0.0, dtype=np.float64))
    second = grad(s, xs) if s.requires_grad else [np.zeros_like(a) for a in arrays]
    return y.item(), [g.data for g in first], second


def reference_derivatives(program, arrays):
    """The same on arrays of Values. A derivative is None where the Value engine finds an
    infinite local derivative on the way (see `_unless_infinite`); the Tensor engine may give
    nan or inf there, or the rules' number."""
    Kinks.hit = False
    xs = [np.array([Value(v) for v in a.reshape(-1)], dtype=object).reshape(a.shape) for a in arrays]
    leaves = [v for x in xs for v in x.reshape(-1)]
    y = run_tensor_program(program, xs)
    if not y.requires_grad:
        zeros = [np.zeros_like(a) for a in arrays]
        return y.data, zeros, zeros
    try:
        first = grad(y, leaves, create_graph=True)
    except DomainError:
        return y.data, None, None
    directions = np.concatenate([d.reshape(-1) for d in _directions(program, arrays)])
    s = Value.sum([g * float(d) for g, d in zip(first, directions)])
    try:
        second = _split(grad(s, leaves), arrays) if s.requires_grad else [np.zeros_like(a) for a in arrays]
    except DomainError:
        second = None
    return y.data, _split([g.data for g in first], arrays), second


def _directions(program, arrays):
    rng = np.random.default_rng(program[3] + 1)
    return [rng.uniform(-1.0, 1.0, a.shape) for a in arrays]


def _split(flat, arrays):
    out, start = [], 0
    for a in arrays:
        out.append(np.array(flat[start:start + a.size], dtype=float).reshape(a.shape))
        start += a.size
    return out


def _tensor_central(program, arrays, h=1e-6):
    """Central differences of the Tensor engine's value, and of its gradient along the directions."""
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]

    def value():
        return run_tensor_program(program, xs).item()

    def directional_gradient():
        y = run_tensor_program(program, xs)
        if not y.requires_grad:
            return 0.0
        return float(sum((g * d).sum() for g, d in zip(grad(y, xs), _directions(program, arrays))))

    return ([numerical_gradient(value, x.data, h) for x in xs],
            [numerical_gradient(directional_gradient, x.data, 1e-5) for x in xs])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's, where a derivative is infinite (x ** 1.5 at 0)
@properties(200)
@given(tensor_programs())
@example(([np.eye(3)[:2], np.zeros(1)], [("exp", 0, 0, 0)], ("labels", "transposed"), 0))  # loss of a.T
@example(([np.eye(3)[:2], np.zeros(1)], [("tanh", 0, 0, 0)], ("soft", "as is"), 0))  # rows not summing to 1
@example(([np.ones((2, 3)), np.zeros(1)], [("transpose", 0, 0, 2)], (None, "as is"), 0))  # axes (-1, 0)
@example(([np.array([0.0, 1.0]), np.zeros(1)], [("pow broadcast", 0, 0, 0)], (None, "as is"), 0))
def test_tensor_programs_match_the_value_engine_and_central_differences(program):
    arrays = program[0]
    value, first, second = reference_derivatives(program, arrays)
    kinked = Kinks.hit
    if not np.isfinite(value) or abs(value) > 1e4 or (first and max(np.abs(g).max() for g in first) > 1e4):
        reject()  # too large for central differences to mean much
    event("at a kink" if kinked else "smooth")
    event("non-contiguous input" if not all(a.flags.c_contiguous for a in arrays) else "contiguous inputs")
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    y = run_tensor_program(program, xs)
    assert y.item() == pytest.approx(value, rel=1e-12, abs=1e-12)
    got_value, got_first, got_second = tensor_derivatives(program, arrays)
    assert got_value == y.item()
    if first is not None:
        for plain, got, want in zip(grad(y, xs) if y.requires_grad else got_first, got_first, first):
            _close(plain, want, "gradient (plain backward) vs the Value engine")
            _close(got, want, "gradient (create_graph) vs the Value engine")
    if second is not None:
        for got, want in zip(got_second, second):
            _close(got, want, "Hessian-vector product vs the Value engine")
    if not kinked and first is not None and second is not None:
        numeric_first, numeric_second = _tensor_central(program, arrays)
        for got, want in zip(got_first, numeric_first):
            _close(got, want, "gradient vs central differences", 1e-5, 1e-6)
        for got, want in zip(got_second, numeric_second):
            _close(got, want, "Hessian-vector product vs central differences", 1e-4, 1e-5)
