"""Gradient descent against stochastic gradient descent, measured on a 2-D slice of the real net.

The slice is the plane through the net's parameters before training (u, v = 0, 0) and after
(1, 0), spanned by that displacement and a random direction of the same size, orthogonal to it
(each parameter array scaled like the displacement's, so no layer dominates). Restricted to the
plane, the net is a model with two parameters: its loss can be drawn as contours, and every
path of GD or SGD stays exactly on the picture. Each step costs what a step of the real net
costs — a forward and backward pass of the engine over the batch, then the gradient projected
onto the plane — so the wall-clock times are those of real training on this machine.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scratchgrad.autograd import Tensor, grad, no_grad, softmax_cross_entropy
from scratchgrad.viz.network.wishes import as_images, as_labels, mlp_layers

CHECKPOINTS = 60  # loss evaluations per run, spread evenly over its steps
NEAR = 0.05  # "there": within 5% of the lowest loss any run or grid point reached


@dataclass(frozen=True)
class Run:
    """One optimiser's path: every step's (u, v), and the full problem's loss against training time."""

    batch_size: int  # the problem's size for full-batch GD
    full: bool
    path: np.ndarray  # (steps + 1, 2)
    seconds: np.ndarray  # training time before each checkpoint (evaluations not counted)
    losses: np.ndarray  # the full problem's loss at each checkpoint
    examples: np.ndarray  # examples processed before each checkpoint

    def time_to(self, loss: float) -> float | None:
        """The first checkpoint's time at which the loss is at most ``loss``, or None if never."""
        reached = np.flatnonzero(self.losses <= loss)
        return float(self.seconds[reached[0]]) if reached.size else None


@dataclass(frozen=True)
class Grid:
    """The loss on a grid of the plane: ``loss[i, j]`` at ``(u[j], v[i])``."""

    u: np.ndarray
    v: np.ndarray
    loss: np.ndarray


@dataclass(frozen=True)
class Descent:
    runs: list[Run]  # GD first, then SGD by batch size as asked
    lr: float
    problem_size: int
    whole: Grid  # around every path
    close: Grid  # around GD's path and the largest batch's: where the careful runs go

    @property
    def best(self) -> float:
        """The lowest loss measured anywhere: at a run's checkpoint or a grid point."""
        return float(min(*(run.losses.min() for run in self.runs), self.whole.loss.min(), self.close.loss.min()))

    @property
    def target(self) -> float:
        """What "getting there" means: a loss within NEAR of the best. SGD with a fixed learning rate
        hovers above the minimum (its batches keep pulling it about), so "reaching GD's final loss"
        could be unfair to either; "near the best" is the question the notes ask."""
        return (1 + NEAR) * self.best


