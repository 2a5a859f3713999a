"""The errors autograd raises on bad input, each naming the op and the problem."""


class DomainError(ArithmeticError):
    """An operation was asked for a value (or derivative) outside its domain."""


class ShapeError(ValueError):
    """Operand shapes do not fit the operation (raised at the call, not in backward)."""
