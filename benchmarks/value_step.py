"""Scalar engine vs micrograd: moons training step, memory per node, deep chain.

Run: python benchmarks/value_step.py   (needs `pip install micrograd==0.1.0` for the
side-by-side columns; without it only our numbers are printed).
Both engines run the same MLP code (micrograd's moons demo: MLP 2-16-16-1,
100 points, max-margin loss + L2), interleaved in one process, with the
garbage collector at its defaults.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import random
import statistics
import sys
import time
import tracemalloc

import numpy as np

from scratchgrad.autograd import Value


def make_moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    half = n // 2
    t_out, t_in = np.linspace(0, np.pi, half), np.linspace(0, np.pi, n - half)
    X = np.concatenate([
        np.stack([np.cos(t_out), np.sin(t_out)], 1),
        np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1),
    ])
    X += rng.normal(scale=noise, size=X.shape)
    y = np.concatenate([-np.ones(half), np.ones(n - half)])
    return X, y


class MLP:
    """micrograd's MLP, written once for any scalar Value class."""

    def __init__(self, value_cls: type, sizes: list[int], seed: int) -> None:
        rng = random.Random(seed)
        self.layers = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            last = i == len(sizes) - 2
            neurons = [
                ([value_cls(rng.uniform(-1, 1)) for _ in range(n_in)], value_cls(0.0), not last)
                for _ in range(n_out)
            ]
            self.layers.append(neurons)

    def parameters(self) -> list:
        return [p for layer in self.layers for w, b, _ in layer for p in (*w, b)]

    def __call__(self, x: list) -> object:
        for layer in self.layers:
            out = []
            for w, b, nonlin in layer:
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                out.append(act.relu() if nonlin else act)
            x = out
        return x[0]


def training_step(value_cls: type, model: MLP, X: np.ndarray, y: np.ndarray, k: int) -> object:
    """One step of micrograd's demo; returns the loss, the root of the graph built (after backward)."""
    inputs = [[value_cls(float(v)) for v in row] for row in X]
    scores = [model(row) for row in inputs]
    losses = [(1 + -float(yi) * s).relu() for yi, s in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    for p in model.parameters():
        p.grad = 0.0
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    return total


def count_nodes(root: object) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        children = getattr(node, "inputs", None)
        if children is None:
            children = node._prev
        for c in children:
            if id(c) not in seen:
                seen.add(id(c))
                stack.append(c)
    return len(seen)


def time_steps(engines: dict[str, type], rounds: int, steps: int) -> dict[str, list[float]]:
    """Per-step times; engines take turns, each running ``steps`` consecutive steps a round.

    Consecutive steps are what a training loop does, so each engine pays for its
    own garbage; between rounds a collection (not timed) clears what the other
    engine left, so neither is charged for the other's reference cycles.
    """
    X, y = make_moons(100, 0.1, seed=1)
    models = {name: MLP(cls, [2, 16, 16, 1], seed=1337) for name, cls in engines.items()}
    times: dict[str, list[float]] = {name: [] for name in engines}
    for r in range(rounds):
        for name, cls in engines.items():
            gc.collect()
            for k in range(steps):
                start = time.perf_counter()
                loss = training_step(cls, models[name], X, y, r * steps + k)
                del loss
                times[name].append(time.perf_counter() - start)
    return times


def bytes_per_node(value_cls: type) -> tuple[float, int, bool]:
    """tracemalloc bytes per graph node after forward+backward; and whether dropping frees it."""
    X, y = make_moons(100, 0.1, seed=1)
    model = MLP(value_cls, [2, 16, 16, 1], seed=1337)
    gc.collect()
    gc.disable()  # measure what reference counting alone frees
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    loss = training_step(value_cls, model, X, y, 0)
    held = tracemalloc.get_traced_memory()[0] - base
    nodes = count_nodes(loss)
    del loss
    tracemalloc.stop()
    left_for_collector = gc.collect()  # objects only the cyclic collector could free
    gc.enable()
    return held / nodes, nodes, left_for_collector == 0


def chain_backward(value_cls: type, n: int) -> float:
    x = value_cls(0.5)
    y = x
    for _ in range(n):
        y = y * 1.0000001
    start = time.perf_counter()
    y.backward()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--steps", type=int, default=5, help="consecutive steps per engine per round")
    args = parser.parse_args()
    engines: dict[str, type] = {"scratchgrad": Value}
    try:
        from micrograd.engine import Value as MicroValue

        engines["micrograd"] = MicroValue
    except ImportError:
        print("micrograd not installed (pip install micrograd==0.1.0): showing ours only")

    times = time_steps(engines, args.rounds, args.steps)
    print(f"moons training step (MLP 2-16-16-1, 100 points), {args.rounds} rounds x {args.steps} steps, gc on:")
    for name, ts in times.items():
        print(f"  {name:12s} min {min(ts) * 1e3:8.1f} ms   median {statistics.median(ts) * 1e3:8.1f} ms")
    if "micrograd" in times:
        ratio = statistics.median(times["micrograd"]) / statistics.median(times["scratchgrad"])
        ratio_min = min(times["micrograd"]) / min(times["scratchgrad"])
        print(f"  speed-up over micrograd: {ratio:.1f}x (medians), {ratio_min:.1f}x (minima)   target >= 10x")

    for name, cls in engines.items():
        per_node, nodes, freed = bytes_per_node(cls)
        print(f"memory {name:12s} {per_node:6.0f} bytes/node over {nodes} nodes; "
              f"freed by reference counting alone: {'yes' if freed else 'no'}")

    n = 100_000
    ours = chain_backward(Value, n)
    print(f"backward of a {n}-op chain: scratchgrad {ours * 1e3:.1f} ms", end="")
    if "micrograd" in engines:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 4 * n))  # micrograd's recursive toposort needs it
        try:
            theirs = chain_backward(engines["micrograd"], n)
            print(f", micrograd {theirs * 1e3:.1f} ms (ratio {theirs / ours:.1f}x)")
        except RecursionError:
            print(", micrograd: RecursionError")
        finally:
            sys.setrecursionlimit(limit)
    else:
        print()


if __name__ == "__main__":
    main()
