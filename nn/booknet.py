"""The book's network interface (ch. 4–5), written once for both TwoLayerNets.

A book-style net exposes ``params`` (its live weight arrays by name),
``predict``, ``loss`` and ``loss_and_gradient`` (by backprop), and from these
this mixin derives ``gradient``, ``accuracy`` and ``numerical_gradient``
(central differences of ``loss``). Plain NumPy: the manual net (`nn.manual`)
uses it without autograd.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np


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


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float | None = None) -> np.ndarray:
    """Central differences ``(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h`` for every element of ``x``, as float64.

    ``f`` takes no argument: each element of ``x`` is perturbed in place,
    ``f()`` evaluated, and the element restored exactly (not by subtracting
    ``h`` again, which would leave rounding behind). That is 2·``x.size`` calls
    of ``f``; each call is a whole vectorised forward pass, and a black-box
    loss allows no fewer.

    The default step ``h`` balances truncation error (∝ h²) against rounding
    error (∝ ε/h): about ε^(1/3) for the dtype of ``x``, and never below the
    book's 1e-4. So 1e-4 for float64 (agreement to ~1e-8 or better) and
    ~5e-3 for float32 (~1e-4, where the book's 1e-4 gives only ~1e-3).
    """
    if not x.flags.c_contiguous:
        raise ValueError("numerical_gradient: x must be C-contiguous (it is perturbed through a flat view)")
    if h is None:
        h = max(1e-4, float(np.finfo(x.dtype).eps) ** (1 / 3))
    flat = x.reshape(-1)
    grad = np.empty(x.size)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + h
        f_plus = f()
        flat[i] = original - h
        f_minus = f()
        flat[i] = original
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(x.shape)


def relative_error(a: Any, b: Any) -> float:
    """``max|a − b|`` relative to the larger of ``max|a|`` and ``max|b|``: one number for a whole gradient.

    Scale-free, and unlike an elementwise relative error it is not blown up by
    entries that are zero up to rounding. 0 when both are all zeros.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0))
    return float(np.abs(a - b).max(initial=0.0) / scale) if scale else 0.0


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
