"""Softmax, log-softmax and the fused softmax-with-loss (cross-entropy) for tensors.

The fused op is the book's Softmax-with-Loss layer: its backward is simply
``(y - t) / N``. The same gradients come out of the unfused composition
(exp, sum, divide, log, multiply, sum, negate) — the tests check both, and the
visualizer draws the unfused one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.errors import ShapeError
from autograd.graph import Node, Op


def _stable_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))  # shifting by the max cannot overflow
    return e / e.sum(axis=axis, keepdims=True)


def _stable_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x: Node, axis: int = -1) -> Node:
    """exp(x) / sum(exp(x)) along ``axis``, computed without overflow."""
    op = Op("softmax", "softmax", lambda g, y, x: y * (g - (g * y).sum(axis=axis, keepdims=True)))
    return x._result(_stable_softmax(x.data, axis), op, (x,))


def log_softmax(x: Node, axis: int = -1) -> Node:
    """log(softmax(x)) along ``axis``, without taking the log of a rounded-off zero."""
    op = Op("log_softmax", "log softmax", lambda g, y, x: g - _exp(y) * g.sum(axis=axis, keepdims=True))
    return x._result(_stable_log_softmax(x.data, axis), op, (x,))


def softmax_cross_entropy(logits: Node, target: Any) -> Node:
    """Mean cross-entropy of softmax(logits) against ``target`` (the book's SoftmaxWithLoss).

    ``logits`` has shape (N, C) or (C,). ``target`` is either one-hot (same
    shape as ``logits``) or class indices (shape (N,) or a scalar). The
    backward pass is ``(softmax(logits) - onehot) / N``.
    """
    x = logits.data
    batched = x.reshape(-1, x.shape[-1]) if x.ndim == 1 else x
    if batched.ndim != 2:
        raise ShapeError(f"softmax_cross_entropy: logits must be (N, C) or (C,), got {x.shape}")
    target = np.asarray(target.data if isinstance(target, Node) else target)
    onehot = _one_hot(target, batched.shape, x.shape).astype(x.dtype, copy=False)
    n = batched.shape[0]
    log_p = _stable_log_softmax(batched, axis=1)
    loss = -(log_p * onehot).sum() / n
    p = np.exp(log_p).reshape(x.shape)
    onehot = onehot.reshape(x.shape)

    def grad(g: Any, y: Any, x: Any) -> Any:
        probs = softmax(x, axis=-1) if isinstance(x, Node) else p  # create_graph needs p as a node
        return (probs - onehot) * (g / n)

    op = Op("softmax_with_loss", "Softmax-with-Loss", grad)
    return logits._result(np.asarray(loss, dtype=x.dtype), op, (logits,))


def _one_hot(target: np.ndarray, batched: tuple[int, int], shape: tuple[int, ...]) -> np.ndarray:
    n, classes = batched
    if target.shape == shape and target.dtype.kind == "f":
        return target.reshape(batched)
    if target.dtype.kind not in "iu":
        raise ShapeError(
            f"softmax_cross_entropy: target must be one-hot of shape {shape} or integer class indices, "
            f"got {target.dtype} of shape {target.shape}"
        )
    indices = target.reshape(-1)
    if indices.shape[0] != n:
        raise ShapeError(f"softmax_cross_entropy: {indices.shape[0]} class indices for {n} rows of logits {shape}")
    if indices.size and (indices.min() < 0 or indices.max() >= classes):
        raise ShapeError(f"softmax_cross_entropy: class index out of range 0..{classes - 1}")
    onehot = np.zeros(batched)
    onehot[np.arange(n), indices] = 1
    return onehot


def _exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Node) else np.exp(x)
