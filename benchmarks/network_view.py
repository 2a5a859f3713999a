"""How long one example's network view of the book's 784-50-10 net takes (target: under 2 s).

Run: python benchmarks/network_view.py [--repeats 5]

Times, each the median of the repeats: the engine's forward and backward (`explain`), building
the figure (`network`), and saving it as PNG and as SVG (`fig.savefig`), for the slide at
1920×1080. The weights are random but trained-looking (nonzero biases, so the title is the
trained one); drawing does not depend on their values, only on the net's size and top_k.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from scratchgrad import nn
from scratchgrad.demos.blas import use_blas_threads
from scratchgrad.viz.network import explain, network, save
from scratchgrad.viz.network.style import DPI

TARGET_S = 2.0


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def save_png(figure: object, folder: Path) -> None:
    figure.savefig(folder / "view.png", dpi=DPI, pil_kwargs={"compress_level": 1})  # as viz.network.save does


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    use_blas_threads()
    rng = np.random.default_rng(0)
    net = nn.TwoLayerNet(784, 50, 10, weight_init_std=0.1, rng=rng)
    for name in ("b1", "b2"):
        net.params[name] = 0.1 * rng.standard_normal(net.params[name].shape)
    x = np.clip(rng.normal(0.2, 0.4, 784), 0, 1).astype(np.float32)
    network(net, x, 3)  # first call: imports and font caches, not part of a view's cost
    rows = [("explain (engine forward + backward)", median_seconds(lambda: explain(net, x, 3), args.repeats))]
    with tempfile.TemporaryDirectory() as folder:
        for edges in ("weight", "grad"):
            figure = network(net, x, 3, edges=edges)
            build = median_seconds(lambda e=edges: network(net, x, 3, edges=e), args.repeats)
            png = median_seconds(lambda f=figure: save_png(f, Path(folder)), args.repeats)
            both = median_seconds(lambda f=figure: save(f, Path(folder), "view"), args.repeats)
            rows += [(f"network(..., edges={edges!r})", build), ("  saved as PNG", png),
                     ("  saved as PNG and SVG (viz.network.save)", both),
                     (f"one view, edges={edges!r}: network + PNG", build + png),
                     (f"one view, edges={edges!r}: network + PNG + SVG", build + both)]
    for name, seconds in rows:
        print(f"{name:48s} {seconds * 1e3:8.1f} ms")
    worst = max(seconds for name, seconds in rows if name.startswith("one view") and name.endswith("+ PNG"))
    print(f"slowest view as PNG {worst:.2f} s: {'within' if worst < TARGET_S else 'OVER'} the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
