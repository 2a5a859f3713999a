"""One MNIST training step (784-50-10, batch 100, float32), side by side in one process.

Run: python benchmarks/mnist_step.py [--blocks 40] [--full]

Times, interleaved block by block so all see the same machine load:
  autograd   our nn.TwoLayerNet: forward, backward, nn.optim.SGD (in place)
  traced     the same net and optimizer, the step traced once (autograd.trace) into straight-line NumPy
  manual     nn.manual.TwoLayerNet: the book's hand-written layers, gradient() + update
  numpy      a hand-written float32 NumPy step: no layer objects, no input gradient
  torch      PyTorch CPU (only if installed: pip install torch==2.13.0)
  matmuls    the five matrix products of a step alone: the floor no engine can go below
Targets: autograd <= 1.3x numpy and <= 0.6x torch per step; with --full, 10,000
training iterations (batch sampling included; the engines take turns, 500 iterations
at a time) in <= 0.6x PyTorch's time.
BLAS runs on one thread (two never helped this small net here).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from scratchgrad import nn
from scratchgrad.autograd import trace
from scratchgrad.demos.blas import use_blas_threads

BATCH, SIZES, LR = 100, (784, 50, 10), 0.1
Step = Callable[[np.ndarray, np.ndarray], None]


def batches(count: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """MNIST-shaped batches: random pixels in [0, 1] and labels (timing does not depend on the values)."""
    rng = np.random.default_rng(seed)
    return [
        (rng.random((BATCH, SIZES[0]), dtype=np.float32), rng.integers(0, SIZES[2], BATCH)) for _ in range(count)
    ]


def autograd_step() -> Step:
    net = nn.TwoLayerNet(*SIZES, rng=0)
    optimizer = nn.optim.SGD(net.parameters(), lr=LR)

    def step(x: np.ndarray, t: np.ndarray) -> None:
        optimizer.zero_grad()
        net.last_layer(net(x), t).backward()
        optimizer.step()

    return step


def traced_step() -> tuple[Step, float]:
    """The traced step, and the seconds that tracing took (one eager step, the source written and compiled)."""
    net = nn.TwoLayerNet(*SIZES, rng=0)
    optimizer = nn.optim.SGD(net.parameters(), lr=LR)
    x, t = batches(1)[0]
    start = time.perf_counter()
    traced = trace(lambda x, t: net.last_layer(net(x), t), x, t)
    seconds = time.perf_counter() - start

    def step(x: np.ndarray, t: np.ndarray) -> None:
        traced(x, t)  # sets every parameter's .grad, as zero_grad() + backward() do
        optimizer.step()

    return step, seconds


def matmul_floor() -> Step:
    rng = np.random.default_rng(0)
    W1, W2 = rng.random(SIZES[:2], dtype=np.float32), rng.random(SIZES[1:], dtype=np.float32)
    h, y = np.empty((BATCH, SIZES[1]), np.float32), np.empty((BATCH, SIZES[2]), np.float32)
    dW1, dW2, dh = np.empty_like(W1), np.empty_like(W2), np.empty_like(h)

    def step(x: np.ndarray, t: np.ndarray) -> None:
        np.matmul(x, W1, out=h)
        np.matmul(h, W2, out=y)
        np.matmul(y, W2.T, out=dh)
        np.matmul(h.T, y, out=dW2)
        np.matmul(x.T, dh, out=dW1)

    return step


def manual_step() -> Step:
    net = nn.manual.TwoLayerNet(*SIZES, rng=0)

    def step(x: np.ndarray, t: np.ndarray) -> None:
        grads = net.gradient(x, t)
        for name, array in net.params.items():
            array -= LR * grads[name]

    return step


def numpy_step() -> Step:
    rng = np.random.default_rng(0)
    W1 = (0.01 * rng.standard_normal(SIZES[:2])).astype(np.float32)
    W2 = (0.01 * rng.standard_normal(SIZES[1:])).astype(np.float32)
    b1, b2 = np.zeros(SIZES[1], np.float32), np.zeros(SIZES[2], np.float32)
    rows = np.arange(BATCH)

    def step(x: np.ndarray, t: np.ndarray) -> None:
        nonlocal W1, b1, W2, b2  # updated in place; nonlocal only because `-=` names them
        a1 = x @ W1 + b1
        z1 = np.maximum(a1, 0)
        a2 = z1 @ W2 + b2
        e = np.exp(a2 - a2.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
        y[rows, t] -= 1
        y /= BATCH  # dL/da2 = (y - t) / N
        dz1 = y @ W2.T
        dz1 *= a1 > 0
        W2 -= LR * (z1.T @ y)
        b2 -= LR * y.sum(axis=0)
        W1 -= LR * (x.T @ dz1)
        b1 -= LR * dz1.sum(axis=0)

    return step


def torch_step() -> Step | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 50), torch.nn.ReLU(), torch.nn.Linear(50, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(x: np.ndarray, t: np.ndarray) -> None:
        optimizer.zero_grad()
        loss_fn(model(torch.from_numpy(x)), torch.from_numpy(t)).backward()
        optimizer.step()

    return step


def time_blocks(steps: dict[str, Step], blocks: int, per_block: int) -> dict[str, list[float]]:
    data = batches(per_block)
    times: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():  # warm up: first calls allocate and fill caches
        for x, t in data[:5]:
            step(x, t)
    for _ in range(blocks):
        for name, step in steps.items():
            start = time.perf_counter()
            for x, t in data:
                step(x, t)
            times[name].append((time.perf_counter() - start) / per_block)
    return times


def time_training(steps: dict[str, Step], iterations: int, chunk: int = 500) -> dict[str, float]:
    """Seconds for ``iterations`` steps on batches sampled with replacement from 60,000 rows.

    The engines take turns, ``chunk`` iterations at a time, so that all of them see the
    same machine load; each chunk's batches are the same for every engine.
    """
    rng = np.random.default_rng(0)
    images = rng.random((60_000, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[2], 60_000)
    seconds = dict.fromkeys(steps, 0.0)
    for first in range(0, iterations, chunk):
        for name, step in steps.items():
            sampler = np.random.default_rng(first)
            start = time.perf_counter()
            for _ in range(min(chunk, iterations - first)):
                chosen = sampler.integers(0, len(images), BATCH)
                step(images[chosen], labels[chosen])
            seconds[name] += time.perf_counter() - start
    return seconds


def main() -> None:
    use_blas_threads()  # one BLAS thread for NumPy; PyTorch is set to one thread in torch_step
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=40, help="interleaved blocks (median over them)")
    parser.add_argument("--per-block", type=int, default=25, help="steps per block")
    parser.add_argument("--full", action="store_true", help="also time 10,000 training iterations")
    args = parser.parse_args()
    traced, trace_seconds = traced_step()
    steps: dict[str, Step] = {
        "autograd": autograd_step(), "traced": traced, "manual": manual_step(), "numpy": numpy_step(),
        "matmuls": matmul_floor(),
    }
    torch = torch_step()
    if torch is None:
        print("PyTorch not installed (pip install torch==2.13.0): no torch column")
    else:
        steps["torch"] = torch
    times = time_blocks(steps, args.blocks, args.per_block)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"MNIST training step, batch {BATCH}, 784-50-10, float32, 1 BLAS thread, "
          f"median of {args.blocks} interleaved blocks of {args.per_block}:")
    for name, median in medians.items():
        print(f"  {name:9s} {median * 1e6:7.0f} us/step   ({median / medians['numpy']:.2f}x numpy)")
    print(f"  autograd / numpy = {medians['autograd'] / medians['numpy']:.2f}   (target <= 1.3)")
    print(f"  traced / numpy = {medians['traced'] / medians['numpy']:.2f}   (target <= 0.95)")
    print(f"  traced / matmuls = {medians['traced'] / medians['matmuls']:.2f}   (target <= 1.5)")
    print(f"  traced / autograd = {medians['traced'] / medians['autograd']:.2f}")
    saved = medians["autograd"] - medians["traced"]
    paid = f"pays for itself after {trace_seconds / saved:.0f} steps" if saved > 0 else "never pays for itself"
    print(f"  tracing (one eager step, source written and compiled): {trace_seconds * 1e3:.1f} ms, {paid}")
    if "torch" in medians:
        print(f"  autograd / torch = {medians['autograd'] / medians['torch']:.2f}   (target <= 0.6)")
    if args.full:
        runs = {name: steps[name] for name in ("autograd", "numpy", "torch") if name in steps}
        seconds = time_training(runs, 10_000)
        print("10,000 training iterations (batch sampling included, interleaved by 500): "
              + ", ".join(f"{name} {s:.1f} s" for name, s in seconds.items()))
        if "torch" in seconds:
            print(f"  autograd / torch = {seconds['autograd'] / seconds['torch']:.2f}   (target <= 0.6)")


if __name__ == "__main__":
    main()
