"""How long viz takes to draw big graphs (and the replays), from graph to image file.

Run: python benchmarks/viz_big_graphs.py
Prints wall-clock seconds (best of --repeat runs) for:
- the full scalar training-step graph of micrograd's moons demo (MLP 2-16-16-1
  over 100 points, max-margin loss + L2; ~65,800 nodes), summarised to the
  default node budget, to SVG and to PNG; micrograd's draw_dot did not finish
  on it in 240 s;
- the Tensor MNIST net's graph (x(100,784) @ W1 + b1 -> ReLU -> @ W2 + b2 ->
  softmax-with-loss) with its shapes, to SVG;
- the backward replay (HTML page) of the book's apple-tax figure and of a
  50-node expression.
Graph building and backward are not timed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from value_step import MLP, count_nodes, make_moons, training_step

from scratchgrad import viz
from scratchgrad.autograd import Tensor, Value, softmax_cross_entropy, toposort
from scratchgrad.viz.expression import build


def moons_step() -> Value:
    """The loss of one training step of micrograd's moons demo, after backward."""
    X, y = make_moons(100, 0.1, seed=1)
    model = MLP(Value, [2, 16, 16, 1], seed=1337)
    return training_step(Value, model, X, y, 0)


def mnist_net() -> Tensor:
    """The two-layer MNIST net's loss on a batch of 100 (random data: only the shapes matter here)."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.random((100, 784), dtype=np.float32), name="x")
    W1 = Tensor(rng.normal(0, 0.01, (784, 50)), requires_grad=True, name="W1", dtype=np.float32)
    b1 = Tensor(np.zeros(50), requires_grad=True, name="b1", dtype=np.float32)
    W2 = Tensor(rng.normal(0, 0.01, (50, 10)), requires_grad=True, name="W2", dtype=np.float32)
    b2 = Tensor(np.zeros(10), requires_grad=True, name="b2", dtype=np.float32)
    loss = softmax_cross_entropy((x @ W1 + b1).relu() @ W2 + b2, rng.integers(0, 10, 100))
    loss.name = "L"
    loss.backward()
    return loss


def fifty_node_expression() -> Value:
    """A 50-node expression (36 ops over 5 inputs and 9 constants), after backward."""
    terms = " + ".join(f"tanh(x{k % 5} * {k + 1} - x{(k + 1) % 5})" for k in range(9))
    output, _ = build(f"({terms}) * x0", {f"x{k}": 0.1 * (k + 1) for k in range(5)})
    output.backward()
    return output


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="viz-bench-"))

    loss = moons_step()
    nodes = count_nodes(loss)
    dot = viz.to_dot(loss)
    print(f"moons training step: {nodes:,} nodes, drawn as {dot.count(' [label=')} DOT nodes "
          f"(max_nodes={viz.DEFAULT_MAX_NODES})")
    print(f"  to_dot (summary)      {best_of(args.repeat, lambda: viz.to_dot(loss)):6.2f} s")
    for kind in ("svg", "png"):
        seconds = best_of(args.repeat, lambda kind=kind: viz.render(loss, out / f"moons.{kind}"))
        print(f"  graph -> {kind}          {seconds:6.2f} s   (target < 5 s)")

    net = mnist_net()
    seconds = best_of(args.repeat, lambda: viz.render(net, out / "mnist.svg"))
    print(f"MNIST net (Tensor, {count_nodes(net)} nodes): graph -> svg {seconds:6.2f} s   (target < 1 s)")

    figure = viz.book.apple_tax()
    seconds = best_of(args.repeat, lambda: viz.replay(figure.root, out / "apple.html", **figure.options()))
    print(f"replay apple-tax ({len(toposort(figure.root))} frames) -> html {seconds:6.2f} s")
    expression = fifty_node_expression()
    seconds = best_of(args.repeat, lambda: viz.replay(expression, out / "fifty.html"))
    print(f"replay {count_nodes(expression)}-node expression ({len(toposort(expression))} frames) "
          f"-> html {seconds:6.2f} s")
    print(f"files in {out}")


if __name__ == "__main__":
    main()
