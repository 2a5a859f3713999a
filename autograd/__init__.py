"""scratchgrad's autograd: computational graphs with backpropagation.

`Value` (a float) and `Tensor` (an ndarray) are two kinds of node on one graph
core (`graph.py`): every operation records its inputs and its local derivative,
and ``backward()`` applies the chain rule in topological order.
"""

from scratchgrad.autograd.errors import DomainError, ShapeError
from scratchgrad.autograd.gradcheck import (
    GradcheckError,
    GradcheckReport,
    gradcheck,
    numerical_gradient,
    relative_error,
)
from scratchgrad.autograd.graph import (
    Node,
    Op,
    backprop,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    toposort,
)
from scratchgrad.autograd.losses import log_softmax, softmax, softmax_cross_entropy
from scratchgrad.autograd.nudge import Nudge, nudge
from scratchgrad.autograd.tensor import Tensor
from scratchgrad.autograd.trace import Traced, TraceError, trace
from scratchgrad.autograd.value import Value

__all__ = [
    "DomainError",
    "GradcheckError",
    "GradcheckReport",
    "Node",
    "Nudge",
    "Op",
    "ShapeError",
    "Tensor",
    "TraceError",
    "Traced",
    "Value",
    "backprop",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "log_softmax",
    "no_grad",
    "nudge",
    "numerical_gradient",
    "relative_error",
    "set_grad_enabled",
    "softmax",
    "softmax_cross_entropy",
    "toposort",
    "trace",
]