class Plane:
    """The net's parameters as θ(u, v) = start + u·(end − start) + v·d; writes them into the net in place."""

    def __init__(self, net: Any, start: Mapping[str, np.ndarray], end: Mapping[str, np.ndarray],
                 rng: np.random.Generator) -> None:
        mlp_layers(net)  # refuses what is not an MLP
        self.net = net
        self.names = [name for name, _ in net.named_parameters()]
        self.params = [p for _, p in net.named_parameters()]
        for state, which in ((start, "start"), (end, "end")):
            for name, p in zip(self.names, self.params, strict=True):
                if name not in state or np.shape(state[name]) != p.shape:
                    raise ValueError(f"network view: {which}[{name!r}] is missing or not of shape {p.shape}; pass "
                                     "the net's state_dict() from before and after training")
        self.origin = [np.asarray(start[n], dtype=p.dtype) for n, p in zip(self.names, self.params, strict=True)]
        self.u = [np.asarray(end[n], dtype=p.dtype) - o for n, p, o in zip(self.names, self.params, self.origin,
                                                                             strict=True)]
        norm_u = np.sqrt(sum(float(np.vdot(a, a)) for a in self.u))
        if norm_u == 0:
            raise ValueError("network view: start and end are the same parameters; nothing was trained")
        # a random direction, each array as large as the displacement's, then orthogonal to it, then of its length
        v = [rng.standard_normal(a.shape) * (np.linalg.norm(a) / np.sqrt(a.size) if a.any() else 1.0)
             for a in self.u]
        along = sum(float(np.vdot(a, b)) for a, b in zip(v, self.u, strict=True)) / norm_u**2
        v = [b - along * a for a, b in zip(self.u, v, strict=True)]
        norm_v = np.sqrt(sum(float(np.vdot(b, b)) for b in v))
        self.v = [(b * (norm_u / norm_v)).astype(a.dtype) for a, b in zip(self.u, v, strict=True)]

    def set(self, u: float, v: float) -> None:
        u, v = float(u), float(v)  # Python numbers keep a float32 net float32 (a NumPy float64 would promote)
        for p, o, a, b in zip(self.params, self.origin, self.u, self.v, strict=True):
            np.multiply(a, u, out=p.data)
            p.data += b * v
            p.data += o

    def gradient(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        """(∂L/∂u, ∂L/∂v) at the net's current parameters: the engine's gradient, projected on the plane."""
        loss = softmax_cross_entropy(self.net(Tensor(x, dtype=x.dtype)), t)
        grads = grad(loss, self.params)
        return np.array([sum(float(np.vdot(g, d)) for g, d in zip(grads, ds, strict=True))
                         for ds in (self.u, self.v)])


class SliceLoss:
    """The loss over a fixed problem at any (u, v), fast: the first layer's product is linear in (u, v).

    ``x @ W1(u, v) = x @ W1₀ + u·(x @ U1) + v·(x @ V1)``, so its three products are computed once
    and each point costs only the rest of the net, run by the net's own modules on the engine.
    """

    def __init__(self, plane: Plane, x: np.ndarray, t: np.ndarray) -> None:
        self.plane, self.t = plane, t
        first = mlp_layers(plane.net)[0][0]
        w = next(i for i, p in enumerate(plane.params) if p is first.W)
        b = next(i for i, p in enumerate(plane.params) if p is first.b)
        self.products = [x @ arrays[w] for arrays in (plane.origin, plane.u, plane.v)]
        self.biases = [arrays[b] for arrays in (plane.origin, plane.u, plane.v)]
        self.rest = plane.net.layers[1:]

    def __call__(self, u: float, v: float) -> float:
        u, v = float(u), float(v)
        self.plane.set(u, v)
        (p0, pu, pv), (b0, bu, bv) = self.products, self.biases
        with no_grad():
            h = Tensor(p0 + u * pu + v * pv + (b0 + u * bu + v * bv))
            for module in self.rest:
                h = module(h)
            return softmax_cross_entropy(h, self.t).item()


def gd_vs_sgd(
    net: Any,
    x: Any,
    t: Any,
    start: Mapping[str, np.ndarray],
    end: Mapping[str, np.ndarray],
    *,
    batch_sizes: Sequence[int] = (1, 10, 100),
    lr: float = 0.05,
    seconds: float = 1.0,
    seed: int = 0,
    grid: int = 21,
) -> Descent:
    """Run full-batch GD and mini-batch SGD from (0, 0) on the slice, each for ``seconds`` of training time.

    ``x``, ``t`` are the problem (e.g. 10,000 training images); GD uses all of them every step,
    SGD draws each batch with replacement. All runs use the same learning rate ``lr`` in (u, v).
    The net's parameters are restored to ``end`` afterwards.
    """
    layers = mlp_layers(net)
    first = layers[0][0].W
    images = as_images(x, first.shape[0], first.dtype)
    labels = as_labels(t, len(images), layers[-1][0].W.shape[1])
    bad = [b for b in batch_sizes if isinstance(b, bool) or not isinstance(b, int | np.integer) or not
           1 <= b < len(images)]
    if bad:
        raise ValueError(f"network view: batch sizes must be integers from 1 to {len(images) - 1} (the problem has "
                         f"{len(images)} examples), got {bad[0]!r}")
    if not (lr > 0 and seconds > 0):
        raise ValueError(f"network view: lr and seconds must be positive, got lr={lr!r}, seconds={seconds!r}")
    rng = np.random.default_rng(seed)
    plane = Plane(net, start, end, rng)
    loss_at = SliceLoss(plane, images, labels)
    try:
        runs = [_run(plane, loss_at, images, labels, None, lr, seconds, rng)]
        runs += [_run(plane, loss_at, images, labels, int(b), lr, seconds, rng) for b in batch_sizes]
        everything = np.concatenate([run.path for run in runs] + [np.array([[0.0, 0.0], [1.0, 0.0]])])
        careful = np.concatenate([runs[0].path, max(runs[1:], key=lambda r: r.batch_size).path] if len(runs) > 1
                                 else [runs[0].path])
        whole, close = (_grid(loss_at, points, margin, grid) for points, margin in ((everything, 0.1),
                                                                                    (careful, 0.4)))
    finally:
        for p, name in zip(plane.params, plane.names, strict=True):
            np.copyto(p.data, end[name], casting="same_kind")
    return Descent(runs, lr, len(images), whole, close)


def _grid(loss_at: SliceLoss, points: np.ndarray, margin: float, size: int) -> Grid:
    low, high = points.min(axis=0), points.max(axis=0)
    pad = margin * np.maximum(high - low, 0.1)
    u = np.linspace(low[0] - pad[0], high[0] + pad[0], size)
    v = np.linspace(low[1] - pad[1], high[1] + pad[1], size)
    return Grid(u, v, np.array([[loss_at(a, b) for a in u] for b in v]))


def _run(plane: Plane, loss_at: SliceLoss, x: np.ndarray, t: np.ndarray, batch_size: int | None, lr: float,
         seconds: float, rng: np.random.Generator) -> Run:
    """Steps until ``seconds`` of training time are spent; the loss is evaluated (off the clock) now and then."""
    uv = np.zeros(2)
    path, times, losses, examples = [uv.copy()], [0.0], [loss_at(0.0, 0.0)], [0]
    spent, seen = 0.0, 0
    # checkpoints spaced evenly in log time, from 1/10,000 of the budget to all of it: the loss is
    # drawn against log time, where SGD's first milliseconds and GD's last second both show
    dues = iter(seconds * np.logspace(-4, 0, CHECKPOINTS)[1:])
    due = next(dues)
    while spent < seconds:
        began = time.perf_counter()
        if batch_size is None:
            xb, tb = x, t
        else:
            rows = rng.integers(0, len(x), batch_size)
            xb, tb = x[rows], t[rows]
        plane.set(*uv)
        uv = uv - lr * plane.gradient(xb, tb)
        spent += time.perf_counter() - began
        seen += len(xb)
        path.append(uv.copy())
        if spent >= due or spent >= seconds:
            while due <= spent:
                due = next(dues, np.inf)
            times.append(spent)
            losses.append(loss_at(*uv))
            examples.append(seen)
    full = batch_size is None
    return Run(len(x) if full else batch_size, full, np.array(path), np.array(times), np.array(losses),
               np.array(examples))
