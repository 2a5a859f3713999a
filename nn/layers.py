"""Layers on autograd (PyTorch habits, the book's names): each ``forward`` only composes tensor ops.

There is no ``backward`` anywhere here: the engine derives it from the graph
that ``forward`` records. `nn.manual` holds the same layers with the book's
hand-written backward, and the tests check the two against each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, Literal, TypeVar, TypeVarTuple, overload

import numpy as np

from scratchgrad.autograd import Tensor, softmax_cross_entropy
from scratchgrad.nn import init as initializers
from scratchgrad.nn.module import Module, Parameter


def as_tensor(x: Any) -> Tensor:
    """``x`` itself if it is a tensor, else a constant tensor (no gradient, no copy of a float array)."""
    return x if isinstance(x, Tensor) else Tensor(x)


class Affine(Module):
    """``y = x @ W + b`` with ``W`` of shape (in, out), as in the book (PyTorch stores Wᵀ).

    An input with more than two axes, e.g. images (N, C, H, W), is flattened to
    rows (N, C·H·W) first, like the book's Affine layer. An ndarray input is
    taken as a constant of the layer's dtype (the engine lifts it, without a
    copy when the dtype already matches).
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
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)
        return x @ self.W + self.b

    def extra_repr(self) -> str:
        n_in, n_out = self.W.shape
        return f"{n_in} → {n_out}, dtype={self.W.dtype}"


Linear = Affine


class ReLU(Module):
    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).relu()


class Sigmoid(Module):
    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).sigmoid()


class SoftmaxWithLoss(Module):
    """Mean cross-entropy of softmax(logits): the engine's fused op, backward ``(y − t) / N``.

    ``target`` is one-hot (the logits' shape, any numeric dtype) or integer class indices.
    """

    def forward(self, logits: Any, target: Any) -> Tensor:
        return softmax_cross_entropy(as_tensor(logits), target)


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
