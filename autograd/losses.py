"""Softmax, log-softmax and the fused softmax-with-loss (cross-entropy) for tensors.

The fused op is the book's Softmax-with-Loss layer: its backward is simply
``(y - t) / N``. The same gradients come out of the unfused composition
(exp, sum, divide, log, multiply, sum, negate) — the tests check both, and the
visualizer draws the unfused one.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchgrad.autograd.elementwise import raw, shared_ones
from scratchgrad.autograd.errors import ShapeError
from scratchgrad.autograd.graph import Node, Op

if TYPE_CHECKING:  # tensor.py imports this module
    from scratchgrad.autograd.tensor import Tensor


def _shifted_exp(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x`` minus its max along ``axis``, the exp of that, and its sum (axis kept).

    Shifting by the max means exp cannot overflow; softmax, log-softmax and the
    fused loss all start here. Rows of a matrix, the training case, take the
    fast route: the max via `_row_max`, the sums as one BLAS product (~3x faster
    than ``.sum(axis=1)`` for 100×10).
    """
    if x.shape[axis] == 0:
        # Nothing to take the max of, and every result built from these is empty, as NumPy's would
        # be. The sum is given as 1 (not the empty sum 0) so that no log of 0 is taken on the way.
        return x, x.copy(), np.ones_like(x.sum(axis=axis, keepdims=True))
    if x.ndim == 2 and axis in (1, -1):
        shifted = x - _row_max(x)
        e = np.exp(shifted)
        return shifted, e, e @ shared_ones((x.shape[1], 1), e.dtype)
    shifted = x - x.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return shifted, e, e.sum(axis=axis, keepdims=True)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``, computed without overflow."""
    op = Op("softmax", "softmax", lambda g, y, x: y * (g - (g * y).sum(axis=axis, keepdims=True)))
    _, e, total = _shifted_exp(x.data, axis)
    return x._result(e / total, op, (x,))


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log(softmax(x)) along ``axis``, without taking the log of a rounded-off zero."""
    op = Op("log_softmax", "log softmax", lambda g, y, x: g - _exp(y) * g.sum(axis=axis, keepdims=True))
    shifted, _, total = _shifted_exp(x.data, axis)
    return x._result(shifted - np.log(total), op, (x,))


