"""The book's network interface (ch. 4–5), written once for both TwoLayerNets.

A book-style net exposes ``params`` (its live weight arrays by name),
``predict``, ``loss`` and ``loss_and_gradient`` (by backprop), and from these
this mixin derives ``gradient``, ``accuracy`` and ``numerical_gradient``
(central differences of ``loss``, by `autograd.numerical_gradient`). Plain
NumPy: the manual net (`nn.manual`) uses it without autograd's graphs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from scratchgrad.autograd.gradcheck import numerical_gradient


class Params(Mapping[str, np.ndarray]):
    """A net's live parameter arrays by the book's names (``W1``, ``b1``, ...).

    Reading gives the very arrays the net computes with, so changing them in
    place changes the net. Assigning ``params[k] = value`` copies ``value``
    into that array instead of rebinding the name — with a plain dict the net
    would silently keep the old array (a classic trap with the book's code) —
    so ``params[k] -= lr * grad[k]`` and ``params[k] = other.params[k]`` both
    work.
    """

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._arrays = dict(arrays)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def __setitem__(self, name: str, value: Any) -> None:
        array = self._arrays[name]
        if value is array:  # ``params[k] -= ...`` already updated it in place
            return
        if np.shape(value) != array.shape:
            raise ValueError(f"params[{name!r}] has shape {array.shape}; cannot assign shape {np.shape(value)}")
        np.copyto(array, value, casting="same_kind")

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name!r}: {a.shape}" for name, a in self._arrays.items())
        return f"Params({{{shapes}}})"


def class_indices(t: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``t`` as class indices: one-hot rows (the shape of ``scores``) become their argmax."""
    t = np.asarray(t)
    return t.argmax(axis=-1) if t.shape == scores.shape else t


class BookNet:
    """``gradient``, ``accuracy`` and ``numerical_gradient`` for any net with the four methods below.

    A net defines ``params``, ``predict``, ``loss`` and ``loss_and_gradient``.
    """

    params: Mapping[str, np.ndarray]

    def predict(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        raise NotImplementedError

    def loss_and_gradient(self, x: np.ndarray, t: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """The loss and its gradient for every entry of ``params``, from one forward and one backward pass.

        A training loop that reports the loss needs both; the book calls
        ``loss`` again after ``gradient``, a second forward pass per step.
        """
        raise NotImplementedError

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """The book's ``gradient``: backprop, the loss's gradient for every entry of ``params``."""
        return self.loss_and_gradient(x, t)[1]

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """Fraction of rows whose highest score is the target class (``t`` one-hot or indices)."""
        scores = self.predict(x)
        return float(np.mean(scores.argmax(axis=-1) == class_indices(t, scores)))

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray, h: float | None = None) -> dict[str, np.ndarray]:
        """Gradient of ``loss(x, t)`` for every entry of ``params``, by central differences (slow: an oracle).

        See `numerical_gradient` for the step ``h``; for a reliable check use a float64 net.
        """
        return {name: numerical_gradient(lambda: self.loss(x, t), array, h) for name, array in self.params.items()}
