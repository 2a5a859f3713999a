"""Array primitives for `Tensor`: matmul, reductions, shape ops, indexing, clip.

Each function computes its forward and records an `Op` whose rules sit right
beside it. The rules use only methods that ndarrays and Tensors share
(``sum``, ``reshape``, ``transpose``, ``@``), so one rule serves a plain
backward pass (arrays) and ``create_graph`` (tensors). Parameters such as an
axis are captured by the rule; nothing captures the output node, so graphs
stay free of reference cycles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from scratchgrad.autograd.elementwise import raw, sum_to, where
from scratchgrad.autograd.errors import ShapeError
from scratchgrad.autograd.graph import Node, Op

Axis = int | Sequence[int] | None


def _matmul_grad_a(g: Any, y: Any, a: Any, b: Any) -> Any:
    ga = g @ b.mT
    return ga if ga.shape == a.shape else sum_to(ga, a.shape)  # summed only over broadcast batch axes


def _matmul_grad_b(g: Any, y: Any, a: Any, b: Any) -> Any:
    gb = a.mT @ g
    return gb if gb.shape == b.shape else sum_to(gb, b.shape)


MATMUL = Op("matmul", "@", _matmul_grad_a, _matmul_grad_b)


def matmul(a: Node, b: Node) -> Node:
    """``a @ b`` with NumPy's rules, batched dimensions broadcast; 1-D operands as vectors."""
    a_data, b_data = a.data, b.data  # the arrays' own shape and ndim: cheaper than the Tensor properties
    check_same_dtype("matmul", a_data, b_data)
    if a_data.ndim < 2 or b_data.ndim < 2:
        return _matmul_vectors(a, b)
    if a_data.shape[-1] != b_data.shape[-2]:
        raise ShapeError(
            f"matmul: {a.shape} @ {b.shape} (inner dimensions {a.shape[-1]} and {b.shape[-2]} differ)"
        )
    try:
        data = a_data @ b_data
    except ValueError:
        raise ShapeError(f"matmul: cannot broadcast batch dimensions of {a.shape} @ {b.shape}") from None
    return a._result(data, MATMUL, (a, b))


def _matmul_vectors(a: Node, b: Node) -> Node:
    """A 1-D operand as NumPy treats it: a row on the left, a column on the right, removed again after."""
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: operands must have at least 1 dimension, got {a.shape} @ {b.shape}")
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != inner_b:
        raise ShapeError(f"matmul: {a.shape} @ {b.shape} (inner dimensions {a.shape[-1]} and {inner_b} differ)")
    if a.ndim == 1:
        out = matmul(reshape(a, (1, -1)), b)
        return reshape(out, out.shape[:-2] + out.shape[-1:] if b.ndim > 1 else ())
    return reshape(matmul(a, reshape(b, (-1, 1))), a.shape[:-1])


def check_same_dtype(op: str, a: np.ndarray, b: np.ndarray) -> None:
    """Refuse mixed dtypes: NumPy would silently promote, and a float32 graph must stay float32."""
    if a.dtype is not b.dtype and a.dtype != b.dtype:
        raise TypeError(f"{op}: dtype mismatch {a.dtype} vs {b.dtype}; convert one with .astype()")


def sum(x: Node, axis: Axis = None, keepdims: bool = False) -> Node:
    """Sum over ``axis`` (all axes when None); the gradient is copied back over them."""
    shape = x.shape
    kept = _kept_shape(shape, axis)
    op = Op("sum", "Σ", lambda g, y, x: broadcast_to(g if keepdims else g.reshape(kept), shape))
    return x._result(x.data.sum(axis=axis, keepdims=keepdims), op, (x,))


def mean(x: Node, axis: Axis = None, keepdims: bool = False) -> Node:
    """Mean over ``axis``: the sum divided by the number of elements summed.

    Over an empty axis that is 0 / 0: nan with NumPy's RuntimeWarning, as ``np.mean``.
    """
    count = math.prod(x.shape[i] for i in _axes(x.shape, axis))
    if count == 0:
        return x._result(x.data.mean(axis=axis, keepdims=keepdims), Op("mean", "mean", _empty_mean_grad), (x,))
    return sum(x, axis, keepdims) / count


def _empty_mean_grad(g: Any, y: Any, x: Any) -> Any:
    """The gradient of a mean over nothing: as empty as its input."""
    return x * 0 if isinstance(x, Node) else np.zeros_like(x)


