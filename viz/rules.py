"""The backward rule of a tensor op in words and shapes, for the replay's captions.

For a tensor the local derivative is a Jacobian that is never built; what the
reader needs is the rule the vector-Jacobian product follows, with the shapes
that make it fit: ``∂L/∂W = Xᵀ · ∂L/∂Y, (784, 100) · (100, 50) → (784, 50)``,
or that a bias gradient is ∂L/∂Y summed over the batch. Ops without a rule
here are described by the generic vector-Jacobian product.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scratchgrad.autograd import Node

Rule = Callable[[Node, int, dict[Node, str], str], str]


def explain(node: Node, slot: int, names: dict[Node, str], loss: str) -> str:
    """How ``node`` (a tensor op) computes the gradient of input ``slot``; ``names`` and ``loss`` name the nodes."""
    rule = _RULES.get(node.op.name)
    text = rule(node, slot, names, loss) if rule is not None else None
    if text is None:
        text = f"upstream {tuple(node.data.shape)} × local (vector-Jacobian product of {node.op.glyph})"
    return text


def _matmul(node: Node, slot: int, names: dict[Node, str], loss: str) -> str:
    a, b = node.inputs
    A, B = _n(a, names, "A"), _n(b, names, "B")
    Y = node.name or f"({A} · {B})"
    g = node.data.shape
    if slot == 0:
        return f"∂{loss}/∂{A} = ∂{loss}/∂{Y} · {B}ᵀ, {_s(g)} · {_s(_t(b.data.shape))} → {_s(a.data.shape)}"
    return f"∂{loss}/∂{B} = {A}ᵀ · ∂{loss}/∂{Y}, {_s(_t(a.data.shape))} · {_s(g)} → {_s(b.data.shape)}"


def _add(node: Node, slot: int, names: dict[Node, str], loss: str) -> str:
    sign = "-" if node.op.name == "sub" and slot == 1 else ""
    return _fitted(node, slot, f"{sign}∂{loss}/∂{_n(node, names, 'Y')}", "passes unchanged")


def _mul(node: Node, slot: int, names: dict[Node, str], loss: str) -> str:
    other = node.inputs[1 - slot]
    return _fitted(node, slot, f"∂{loss}/∂{_n(node, names, 'Y')} × {_n(other, names, 'the other input')}",
                   "elementwise")


def _fitted(node: Node, slot: int, gradient: str, how: str) -> str:
    """An elementwise rule; where the input was broadcast, the gradient is summed back to its shape."""
    shape, out = node.inputs[slot].data.shape, node.data.shape
    if shape == out:
        return f"{gradient} {how}, {_s(out)}"
    over = "the batch" if len(out) == len(shape) + 1 and out[1:] == shape else "the broadcast axes"
    return f"{gradient} summed over {over}, {_s(out)} → {_s(shape)}"


def _sum(node: Node, slot: int, names: dict[Node, str], loss: str) -> str:
    source = node.inputs[0].data.shape
    return f"∂{loss}/∂{_n(node, names, 'Y')} copied to every summed element, {_s(node.data.shape)} → {_s(source)}"


def _relu(node: Node, slot: int, names: dict[Node, str], loss: str) -> str:
    x = _n(node.inputs[0], names, "x")
    return f"∂{loss}/∂{_n(node, names, 'Y')} where {x} > 0, 0 where {x} ≤ 0 (the mask), {_s(node.data.shape)}"


def _softmax_with_loss(node: Node, slot: int, names: dict[Node, str], loss: str) -> str:
    shape = node.inputs[0].data.shape
    rows = f" / N (N = {shape[0]})" if len(shape) == 2 else ""
    name = _n(node, names, "loss")
    upstream = "" if name == loss else f" times ∂{loss}/∂{name}"
    return f"(softmax - one-hot t){rows}{upstream}, {_s(shape)}"


def _reshape(node: Node, slot: int, names: dict[Node, str], loss: str) -> str:
    return f"∂{loss}/∂{_n(node, names, 'Y')} reshaped back, {_s(node.data.shape)} → {_s(node.inputs[0].data.shape)}"


_RULES: dict[str, Rule] = {
    "matmul": _matmul, "add": _add, "sub": _add, "mul": _mul, "sum": _sum, "relu": _relu,
    "softmax_with_loss": _softmax_with_loss, "reshape": _reshape,
}


def _n(node: Node, names: dict[Node, str], default: str) -> str:
    return names.get(node) or node.name or default


def _s(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))


def _t(shape: tuple[int, ...]) -> tuple[Any, ...]:
    """A matrix's shape transposed (the last two axes; a vector stays as it is)."""
    return (*shape[:-2], shape[-1], shape[-2]) if len(shape) >= 2 else shape
