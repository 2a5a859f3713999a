"""scratchgrad: backpropagation on computational graphs, as in *Deep Learning from Scratch*, chapter 5.

One import package with four parts, as PyTorch has ``torch.autograd`` and ``torch.nn``:

- `scratchgrad.autograd`: `Value` (a float) and `Tensor` (an ndarray) nodes on one graph core.
- `scratchgrad.nn`: layers, optimizers, MNIST, and the book's hand-written layers.
- `scratchgrad.viz`: the book's drawings of any graph (imported on first use: it needs Graphviz).
- `scratchgrad.demos`: the runnable demos (``python -m scratchgrad.demos``).
"""

from scratchgrad.autograd import Tensor, Value, grad, no_grad

# The one place the version is written: pyproject.toml reads it (dynamic = ["version"]).
__version__ = "0.2.0"

__all__ = ["Tensor", "Value", "__version__", "grad", "no_grad"]
