"""The book's hand-written layers (ch. 5): each ``forward`` caches what its ``backward`` needs.

Plain NumPy, no autograd: a teaching reference and the test oracle for the
autograd layers. Three traps of the book's code are fixed on purpose:

- ``Relu.backward`` returns a new array; the book's ``dout[self.mask] = 0``
  overwrote the caller's gradient (wrong as soon as that gradient is used
  twice, e.g. by a residual connection or a test comparing it).
- ``SoftmaxWithLoss`` divides by the number of rows of the scores; the book
  divides by ``t.shape[0]``, which is the number of classes for a single
  one-hot target of shape (C,).
- Its loss is the exact cross-entropy ``−Σ t·log softmax(x) / N`` for one-hot
  and for soft targets, and its gradient ``(y·Σt − t) / N`` is that loss's own
  (the book's ``(y − t) / N`` when rows of t sum to 1); the book's
  ``cross_entropy_error`` adds 1e-7 inside the log and turns a same-size
  target into ``argmax`` indices, which is wrong for soft targets.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scratchgrad.nn import init
from scratchgrad.nn.booknet import BookNet, Params


class MulLayer:
    """``x * y``; backward swaps the inputs: d(xy)/dx = y, d(xy)/dy = x."""

    def forward(self, x: Any, y: Any) -> Any:
        self.x, self.y = x, y
        return x * y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        return dout * self.y, dout * self.x


class AddLayer:
    """``x + y``; backward passes the gradient on unchanged (a fresh copy for each input)."""

    def forward(self, x: Any, y: Any) -> Any:
        return x + y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        return dout * 1, dout * 1


class Relu:
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x <= 0
        return np.where(self.mask, 0, x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return np.where(self.mask, 0, dout)  # a new array: dout is left as the caller gave it


class Sigmoid:
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = 0.5 + 0.5 * np.tanh(0.5 * x)  # = 1 / (1 + exp(−x)), without overflow for x ≪ 0
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (1.0 - self.out) * self.out


class Affine:
    """``x @ W + b``, keeping references to ``W`` and ``b`` (the net's own arrays, not copies).

    Like the book, an input with more than two axes is flattened to rows and
    ``backward`` returns ``dx`` in the input's shape; a 1-D input is one sample.
    ``backward`` stores the parameter gradients in ``dW`` and ``db``.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        self.x = x.reshape(1 if x.ndim == 1 else x.shape[0], -1)
        out = self.x @ self.W + self.b
        return out.reshape(-1) if x.ndim == 1 else out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = dout.reshape(self.x.shape[0], -1)
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.x_shape)


class SoftmaxWithLoss:
    """Softmax then mean cross-entropy ``−Σ t·log y / N``; ``backward`` gives ``(y·Σt − t) / N``.

    ``x`` is (N, C) scores or one sample (C,); ``t`` is one-hot or soft
    targets of the same shape, or integer class indices (shape (N,) or a scalar).
    For one-hot and probability rows Σt = 1 and the gradient is the book's
    ``(y − t) / N``; rows that do not sum to 1 (partial labels, smoothing gone
    wrong) scale y by their sum, so the gradient stays the loss's own.
    An empty batch has a nan loss (NumPy's mean of nothing) and an empty gradient.
    """

    def forward(self, x: np.ndarray, t: Any) -> float:
        self.x_shape = x.shape
        rows = x.reshape(-1, x.shape[-1])
        shifted = rows - rows.max(axis=1, keepdims=True, initial=-np.inf)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.y = np.exp(log_y)
        t = np.asarray(t)
        self.t = _one_hot(t, x, rows)
        # Σt per row; class indices make one-hot rows, whose sums are 1 without adding them up.
        self.mass = self.t.sum(axis=1, keepdims=True) if t.shape == x.shape else 1.0
        n = rows.shape[0]
        t_log_y = np.multiply(self.t, log_y, out=np.zeros_like(log_y), where=self.t != 0)  # no 0·(−∞) = nan
        return float(-t_log_y.sum() / n) if n else math.nan

    def backward(self, dout: float = 1.0) -> np.ndarray:
        n = max(self.y.shape[0], 1)  # an empty batch: an empty gradient, whatever the scale
        return ((self.y * self.mass - self.t) * (dout / n)).reshape(self.x_shape)


def _one_hot(t: np.ndarray, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Targets as (N, C) rows of ``rows``' dtype: same-shape targets as they are, indices expanded."""
    if t.shape == x.shape:
        return t.reshape(rows.shape).astype(rows.dtype, copy=False)
    indices = t.reshape(-1)
    if t.dtype.kind not in "iu" or indices.shape[0] != rows.shape[0]:
        raise ValueError(f"SoftmaxWithLoss: target {t.dtype} {t.shape} is neither one-hot {x.shape} nor indices")
    onehot = np.zeros_like(rows)
    onehot[np.arange(rows.shape[0]), indices] = 1
    return onehot


class TwoLayerNet(BookNet):
    """The book's two-layer net (ch. 5.7): Affine → Relu → Affine → SoftmaxWithLoss, backprop by hand.

    Same constructor and interface as the autograd `nn.TwoLayerNet`; the same
    seed draws the same initial weights in both.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: float | str | init.Initializer = 0.01,
        dtype: Any = np.float32,
        rng: init.Seed = None,
    ) -> None:
        draw, rng = init.get(weight_init_std), np.random.default_rng(rng)
        W1 = draw((input_size, hidden_size), rng).astype(dtype)
        W2 = draw((hidden_size, output_size), rng).astype(dtype)
        b1, b2 = np.zeros(hidden_size, dtype), np.zeros(output_size, dtype)
        self.params = Params({"W1": W1, "b1": b1, "W2": W2, "b2": b2})
        self.layers = [Affine(W1, b1), Relu(), Affine(W2, b2)]
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=self.params["W1"].dtype)  # as the autograd net: inputs take the net's dtype
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        return self.last_layer.forward(self.predict(x), t)

    def loss_and_gradient(self, x: np.ndarray, t: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Backprop by hand: forward, then each layer's ``backward`` in reverse order."""
        loss = self.loss(x, t)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        first, _, second = self.layers
        return loss, {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}
