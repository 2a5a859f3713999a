"""Elementwise primitives, shared by `Value` and `Tensor`.

Each primitive is defined once: its forward for a float (``math``), its
forward for an ndarray (NumPy), and beside them its local derivative with
respect to each input. The derivative rules use only arithmetic, so the same
rule runs on raw floats, raw arrays, or — for higher-order derivatives —
on nodes. For tensors the binary rules are wrapped once to sum gradients
back over broadcast dimensions.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from typing import Any, Self

import numpy as np

from scratchgrad.autograd.graph import Node, Op


class Elementwise:
    """One elementwise primitive, as an `Op` for scalars and an `Op` for arrays.

    ``domain`` says in words what inputs the scalar forward accepts (a
    function of the inputs when the reason depends on them); it is quoted when
    a `Value` operation falls outside it. Overflow has its own message.
    """

    def __init__(
        self,
        name: str,
        glyph: str,
        scalar: Callable[..., float],
        array: Callable[..., np.ndarray],
        *vjps: Callable[..., Any],
        domain: str | Callable[..., str] = "",
    ) -> None:
        self.scalar_forward = scalar
        self.array_forward = array
        self.domain = domain
        self.scalar = Op(name, glyph, *vjps)
        tensor_vjps = vjps if len(vjps) == 1 else tuple(_unbroadcast(i, v) for i, v in enumerate(vjps))
        self.tensor = Op(name, glyph, *tensor_vjps)


def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the dimensions NumPy broadcast to reach ``g.shape`` from ``shape``.

    Works on ndarrays and on Tensors alike (it uses only their shared methods).
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if g.shape[lead:] != shape:  # some axes of length 1 were stretched
        stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
        g = g.sum(axis=stretched, keepdims=True)
    if lead == 1 and g.ndim == 2 and isinstance(g, np.ndarray):  # e.g. a bias: a sum over the batch
        # As ones @ g: one BLAS call takes ~1 µs where NumPy's reduction over the first axis
        # takes ~3 µs (100×50 float32), and it adds each column's terms in order just the same.
        return shared_ones(g.shape[0], g.dtype) @ g
    return g.sum(axis=tuple(range(lead))) if lead else g


@functools.lru_cache(maxsize=64)
def shared_ones(shape: int | tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only array of ones, made once per shape and dtype: for sums done as products."""
    ones = np.ones(shape, dtype)
    ones.flags.writeable = False
    return ones


def _unbroadcast(index: int, vjp: Callable[..., Any]) -> Callable[..., Any]:
    def fitted(g: Any, y: Any, *xs: Any) -> Any:
        gx = vjp(g, y, *xs)
        shape = xs[index].shape
        return gx if gx.shape == shape else sum_to(gx, shape)  # the check inline: most edges never broadcast

    return fitted


def raw(x: Any) -> Any:
    """The data behind a node, or ``x`` itself; for masks that are constants."""
    return x.data if isinstance(x, Node) else x


def where(mask: Any, x: Any, fill: Any = 0.0) -> Any:
    """``x`` where ``mask`` holds, ``fill`` elsewhere: how a derivative rule *selects*.

    ``g * mask`` would turn an inf or nan in ``g`` into nan where the mask is 0;
    selecting gives exactly ``fill`` there. ``mask`` and ``fill`` are raw data
    (constants of the rule); ``x`` is a float, an array or — with
    ``create_graph`` — a node, whose gradient is selected the same way.
    """
    scalar = mask is True or mask is False  # a Value's rule: one side or the other
    if not isinstance(x, Node):
        return (x if mask else fill) if scalar else np.where(mask, x, fill)
    if mask is True:
        return x
    # Still a node that depends on x (with gradient 0 where not selected), so that a gradient
    # of a gradient can be taken at any point, not only where the mask happens to hold. The
    # mask may broadcast x to a larger shape; the gradient is summed back to x's own.
    if scalar:
        op = Op("where", "where", lambda g, y, x: where(mask, g))
    else:
        shape = x.data.shape
        op = Op("where", "where", lambda g, y, x: sum_to(where(mask, g), shape))
    return x._result(fill if scalar else np.where(mask, x.data, fill), op, (x,))


def guarded(keep: Any, rule: Callable[[Any], Any], x: Any, safe: float) -> Any:
    """``rule(x)`` where ``keep`` holds and exactly 0 elsewhere, never evaluating the rule off ``keep``.

    Off ``keep`` the rule sees ``safe`` in place of ``x``: had it seen ``x`` (``0 ** -1``),
    a `Value` would raise, and with ``create_graph`` the inf would come back as
    ``0 * inf = nan`` in the next derivative, however the result was selected.
    """
    if keep is True or (keep is not False and keep.all()):  # the usual case: nothing to guard
        return rule(x)
    return where(keep, rule(where(keep, x, safe)))


def _log(x: Any) -> Any:
    if isinstance(x, Node):
        return x.log()
    return math.log(x) if isinstance(x, float) else np.log(x)


def _sign(x: Any) -> Any:
    x = raw(x)
    if x.__class__ is float:  # a Value's data; NumPy's floats (np.float64 subclasses float) take np.sign
        return float((x > 0) - (x < 0)) if x == x else x  # nan has no sign: it stays nan
    return np.sign(x)


def _scalar_relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # nan is not <= 0: it stays nan, as np.maximum keeps it


def _pow_base_grad(g: Any, y: Any, a: Any, b: Any) -> Any:
    """d/da a**b = b·a**(b−1), and exactly 0 where b = 0 (x ** 0 is flat, also at x = 0).

    Guarded only where 0·∞ would arise (b = 0 at a = 0): elsewhere the product keeps its
    dependence on b, which a second derivative in b needs.
    """
    return guarded((raw(b) != 0) | (raw(a) != 0), lambda a: g * b * a ** (b - 1), a, safe=1.0)


