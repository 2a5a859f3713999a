"""What if I nudge it? The gradient read as a prediction, checked by recomputing.

The chapter's notes read the apple gradients this way: with L = ½(f − 219)², an
apple's price has gradient 2.2, so raising it by 1 should raise L by about
2.2; recomputing gives 4.62. `nudge` makes that table for any graph: for each
input and each step δ, the gradient, the predicted change gradient·δ (the
first-order term of Taylor's formula), the actual change, and their difference
(the second-order part, which shrinks like δ² as δ does).

Why the output is recomputed by calling the function that built it, rather
than by replaying the recorded graph: a node records its op's derivative rules
and its inputs, not its forward computation (`autograd.graph` knows nothing
about ops, and an op such as ``sum(axis=1)`` or the fused softmax-with-loss
keeps its parameters inside its rules). Re-running the user's function is
exact for every op, Value and Tensor alike, and adds nothing to the engine's
hot path.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scratchgrad.autograd.graph import Node, grad, no_grad

Step = Any
"""One δ: a number (added to every element of a tensor) or, for a tensor, an array of its shape."""


@dataclass(frozen=True)
class Nudge:
    """One row of the table: ``input`` moved by ``delta`` (every other input left as it was)."""

    input: Node
    delta: Step
    gradient: Any
    """∂output/∂input at the unmoved point (a float, or an array of the input's shape)."""
    predicted: float
    """gradient · δ summed over the elements: the change the gradient predicts."""
    actual: float
    """output(input + δ) − output(input), recomputed."""

    @property
    def second_order(self) -> float:
        """What the straight-line prediction misses: actual − predicted (≈ ½ δᵀHδ for small δ)."""
        return self.actual - self.predicted


def nudge(
    f: Callable[..., Node],
    inputs: Node | Sequence[Node],
    delta: Step | Sequence[Step] | Mapping[Node, Step | Sequence[Step]] = 1.0,
) -> list[Nudge]:
    """For each of ``inputs`` and each step δ: the gradient, the predicted and the actual change of ``f``'s output.

    ``f(*inputs)`` must compute a scalar output (a `Value`, or a `Tensor` of one
    element) from those very nodes. ``delta`` is one step, a sequence of steps
    (e.g. ``(1, 0.1, 0.01)`` to watch the prediction converge), or a mapping from
    each input to its own step(s). Each row moves one input by one step and
    calls ``f`` again (without recording a graph); ``.grad`` is not touched.
    The changes are computed in the graph's dtype: in float32 a small step's
    change drowns in rounding, so watch convergence in float64.

    >>> from scratchgrad.autograd import Value
    >>> x = Value(3.0, name="x")
    >>> [(r.gradient, r.predicted, r.actual) for r in nudge(lambda x: x * x, x, (1.0, 0.1))]
    [(6.0, 6.0, 7.0), (6.0, 0.6000000000000001, 0.6100000000000012)]
    """
    inputs = [inputs] if isinstance(inputs, Node) else list(inputs)
    if not inputs or not all(isinstance(x, Node) for x in inputs):
        raise TypeError("nudge(): inputs must be a node or a non-empty sequence of nodes")
    steps = _steps(delta, inputs)
    output = f(*inputs)
    start = _scalar(output)
    if not output.requires_grad:
        raise ValueError("nudge(): the output does not depend on any input that requires a gradient")
    _check_uses(output, inputs)
    gradients = grad(output, inputs)
    rows = []
    for i, (x, g) in enumerate(zip(inputs, gradients)):
        for step in steps[i]:
            moved = list(inputs)
            moved[i] = x._kind._constant_like(x.data + step, x)
            moved[i].name = x.name
            with no_grad():
                actual = _scalar(f(*moved)) - start
            predicted = float(np.sum(np.asarray(g) * step))
            rows.append(Nudge(x, step, g, predicted, actual))
    return rows


def _steps(delta: Any, inputs: list[Node]) -> list[list[Step]]:
    """The checked steps of each input, in order."""
    if isinstance(delta, Mapping):
        for key in delta:
            if not any(key is x for x in inputs):
                raise ValueError(f"nudge(): delta names {key!r}, which is not one of the inputs")
        missing = [x for x in inputs if x not in delta]
        if missing:
            raise ValueError(f"nudge(): delta gives no step for {missing[0]!r}")
        return [_checked(delta[x], x) for x in inputs]
    return [_checked(delta, x) for x in inputs]


def _checked(delta: Any, x: Node) -> list[Step]:
    many = isinstance(delta, Sequence) and not isinstance(delta, str)
    steps = list(delta) if many else [delta]
    if not steps:
        raise ValueError("nudge(): delta is an empty sequence; give at least one step")
    return [_step(step, x) for step in steps]


def _step(step: Any, x: Node) -> Step:
    """One step for ``x``: a finite real number, or for a tensor an array that fits its shape."""
    if isinstance(step, bool | Node):
        raise TypeError(f"nudge(): a step must be a number or an array, not {step!r}")
    if isinstance(step, numbers.Real):
        if not math.isfinite(step):
            raise ValueError(f"nudge(): a step must be finite, got {step!r}")
        return float(step)
    shape = np.shape(x.data)
    try:
        array = np.asarray(step, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"nudge(): a step must be a number or an array, not {step!r}") from None
    if not shape:
        raise TypeError(f"nudge(): {_name(x)} is a scalar: its step must be a number, not an array")
    if not _broadcasts(array.shape, shape) or np.broadcast_shapes(array.shape, shape) != shape:
        raise ValueError(f"nudge(): a step of shape {array.shape} does not fit {_name(x)} of shape {shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("nudge(): a step must be finite")
    return array


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def _scalar(output: Any) -> float:
    if not isinstance(output, Node):
        raise TypeError(f"nudge(): f must return a node (a Value or a Tensor), got {type(output).__name__}")
    if np.size(output.data) != 1:
        raise ValueError(f"nudge(): f must return a scalar, got shape {np.shape(output.data)}")
    return float(np.asarray(output.data).reshape(()))


def _check_uses(output: Node, inputs: list[Node]) -> None:
    """Every input must be in the output's graph: else moving it cannot change the output, and the table would lie."""
    seen, stack = {output}, [output]
    while stack:
        for x in stack.pop().inputs:
            if x not in seen:
                seen.add(x)
                stack.append(x)
    for x in inputs:
        if not x.requires_grad:  # its gradient would read 0 whatever moving it does
            raise ValueError(f"nudge(): {_name(x)} does not require a gradient; create it with requires_grad=True")
        if x not in seen:
            raise ValueError(
                f"nudge(): the output of f(*inputs) was not computed from {_name(x)}; "
                "f must compute from the nodes it is given"
            )


def _name(x: Node) -> str:
    return repr(x.name) if x.name else repr(x)
