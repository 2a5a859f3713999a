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

    ``domain`` says in words what inputs the scalar forward accepts; it is
    quoted when a `Value` operation falls outside it.
    """

    def __init__(
        self,
        name: str,
        glyph: str,
        scalar: Callable[..., float],
        array: Callable[..., np.ndarray],
        *vjps: Callable[..., Any],
        domain: str = "",
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


def _log(x: Any) -> Any:
    if isinstance(x, Node):
        return x.log()
    return math.log(x) if isinstance(x, float) else np.log(x)


def _sign(x: Any) -> Any:
    x = raw(x)
    return float((x > 0) - (x < 0)) if isinstance(x, float) else np.sign(x)


def _scalar_relu(x: float) -> float:
    return x if x > 0.0 else 0.0


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
    "pow", "**", math.pow, np.power,
    lambda g, y, a, b: g * b * a ** (b - 1),
    lambda g, y, a, b: g * y * _log(a),
    domain="a negative base needs an integer exponent, and a zero base a non-negative one",
)
reciprocal = Elementwise(
    "reciprocal", "/", lambda x: 1.0 / x, np.reciprocal, lambda g, y, x: -g * y * y,
    domain="the argument must not be zero",
)
neg = Elementwise("neg", "-", operator.neg, np.negative, lambda g, y, x: -g)
exp = Elementwise("exp", "exp", math.exp, np.exp, lambda g, y, x: g * y, domain="the result overflows")
log = Elementwise(
    "log", "log", math.log, np.log, lambda g, y, x: g / x, domain="the argument must be positive"
)
tanh = Elementwise("tanh", "tanh", math.tanh, np.tanh, lambda g, y, x: g * (1 - y * y))
sigmoid = Elementwise(
    "sigmoid", "σ", _scalar_sigmoid, _array_sigmoid, lambda g, y, x: g * y * (1 - y)
)
relu = Elementwise(
    "relu", "ReLU", _scalar_relu, lambda x: np.maximum(x, 0), lambda g, y, x: g * (raw(y) > 0)
)
abs = Elementwise("abs", "|x|", math.fabs, np.abs, lambda g, y, x: g * _sign(x))


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
