"""Gradient checking: backprop against central differences, as a library feature.

The book checks its network this way (ch. 5.7); so do our tests, for every op.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scratchgrad.autograd import versions
from scratchgrad.autograd.graph import Node, grad


@dataclass(frozen=True)
class InputCheck:
    """How backprop and central differences compare for one input."""

    name: str
    max_abs_error: float
    mean_abs_error: float
    rel_error: float  # `relative_error`: the scale-free summary


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
        rel = relative_error(g, numeric)
        if not np.isfinite(diff).all():  # a nan or inf gradient never matches, whatever the other side says
            diff, rel = np.full(diff.shape, np.inf), np.inf
        checks.append(InputCheck(x.name or f"input {i}", float(diff.max(initial=0)), float(diff.mean()), rel))
    report = GradcheckReport(checks, rtol, atol)
    if raise_on_failure and not report.ok:
        raise GradcheckError(f"gradients disagree with central differences:\n{report}")
    return report


def _central_differences(loss: Callable[[], Node], x: Node, eps: float) -> np.ndarray:
    """d loss / d x for a `Value` (its data a float, replaced) or a `Tensor` (perturbed in place)."""
    if isinstance(x.data, float):
        original = x.data
        values = []
        for shifted in (original + eps, original - eps):
            x.data = shifted
            values.append(float(loss().data))
        x.data = original
        return np.array((values[0] - values[1]) / (2 * eps))
    numeric = numerical_gradient(lambda: float(loss().data), x.data, eps)
    versions.bump(x)  # perturbed in place (restored exactly, but graphs saved in between are stale)
    return numeric


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float | None = None) -> np.ndarray:
    """Central differences ``(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h`` for every element of ``x``, as float64.

    ``f`` takes no argument: each element of ``x`` is perturbed in place (whatever
    the memory layout), ``f()`` evaluated, and the element restored exactly (not
    by subtracting ``h`` again, which would leave rounding behind). That is
    2·``x.size`` calls of ``f``; each call is a whole vectorised forward pass, and
    a black-box loss allows no fewer.

    The default step ``h`` balances truncation error (∝ h²) against rounding
    error (∝ ε/h): about ε^(1/3) for the dtype of ``x``, and never below the
    book's 1e-4. So 1e-4 for float64 (agreement to ~1e-8 or better) and
    ~5e-3 for float32 (~1e-4, where the book's 1e-4 gives only ~1e-3).
    """
    if h is None:
        h = max(1e-4, float(np.finfo(x.dtype).eps) ** (1 / 3))
    grad = np.empty(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f()
        x[index] = original - h
        f_minus = f()
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a: Any, b: Any) -> float:
    """``max|a − b|`` relative to the larger of ``max|a|`` and ``max|b|``: one number for a whole gradient.

    Scale-free, and unlike an elementwise relative error it is not blown up by
    entries that are zero up to rounding. 0 when both are all zeros.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0))
    return float(np.abs(a - b).max(initial=0.0) / scale) if scale else 0.0
