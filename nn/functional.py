"""PyTorch's functional API on scratchgrad tensors: ``from scratchgrad.nn import functional as F``.

Same names, argument order and defaults as ``torch.nn.functional``; the layers in
`nn.layers` are thin modules around these. Inputs may be tensors or anything
``np.asarray`` takes (a constant: no gradient, no copy of a float array).
Where PyTorch and the book differ these follow PyTorch: ``linear`` takes a
weight (out, in), the transpose of the book's ``W`` (in, out) — pass
``layer.weight``, not ``layer.W``; ``mse_loss`` is a mean, not the book's ``0.5·Σ``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from scratchgrad.autograd import ShapeError, Tensor, softmax_cross_entropy
from scratchgrad.autograd import log_softmax as _log_softmax
from scratchgrad.autograd import softmax as _softmax

Reduction = Literal["mean", "sum", "none"]
REDUCTIONS = ("mean", "sum", "none")


def as_tensor(x: Any) -> Tensor:
    """``x`` itself if it is a tensor, else a constant tensor (no gradient, no copy of a float array)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def as_input(x: Any, dtype: np.dtype, where: object) -> Tensor:
    """``x`` as the input of weights of ``dtype``, for `linear` and the layers.

    An ndarray or list is data, not a graph: it becomes a constant of ``dtype``
    (float64 pixels into a float32 net work; no copy when the dtype matches). A
    Tensor must already have ``dtype``: it is never cast silently, since the cast
    would decide the precision of its gradient. ``where`` (a layer, or a
    function's name) is formatted only for the message.
    """
    if not isinstance(x, Tensor):
        return Tensor(x, dtype=dtype)
    if x.data.dtype != dtype:
        raise TypeError(
            f"{where}: the input is a {x.dtype} Tensor and the weights are {dtype}; "
            f"convert it with x.astype(np.{dtype})"
        )
    return x


def relu(input: Any) -> Tensor:
    """max(x, 0) elementwise; the gradient at 0 is 0, as in PyTorch."""
    return as_tensor(input).relu()


def sigmoid(input: Any) -> Tensor:
    """1 / (1 + exp(−x)) elementwise, without overflow for large |x|."""
    return as_tensor(input).sigmoid()


def tanh(input: Any) -> Tensor:
    return as_tensor(input).tanh()


def softmax(input: Any, dim: int = -1) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim`` (PyTorch's name for NumPy's ``axis``)."""
    return _softmax(as_tensor(input), dim)


def log_softmax(input: Any, dim: int = -1) -> Tensor:
    """log softmax along ``dim``, computed without taking the log of a rounded-off zero."""
    return _log_softmax(as_tensor(input), dim)


def cross_entropy(input: Any, target: Any, reduction: Reduction = "mean") -> Tensor:
    """Cross-entropy of softmax(``input``) against ``target``: the book's Softmax-with-Loss.

    ``input`` holds logits, (N, C) or (C,); ``target`` is class indices ((N,) or a
    scalar, any integer dtype) or one row of class probabilities per sample (the
    logits' shape). Every reduction — ``"mean"`` (PyTorch's default and the book's
    loss), ``"sum"``, ``"none"`` (one loss per sample) — is the engine's one fused
    node, whose backward per row is ``softmax(x)·Σt − t``.
    """
    _check_reduction("cross_entropy", reduction)
    return softmax_cross_entropy(as_tensor(input), target, reduction)


def mse_loss(input: Any, target: Any, reduction: Reduction = "mean") -> Tensor:
    """Mean (or sum, or each) of ``(input − target)²``, as PyTorch's — not the book's ``0.5·Σ``.

    Shapes must be equal: PyTorch only warns, but broadcasting (N, 1) against
    (N,) compares every input with every target and gives a wrong loss. A target
    tensor gets a gradient too when it requires one.
    """
    _check_reduction("mse_loss", reduction)
    x = as_tensor(input)
    t = target if isinstance(target, Tensor) else Tensor(target, dtype=x.dtype)
    if x.shape != t.shape:
        raise ShapeError(f"mse_loss: input has shape {x.shape} and target {t.shape}; they must be equal")
    if x.dtype != t.dtype:
        raise TypeError(f"mse_loss: input is {x.dtype} and target {t.dtype}; convert one with .astype()")
    error = x - t
    squares = error * error
    if reduction == "none":
        return squares
    return squares.mean() if reduction == "mean" else squares.sum()


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """``input @ weight.T + bias`` over the last axis, with PyTorch's ``weight`` of shape (out, in).

    A `Linear` layer's ``weight`` is its book-style ``W`` (in, out) transposed,
    in the graph, so ``linear(x, layer.weight, layer.bias)`` equals ``layer(x)``
    for rows ``x`` and sends the gradient to ``layer.W``. Dtypes as in the layer
    (`as_input`): an ndarray input takes the weight's dtype, a Tensor must have it.
    """
    w = as_tensor(weight)
    x = as_input(input, w.dtype, "linear")
    if w.ndim != 2:
        raise ShapeError(f"linear: weight must be (out_features, in_features), got shape {w.shape}")
    out_features, in_features = w.shape
    if x.ndim == 0 or x.shape[-1] != in_features:
        features = x.shape[-1] if x.ndim else 0
        book = "; is it the book's W (in, out)? pass its transpose, layer.weight" if out_features == features else ""
        raise ShapeError(
            f"linear: input has {features} features (shape {x.shape}), weight (out, in) is {w.shape}{book}"
        )
    y = x @ w.T
    if bias is None:
        return y
    b = as_tensor(bias)
    if b.shape != (out_features,):
        raise ShapeError(f"linear: bias has shape {b.shape}, weight (out, in) is {w.shape}: expected ({out_features},)")
    return y + b


def _check_reduction(function: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{function}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
