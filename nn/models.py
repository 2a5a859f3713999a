"""Ready-made models on autograd: `MLP`, and the book's `TwoLayerNet` with the book's interface."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from scratchgrad.autograd import no_grad
from scratchgrad.nn import init as initializers
from scratchgrad.nn.booknet import BookNet, Params
from scratchgrad.nn.layers import Affine, ReLU, Sequential, Sigmoid, SoftmaxWithLoss
from scratchgrad.nn.module import Module

ACTIVATIONS: dict[str, type[Module]] = {"relu": ReLU, "sigmoid": Sigmoid}


class MLP(Sequential[*tuple[Module, ...]]):  # built from a list: layers typed Module
    """Affine layers of the given sizes with an activation between them (none after the last).

    ``MLP([784, 50, 10])`` is Affine(784, 50) → ReLU → Affine(50, 10), giving
    logits. ``activation`` is ``"relu"``, ``"sigmoid"`` or a Module class.
    ``init`` defaults as in the book's ``MultiLayerNet``: He for ReLU, Xavier
    otherwise. One ``rng`` draws all the weights, layer by layer.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Callable[[], Module] = "relu",
        init: float | str | initializers.Initializer | None = None,
        dtype: Any = np.float32,
        rng: initializers.Seed = None,
    ) -> None:
        if len(sizes) < 2:
            raise ValueError(f"MLP: need at least an input and an output size, got {list(sizes)}")
        if isinstance(activation, str):
            if activation not in ACTIVATIONS:
                raise ValueError(f"MLP: unknown activation {activation!r}; use one of {sorted(ACTIVATIONS)}")
            activation = ACTIVATIONS[activation]
        if init is None:
            init = "he" if activation is ReLU else "xavier"
        rng = np.random.default_rng(rng)
        layers: list[Module] = []
        for n_in, n_out in pairwise(sizes):
            if layers:
                layers.append(activation())
            layers.append(Affine(n_in, n_out, init=init, dtype=dtype, rng=rng))
        super().__init__(*layers)
        # Drawn, every Affine would be a box "Affine" holding "W" and "b": number them by position.
        for i, layer in enumerate(layers):
            layer.title = f"{type(layer).__name__} {i}"
        for name, parameter in self.named_parameters():
            parameter.name = name  # "layers.0.W", as in state_dict()


class TwoLayerNet(BookNet, MLP):
    """The book's two-layer net (ch. 5.7) on autograd, with the book's interface.

    It is ``MLP([input_size, hidden_size, output_size])`` plus ``last_layer``
    (`SoftmaxWithLoss`); ``params["W1"]`` is the very array inside the first
    layer's weight parameter. ``gradient()`` and ``loss_and_gradient()`` return
    the parameters' own ``.grad`` arrays (no copies). To train PyTorch-style instead::

        opt = nn.optim.SGD(net.parameters(), lr=0.1)
        opt.zero_grad()
        net.last_layer(net(x), t).backward()
        opt.step()
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: float | str | initializers.Initializer = 0.01,
        dtype: Any = np.float32,
        rng: initializers.Seed = None,
    ) -> None:
        super().__init__([input_size, hidden_size, output_size], "relu", weight_init_std, dtype, rng)
        self.last_layer = SoftmaxWithLoss()
        first, second = self.layers[0], self.layers[2]
        self._by_book_name = {"W1": first.W, "b1": first.b, "W2": second.W, "b2": second.b}
        for name, parameter in self._by_book_name.items():
            parameter.name = name  # drawings label them as the book does
        self.params = Params({name: p.data for name, p in self._by_book_name.items()})

    def predict(self, x: np.ndarray) -> np.ndarray:
        with no_grad():
            return self(x).data

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        with no_grad():
            return self.last_layer(self(x), t).item()

    def loss_and_gradient(self, x: np.ndarray, t: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Backprop by the engine; ``x`` enters as a constant, so no gradient is computed for it."""
        loss = self.last_layer(self(x), t)
        for p in self._by_book_name.values():
            p.grad = None
        loss.backward()
        return loss.item(), {name: p.grad for name, p in self._by_book_name.items()}
