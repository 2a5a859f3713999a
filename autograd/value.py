"""`Value`: a scalar node, the engine of the book's chapter-5 graphs."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from scratchgrad.autograd import elementwise as ew
from scratchgrad.autograd.errors import DomainError
from scratchgrad.autograd.graph import Node, Op, record

Number = int | float


class Value(Node, ew.Arithmetic):
    """A scalar that remembers how it was computed.

    >>> apple, count, tax = Value(100.0), Value(2.0), Value(1.1)
    >>> price = apple * count * tax
    >>> price.backward()
    >>> round(apple.grad, 10), count.grad, tax.grad
    (2.2, 110.00000000000001, 200.0)

    Scalar operations outside their domain (``log`` of a non-positive number,
    division by zero, a negative base with a fractional exponent) raise
    `DomainError` naming the operation, its inputs in full precision and the
    reason; so does a result that overflows, from any operation (``exp``,
    ``**``, ``*``, ``+``, ``-``, ``/`` alike), and a backward pass through an
    infinite derivative (``x ** 0.5`` at 0). Where a derivative is 0 it is
    exactly 0 (``x ** 0`` at 0, ``0 ** y`` in y). nan and inf inputs propagate.
    """

    __slots__ = ()
    _grad_zero = 0.0
    # NumPy would otherwise make `ndarray <op> Value` an object array of Values; this makes it
    # hand the operation to our reflected operators, which refuse arrays with a clear message.
    __array_ufunc__ = None
    # Python's float math raises these where a derivative is undefined (0.0 ** -0.5, log of <= 0).
    _domain_errors = (ArithmeticError, ValueError)

    def __init__(self, data: Number, name: str | None = None, requires_grad: bool = True) -> None:
        if isinstance(data, Node):
            raise TypeError("Value(): data is already a node; use it directly or take .data")
        if isinstance(data, np.ndarray):
            raise TypeError(f"Value(): data is an array of shape {data.shape}; a Value holds one number, use Tensor")
        if not isinstance(data, numbers.Real):
            raise TypeError(f"Value(): data must be a real number, got {data!r}")
        super().__init__(float(data), requires_grad, name)

    def __repr__(self) -> str:
        label = f", name={self.name!r}" if self.name else ""
        return f"Value(data={self.data:g}, grad={self.grad:g}{label})"

    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    # -- graph core hooks -------------------------------------------------
    def _seed(self) -> float:
        return 1.0

    def _check_seed(self, grad: Any) -> float:
        return float(grad)

    @classmethod
    def _constant_like(cls, data: Any, like: Node) -> Value:
        return cls(data, requires_grad=False)

    def _zeros(self, as_node: bool) -> Any:
        return Value(0.0, requires_grad=False) if as_node else 0.0

    # -- operations ---------------------------------------------------------
    def _unary(self, prim: ew.Elementwise) -> Value:
        try:
            data = prim.scalar_forward(self.data)
        except (ArithmeticError, ValueError) as error:
            raise _domain_error(prim, (self,), error) from None
        if data - data != 0.0:  # inf or nan (one float operation: this runs for every node)
            _check_overflow(prim, (self,), data)
        return record(Value, data, prim.scalar, (self,))

    def _binary(self, prim: ew.Elementwise, other: Any) -> Value:
        if other.__class__ is not Value:
            other = _lift(other)
        try:
            data = prim.scalar_forward(self.data, other.data)
        except (ArithmeticError, ValueError) as error:
            raise _domain_error(prim, (self, other), error) from None
        if data - data != 0.0:
            _check_overflow(prim, (self, other), data)
        return record(Value, data, prim.scalar, (self, other))

    def _reflected(self, prim: ew.Elementwise, other: Any) -> Value:
        return _lift(other)._binary(prim, self)

    @staticmethod
    def sum(values: Iterable[Value | Number], name: str | None = None) -> Value:
        """The sum of many values as a single ``+`` node with one input each.

        Python's builtin ``sum`` works too, but draws as a chain of binary ``+``.
        """
        inputs = tuple(_lift(v) for v in values)
        if not inputs:
            raise ValueError("Value.sum(): needs at least one value")
        try:
            total = math.fsum(x.data for x in inputs)
        except OverflowError:
            message = f"Value.sum() of {len(inputs)} values overflows: the result is too large for a float"
            raise DomainError(message) from None
        node = record(Value, total, Op("add", "+", *[_pass_gradient] * len(inputs)), inputs)
        node.name = name
        return node


def _pass_gradient(g: Any, y: Any, *xs: Any) -> Any:
    return g


def _check_overflow(prim: ew.Elementwise, inputs: tuple[Value, ...], data: float) -> None:
    """Refuse an infinite result from finite inputs, as ``math.exp`` and ``math.pow`` do.

    Python's float ``*``, ``+``, ``-`` and ``/`` return inf silently where ``math.exp`` raises;
    a Value follows one rule for all of them. Inputs that already are inf or nan propagate.
    """
    if math.isinf(data) and all(math.isfinite(x.data) for x in inputs):
        raise _domain_error(prim, inputs, None)


def _domain_error(prim: ew.Elementwise, inputs: tuple[Value, ...], error: Exception | None) -> DomainError:
    """The op, its inputs in full precision (repr), and the one reason this call failed."""
    data = [x.data for x in inputs]
    args = ", ".join(_number(x) for x in data)
    if error is None or isinstance(error, OverflowError):
        return DomainError(f"{prim.scalar.name}({args}) overflows: the result is too large for a float")
    reason = prim.domain(*data) if callable(prim.domain) else prim.domain
    return DomainError(f"{prim.scalar.name}({args}) is undefined: {reason or error}")


def _number(x: float) -> str:
    """Every digit (repr: -2.0000000001, not -2), without the ``.0`` of a whole number (log(0), not log(0.0))."""
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def _lift(x: Any) -> Value:
    """Python numbers become constant leaves, so every op input is a node."""
    if isinstance(x, Value):
        return x
    if x.__class__ is float or x.__class__ is int:  # the common case: skip __init__'s type checks
        constant = _new_value(Value)
        Node.__init__(constant, float(x), False, None)
        return constant
    if isinstance(x, Node):
        raise TypeError(f"cannot combine a Value with a {type(x).__name__}")
    if isinstance(x, np.ndarray):
        if x.ndim == 0:  # a 0-d array is a scalar, as NumPy and math treat it (an object one may hold a Value)
            return _lift(x.item())
        raise TypeError(
            f"cannot combine a Value with an ndarray; use Tensor for arrays (an array of shape {x.shape} here)"
        )
    return Value(x, requires_grad=False)


_new_value = object.__new__