def softmax_cross_entropy(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of softmax(logits) against ``target`` (the book's SoftmaxWithLoss), as one node.

    ``logits`` has shape (N, C) or (C,), in any memory layout. ``target`` is
    either class indices (shape (N,) or a scalar) or a same-shape array of
    one-hot or soft targets t; rows of t need not sum to 1. Each row's loss is
    −Σ t·log softmax(logits) and its gradient softmax(logits)·Σt − t, which is
    ``softmax − onehot`` for class indices. ``reduction`` is ``"mean"`` (the
    book's loss: the rows' mean, gradient ``(softmax·Σt − t) / N``), ``"sum"``,
    or ``"none"`` (one loss per row, shape (N,)). A class with no target mass
    adds exactly 0, even where its probability is 0 (a logit of −∞). An empty
    batch (N = 0) has a nan mean, as NumPy's mean of nothing, with a
    RuntimeWarning; its gradient is empty.
    """
    loss, delta, mass, scale = softmax_cross_entropy_arrays(logits.data, target, reduction)

    def grad(g: Any, y: Any, x: Any) -> Any:
        # "none": each row's gradient times its own upstream gradient, a column against the rows.
        g_rows = g.reshape((*x.shape[:-1], 1)) if reduction == "none" else g
        if isinstance(x, Node):  # create_graph: softmax(x)·Σt - t, with softmax(x) as a node
            probs = softmax(x, axis=-1)
            row_mass = np.reshape(mass, (*x.shape[:-1], 1)) if np.ndim(mass) else mass
            return (probs * row_mass - (probs.data * row_mass - delta)) * (g_rows * scale)
        if reduction == "none":
            return delta * g_rows
        return delta * (float(g) * scale)  # g is the loss's 0-d gradient: scaled as a number, not an array

    # The book's mean has the plain name; the others say theirs (the trace compiler knows only the mean).
    name = "softmax_with_loss" if reduction == "mean" else f"softmax_with_loss_{reduction}"
    return logits._result(loss, Op(name, "Softmax-with-Loss", grad), (logits,))


_REDUCTIONS = ("mean", "sum", "none")


def softmax_cross_entropy_arrays(
    x: np.ndarray, target: Any, reduction: str = "mean"
) -> tuple[np.ndarray, np.ndarray, Any, float]:
    """The fused loss on plain arrays: the loss, ``delta`` = softmax·Σt − t, Σt per row and the gradient's scale.

    The gradient of the loss is ``delta · scale`` (1/N for the mean, 1 otherwise); `softmax_cross_entropy`
    records it, and the traced program (autograd/trace.py) calls this same function, so both round alike.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"softmax_cross_entropy: reduction must be one of {', '.join(_REDUCTIONS)}, not {reduction!r}")
    if x.ndim not in (1, 2):
        raise ShapeError(f"softmax_cross_entropy: logits must be (N, C) or (C,), got {x.shape}")
    rows = x.reshape(1, -1) if x.ndim == 1 else x
    n = rows.shape[0]
    target = np.asarray(raw(target))
    shifted, e, total = _shifted_exp(rows, axis=1)
    # In C order whatever the logits' layout, so that the flat view below is a view, not a copy.
    p = np.divide(e, total, order="C")
    if target.shape == x.shape:  # one-hot or soft targets, float or integer
        t = target.reshape(rows.shape).astype(x.dtype, copy=False)
        mass = t.sum(axis=1, keepdims=True)  # Σt of each row: 1 for one-hot and probability rows
        # t·log p selected where t = 0: a class with no target mass adds 0 even where p = 0 (a logit of
        # -inf), as it does with class indices, not 0·(−∞) = nan.
        picked_sum = np.multiply(t, shifted, out=np.zeros_like(t), where=t != 0)
        delta = p * mass - t
    else:
        mass = 1.0
        picked = _picked(target, rows.shape, x.shape)
        picked_sum = shifted.take(picked)  # -log p_t = log S - (a_t - max)
        delta = p  # p - onehot, without building the one-hot matrix
        delta.reshape(-1)[picked] -= 1
    if reduction == "none":
        loss = (np.log(total) * mass).reshape(-1) - picked_sum.reshape(n, -1).sum(axis=1)
        loss = loss.reshape(x.shape[:-1])  # a row of logits has one loss, 0-d
    else:
        loss = (np.log(total) * mass).sum() - picked_sum.sum()
        if reduction == "mean":
            if n:
                loss = loss / n
            else:
                warnings.warn("softmax_cross_entropy: an empty batch (0 rows); the mean loss is nan",
                              RuntimeWarning, 3)
                loss = np.nan
    if x.ndim == 1:
        delta = delta.reshape(x.shape)
    scale = 1.0 / max(n, 1) if reduction == "mean" else 1.0  # an empty batch has an empty gradient
    return np.asarray(loss, dtype=x.dtype), delta, mass, scale


# Up to this many columns `_row_max` works on the transposed copy (measured, 100×10 float32:
# 5.6 → 2.0 µs; at 100 columns the direct reduction is faster).
_NARROW = 32


def _row_max(rows: np.ndarray) -> np.ndarray:
    """The max of each row of a 2-D array, as a column (N, 1).

    Along a short last axis NumPy runs its inner loop once per row, and that
    per-row overhead is most of the cost of a softmax over 10 classes. The max
    along the first axis of the transposed copy is one vectorised pass per column.
    """
    if rows.shape[1] > _NARROW:
        return rows.max(axis=1, keepdims=True)
    return np.maximum.reduce(rows.T.copy(), axis=0).reshape(-1, 1)


def _picked(target: np.ndarray, rows: tuple[int, int], shape: tuple[int, ...]) -> np.ndarray:
    """Positions ``row * C + label`` of each row's class in the flattened (N, C) logits."""
    n, classes = rows
    if target.dtype.kind not in "iu":
        raise ShapeError(
            f"softmax_cross_entropy: target must be one-hot of shape {shape} or integer class indices, "
            f"got {target.dtype} of shape {target.shape}"
        )
    labels = target.reshape(-1).astype(np.intp, copy=False)
    if labels.shape[0] != n:
        raise ShapeError(f"softmax_cross_entropy: {labels.shape[0]} class indices for {n} rows of logits {shape}")
    # One call that also checks every label: as a flat position, a label out of range would
    # silently pick from another row.
    try:
        return np.ravel_multi_index((np.arange(n), labels), rows)
    except ValueError:
        raise ShapeError(f"softmax_cross_entropy: class index out of range 0..{classes - 1}") from None


def _exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Node) else np.exp(x)
