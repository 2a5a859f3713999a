"""scratchgrad's autograd: computational graphs with backpropagation."""

from autograd.graph import DomainError, Node, Op, backprop, grad, is_grad_enabled, no_grad, toposort
from autograd.value import Value

__all__ = [
    "DomainError",
    "Node",
    "Op",
    "Value",
    "backprop",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "toposort",
]