def _pow_exponent_grad(g: Any, y: Any, a: Any, b: Any) -> Any:
    """d/db a**b = a**b·log a, and exactly 0 where a**b = 0 (0 ** b is flat for b > 0)."""
    return guarded(raw(y) != 0, lambda a: g * y * _log(a), a, safe=1.0)


def _relu_grad(g: Any, y: Any, x: Any) -> Any:
    # Where the output is not positive it is 0 — or nan, for a nan input: that is the fill.
    if y.__class__ is float:  # a Value's plain backward, spelled out: the scalar engine's hot path
        return g if y > 0 else y
    y = raw(y)
    return where(y > 0, g, y)


def _abs_grad(g: Any, y: Any, x: Any) -> Any:
    x = raw(x)
    return where(x != 0, g) * _sign(x)  # abs'(0) = 0, exactly, whatever g is (and nan stays nan)


def _scalar_sigmoid(x: float) -> float:
    # exp(-|x|) never overflows, and neither branch subtracts nearly equal numbers, so
    # sigmoid(-40) = 4.2e-18 keeps its digits (0.5 + 0.5·tanh(x/2) rounds it to 0).
    e = math.exp(-x if x >= 0 else x)
    return 1 / (1 + e) if x >= 0 else e / (1 + e)


def _array_sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


add = Elementwise(
    "add", "+", operator.add, np.add,
    lambda g, y, a, b: g,
    lambda g, y, a, b: g,
)
sub = Elementwise(
    "sub", "-", operator.sub, np.subtract,
    lambda g, y, a, b: g,
    lambda g, y, a, b: -g,
)
mul = Elementwise(
    "mul", "×", operator.mul, np.multiply,
    lambda g, y, a, b: g * b,
    lambda g, y, a, b: g * a,
)
div = Elementwise(
    "div", "/", operator.truediv, np.divide,
    lambda g, y, a, b: g / b,
    lambda g, y, a, b: -g * y / b,
    domain="the divisor must not be zero",
)
pow = Elementwise(
    "pow", "**", math.pow, np.power, _pow_base_grad, _pow_exponent_grad,
    domain=lambda a, b: (
        "a negative base needs an integer exponent" if a < 0 else "zero cannot be raised to a negative power"
    ),
)
reciprocal = Elementwise(
    "reciprocal", "/", lambda x: 1.0 / x, np.reciprocal, lambda g, y, x: -g * y * y,
    domain="the argument must not be zero",
)
neg = Elementwise("neg", "-", operator.neg, np.negative, lambda g, y, x: -g)
exp = Elementwise("exp", "exp", math.exp, np.exp, lambda g, y, x: g * y)
log = Elementwise(
    "log", "log", math.log, np.log, lambda g, y, x: g / x, domain="the argument must be positive"
)
tanh = Elementwise("tanh", "tanh", math.tanh, np.tanh, lambda g, y, x: g * (1 - y * y))
sigmoid = Elementwise(
    "sigmoid", "σ", _scalar_sigmoid, _array_sigmoid, lambda g, y, x: g * y * (1 - y)
)
relu = Elementwise("relu", "ReLU", _scalar_relu, lambda x: np.maximum(x, 0), _relu_grad)
abs = Elementwise("abs", "|x|", math.fabs, np.abs, _abs_grad)


class Arithmetic:
    """Python's operators and the elementwise methods, written once for every node kind.

    A node kind (`Value`, `Tensor`) supplies how to apply a primitive:
    ``_unary(prim)``, ``_binary(prim, other)`` and ``_reflected(prim, other)``
    (for ``other <op> self`` when ``other`` is a plain number or array).
    """

    __slots__ = ()

    def _unary(self, prim: Elementwise) -> Self:
        raise NotImplementedError

    def _binary(self, prim: Elementwise, other: Any) -> Self:
        raise NotImplementedError

    def _reflected(self, prim: Elementwise, other: Any) -> Self:
        raise NotImplementedError

    def __add__(self, other: Any) -> Self:
        return self._binary(add, other)

    def __radd__(self, other: Any) -> Self:
        return self._reflected(add, other)

    def __sub__(self, other: Any) -> Self:
        return self._binary(sub, other)

    def __rsub__(self, other: Any) -> Self:
        return self._reflected(sub, other)

    def __mul__(self, other: Any) -> Self:
        return self._binary(mul, other)

    def __rmul__(self, other: Any) -> Self:
        return self._reflected(mul, other)

    def __truediv__(self, other: Any) -> Self:
        return self._binary(div, other)

    def __rtruediv__(self, other: Any) -> Self:
        return self._reflected(div, other)

    def __pow__(self, other: Any) -> Self:
        return self._binary(pow, other)

    def __rpow__(self, other: Any) -> Self:
        return self._reflected(pow, other)

    def __neg__(self) -> Self:
        return self._unary(neg)

    def __abs__(self) -> Self:
        return self._unary(abs)

    def exp(self) -> Self:
        return self._unary(exp)

    def log(self) -> Self:
        return self._unary(log)

    def tanh(self) -> Self:
        return self._unary(tanh)

    def sigmoid(self) -> Self:
        return self._unary(sigmoid)

    def relu(self) -> Self:
        return self._unary(relu)

    def reciprocal(self) -> Self:
        """1 / x as one node (the book's ``/`` node)."""
        return self._unary(reciprocal)

    # ``x.abs()`` as well as ``abs(x)``.
    abs = __abs__