def max(x: Node, axis: Axis = None, keepdims: bool = False) -> Node:
    """Maximum over ``axis``; the gradient is shared equally among tied maxima."""
    top = x.data.max(axis=axis, keepdims=True)

    def grad(g: Any, y: Any, x: Any) -> Any:
        mask = raw(x) == top
        share = mask / mask.sum(axis=axis, keepdims=True, dtype=top.dtype)  # nan where a row's max is nan
        # Selected, not multiplied: an inf in g must not become 0·inf = nan off the maxima.
        return where(mask | np.isnan(share), share * (g if keepdims else g.reshape(top.shape)))

    out = top if keepdims else top.reshape(_reduced_shape(x.shape, axis))
    return x._result(out, Op("max", "max", grad), (x,))


def reshape(x: Node, shape: tuple[int, ...]) -> Node:
    source = x.shape
    try:
        data = x.data.reshape(shape)
    except ValueError:
        raise ShapeError(f"reshape: cannot reshape {source} ({x.data.size} elements) into {tuple(shape)}") from None
    return x._result(data, Op("reshape", "reshape", lambda g, y, x: g.reshape(source)), (x,))


def transpose(x: Node, axes: tuple[int, ...]) -> Node:
    """Permute axes (reverse them when ``axes`` is empty, as ``ndarray.transpose()``); -1 is the last, as in NumPy."""
    given = tuple(axes)
    if not given:
        order = tuple(reversed(range(x.ndim)))
    elif len(given) != x.ndim or not all(isinstance(a, int | np.integer) and -x.ndim <= a < x.ndim for a in given):
        raise ShapeError(f"transpose: axes {given} do not name each of the {x.ndim} axes of {x.shape} once")
    else:
        order = tuple(int(a) % x.ndim for a in given)
    if len(set(order)) != x.ndim:
        raise ShapeError(f"transpose: axes {given} repeat an axis of {x.shape} (each of its {x.ndim} axes once)")
    inverse = tuple(np.argsort(order).tolist())
    return x._result(x.data.transpose(order), Op("transpose", "ᵀ", lambda g, y, x: g.transpose(inverse)), (x,))


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast as NumPy does; on raw arrays a read-only view, on nodes a graph op."""
    if not isinstance(x, Node):
        return np.broadcast_to(x, shape)
    source = x.shape
    try:
        data = np.broadcast_to(x.data, shape)
    except ValueError:
        raise ShapeError(f"broadcast_to: cannot broadcast {source} to {tuple(shape)}") from None
    return x._result(data, Op("broadcast", "⇲", lambda g, y, x: sum_to(g, source)), (x,))


def index(x: Node, key: Any) -> Node:
    """``x[key]`` for ints, slices, ``None``, ``...`` and integer or boolean arrays."""
    key = _plain_key(key)
    try:
        data = x.data[key]
    except IndexError as error:
        raise IndexError(f"index: {error} (tensor of shape {x.shape})") from None
    return x._result(data, Op("index", "[ ]", lambda g, y, x: scatter(g, key, x.shape)), (x,))


def scatter(g: Any, key: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``key`` (repeated indices add up): index's adjoint."""
    if isinstance(g, Node):
        return g._result(scatter(g.data, key, shape), Op("scatter", "scatter", lambda h, y, g: h[key]), (g,))
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        out[key] = g  # no repeated positions: plain assignment is exact and fast
    else:
        np.add.at(out, key, g)
    return out


def clip(x: Node, low: float | None, high: float | None) -> Node:
    """Clamp to [low, high]; the gradient passes where the input was inside (bounds included).

    Outside, the gradient is exactly 0 (selected, so an inf from upstream does not become nan);
    at a nan input it is nan.
    """
    if low is None and high is None:
        raise ValueError("clip: give low, high or both; clip(None, None) would clamp nothing")
    inside = np.ones(x.shape, dtype=bool)
    if low is not None:
        inside &= x.data >= low
    if high is not None:
        inside &= x.data <= high
    data = np.clip(x.data, low, high)
    fill = data * 0  # 0, or nan where the input was nan
    return x._result(data, Op("clip", "clip", lambda g, y, x: where(inside, g, fill)), (x,))


def astype(x: Node, dtype: np.dtype) -> Node:
    source = x.dtype
    return x._result(x.data.astype(dtype), Op("astype", str(dtype), lambda g, y, x: g.astype(source)), (x,))


def _axes(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    return tuple(range(len(shape))) if axis is None else normalize_axis_tuple(axis, len(shape))


def _kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """``shape`` after a reduction over ``axis`` with ``keepdims=True``."""
    axes = _axes(shape, axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _reduced_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """``shape`` after a reduction over ``axis`` without ``keepdims``."""
    axes = _axes(shape, axis)
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _plain_key(key: Any) -> Any:
    """Index keys with tensors replaced by their arrays."""
    if isinstance(key, tuple):
        return tuple(raw(k) for k in key)
    return raw(key)


def _is_basic(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, int | slice | type(None) | type(Ellipsis)) for k in parts)
