"""Layers on autograd (PyTorch habits, the book's names): each ``forward`` only composes tensor ops.

There is no ``backward`` anywhere here: the engine derives it from the graph
that ``forward`` records. `nn.manual` holds the same layers with the book's
hand-written backward, and the tests check the two against each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, Literal, TypeVar, TypeVarTuple, overload

import numpy as np

from scratchgrad.autograd import Tensor
from scratchgrad.nn import functional as F  # noqa: N812  (PyTorch's spelling)
from scratchgrad.nn import init as initializers
from scratchgrad.nn.functional import Reduction
from scratchgrad.nn.module import Module, Parameter


class Affine(Module):
    """``y = x @ W + b`` with ``W`` of shape (in, out), as in the book; PyTorch's (out, in) is ``weight``.

    ``W`` and ``b`` are the parameters (what ``parameters()``, optimizers and
    ``state_dict()`` see). ``weight`` and ``bias`` are PyTorch's read-only views
    of them, so that ``F.linear(x, layer.weight, layer.bias)`` is ``layer(x)``.

    An input with more than two axes, e.g. images (N, C, H, W), is flattened to
    rows (N, C·H·W) first, like the book's Affine layer (PyTorch's Linear would
    act on the last axis only). A Tensor input must have the layer's dtype (the
    message says which ``.astype`` to call); an ndarray or list input is data and
    takes the layer's dtype (`F.as_input` says why).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        init: float | str | initializers.Initializer = "he",
        dtype: Any = np.float32,
        rng: initializers.Seed = None,
    ) -> None:
        draw = initializers.get(init)
        self.W = Parameter(draw((in_features, out_features), np.random.default_rng(rng)), name="W", dtype=dtype)
        self.b = Parameter(np.zeros(out_features), name="b", dtype=dtype)

    def forward(self, x: Any) -> Tensor:
        x = F.as_input(x, self.W.dtype, self)  # not W.data: a watched weight would copy it
        if x.data.ndim > 2:  # the array's own attribute: this runs for every layer call
            x = x.reshape(x.shape[0], -1)
        return x @ self.W + self.b

    @property
    def weight(self) -> Tensor:
        """PyTorch's weight (out, in): ``W.T``, a transposed view in the graph.

        It shares W's data, and a gradient through it reaches ``W`` (``W.grad.T`` is
        what PyTorch calls ``weight.grad``). A new view on every access, so read it
        where you use it.
        """
        return self.W.T

    @weight.setter
    def weight(self, value: Any) -> None:
        raise AttributeError(
            "Linear.weight is W.T, a read-only view: write into the book's W (in, out) in place, "
            "layer.W.data[...] = weight.T (optimizers hold W itself)"
        )

    @property
    def bias(self) -> Parameter:
        """PyTorch's bias: the parameter ``b`` itself (out,)."""
        return self.b

    @bias.setter
    def bias(self, value: Any) -> None:
        raise AttributeError("Linear.bias is b, a read-only alias: write into it in place, layer.b.data[...] = bias")

    def extra_repr(self) -> str:
        n_in, n_out = self.W.shape
        return f"{n_in} → {n_out}, dtype={self.W.dtype}"


Linear = Affine


class ReLU(Module):
    def forward(self, x: Any) -> Tensor:
        return F.relu(x)


class Sigmoid(Module):
    def forward(self, x: Any) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Any) -> Tensor:
        return F.tanh(x)


class _Loss(Module):
    """A loss module: ``loss(input, target)``, reduced as ``reduction`` says ("mean", "sum", "none")."""

    def __init__(self, reduction: Reduction = "mean") -> None:
        F._check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """PyTorch's name for the book's Softmax-with-Loss: `F.cross_entropy` of logits and targets.

    ``target`` is class indices or one probability row per sample (one-hot or soft).
    Every reduction is one fused node; with the default ``"mean"`` its backward is ``(y·Σt − t) / N``,
    the book's ``(y − t) / N`` for one-hot rows.
    """

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.cross_entropy(input, target, self.reduction)


class SoftmaxWithLoss(CrossEntropyLoss):
    """The book's name for `CrossEntropyLoss` (mean cross-entropy of softmax(logits), fused).

    ``target`` is one-hot (the logits' shape, any numeric dtype) or integer class indices.
    """


class MSELoss(_Loss):
    """PyTorch's mean squared error, `F.mse_loss`: mean of (input − target)², shapes equal."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


# For type checkers: Sequential(Affine(…), ReLU()) is a Sequential[Affine, ReLU], so its [0] is an Affine (.W known).
Layers = TypeVarTuple("Layers")
First = TypeVar("First", bound=Module)
Second = TypeVar("Second", bound=Module)
Third = TypeVar("Third", bound=Module)
Last = TypeVar("Last", bound=Module)


class Sequential(Module, Generic[*Layers]):
    """Layers applied in order; they are named ``layers.0``, ``layers.1``, ... in ``state_dict()``."""

    def __init__(self, *layers: *Layers) -> None:
        self.layers: list[Module] = list(layers)  # type: ignore[arg-type]  # a TypeVarTuple has no bound

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    # The first three layers and the last keep their own types; any other index gives a Module.
    @overload
    def __getitem__(self: Sequential[First, *tuple[Module, ...]], index: Literal[0]) -> First: ...
    @overload
    def __getitem__(self: Sequential[Module, Second, *tuple[Module, ...]], index: Literal[1]) -> Second: ...
    @overload
    def __getitem__(self: Sequential[Module, Module, Third, *tuple[Module, ...]], index: Literal[2]) -> Third: ...
    @overload
    def __getitem__(self: Sequential[*tuple[Module, ...], Last], index: Literal[-1]) -> Last: ...
    @overload
    def __getitem__(self, index: int) -> Module: ...

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)
