"""Gradient checking: backprop against central differences, as a library feature.

The book checks its network this way (ch. 5.7); so do our tests, for every op.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from autograd.graph import Node, grad


@dataclass(frozen=True)
class InputCheck:
    """How backprop and central differences compare for one input."""

    name: str
    max_abs_error: float
    mean_abs_error: float
    rel_error: float  # ||analytic - numeric|| / (||analytic|| + ||numeric||), the scale-free summary


@dataclass(frozen=True)
class GradcheckReport:
    checks: list[InputCheck]
    rtol: float
    atol: float

    @property
    def ok(self) -> bool:
        return all(c.rel_error <= self.rtol or c.max_abs_error <= self.atol for c in self.checks)

    def __str__(self) -> str:
        rows = [f"{'input':>10}  {'max |diff|':>11}  {'mean |diff|':>11}  {'rel error':>10}"]
        rows += [
            f"{c.name:>10}  {c.max_abs_error:11.3e}  {c.mean_abs_error:11.3e}  {c.rel_error:10.3e}" for c in self.checks
        ]
        return "\n".join(rows)


class GradcheckError(AssertionError):
    """Backprop and central differences disagree."""


def gradcheck(
    fn: Callable[..., Node],
    inputs: Sequence[Node],
    eps: float = 1e-6,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    raise_on_failure: bool = True,
    seed: int = 0,
) -> GradcheckReport:
    """Compare ``grad(fn(*inputs), inputs)`` with central differences, input by input.

    Works for `Value` and `Tensor` inputs (use float64 tensors: float32 rounding
    swamps central differences). A non-scalar output is reduced with a fixed
    random projection, so every output element is checked at once. Inputs
    are perturbed in place and restored.
    """
    projection: list[np.ndarray] = []

    def scalar_output() -> Node:
        out = fn(*inputs)
        if np.ndim(out.data) == 0:
            return out
        if not projection:
            projection.append(np.random.default_rng(seed).standard_normal(np.shape(out.data)))
        return (out * projection[0]).sum()

    analytic = grad(scalar_output(), list(inputs))
    checks = []
    for i, (x, g) in enumerate(zip(inputs, analytic)):
        numeric = _central_differences(scalar_output, x, eps)
        diff = np.abs(np.asarray(g, dtype=np.float64) - numeric)
        if not np.isfinite(diff).all():  # a nan or inf gradient never matches, whatever the other side says
            diff = np.full(diff.shape, np.inf)
        scale = np.linalg.norm(g) + np.linalg.norm(numeric)
        rel = float(np.linalg.norm(diff) / scale) if scale > 0 else float(np.linalg.norm(diff))
        checks.append(InputCheck(x.name or f"input {i}", float(diff.max(initial=0)), float(diff.mean()), rel))
    report = GradcheckReport(checks, rtol, atol)
    if raise_on_failure and not report.ok:
        raise GradcheckError(f"gradients disagree with central differences:\n{report}")
    return report


def _central_differences(loss: Callable[[], Node], x: Node, eps: float) -> np.ndarray:
    """d loss / d x by (f(x + eps) - f(x - eps)) / 2 eps, one element at a time."""
    if isinstance(x.data, float):  # a Value: its data is a Python float
        original = x.data
        values = []
        for shifted in (original + eps, original - eps):
            x.data = shifted
            values.append(float(loss().data))
        x.data = original
        return np.array((values[0] - values[1]) / (2 * eps))
    numeric = np.empty(x.data.shape, dtype=np.float64)
    for index in np.ndindex(x.data.shape):  # indexes in place whatever the memory layout
        original = x.data[index]
        x.data[index] = original + eps
        plus = float(loss().data)
        x.data[index] = original - eps
        minus = float(loss().data)
        x.data[index] = original
        numeric[index] = (plus - minus) / (2 * eps)
    return numeric
