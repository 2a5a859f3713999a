"""The network view on real MNIST: train the book's net briefly, then draw what test images want of it.

Trains the book's 784-50-10 ``TwoLayerNet`` (SGD, lr 0.1, batches of 100, as in ch. 5; 3,000
iterations by default — 94–95% test accuracy, against 97% after the book's 10,000 — so the
demo stays quick), then writes to ``--out``, each as PNG and SVG:

* ``network-<i>.*`` — one test image's wishes (``--index``; by default the first image the net
  gets right and the first it gets wrong), and ``network-<i>-untrained.*`` for the net before training;
* ``neurons.*`` — every hidden neuron's incoming weights, before and after training;
* ``batch.*`` — a mini-batch of ten test images, each one's wishes and their average;
* ``descent.*`` — full-batch GD against SGD (batches 1, 10, 100), measured on a 2-D slice;
* ``page.html`` — one self-contained page to click through 20 test images and step through
  snapshots of the training (iterations 0, 10, 30, 100, ...) and watch the wishes shrink.

The views are computed on a float64 copy of the trained net (so the checks print float64
rounding); training and the GD/SGD runs use float32, as training does.

Run: ``python -m scratchgrad.demos.network [--lang en] [--edges grad] [--index 0 8]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from scratchgrad import nn
from scratchgrad.demos import train_mnist
from scratchgrad.demos.blas import use_blas_threads
from scratchgrad.demos.extras import require_demos_extra
from scratchgrad.nn.data import FILES, cache_dir
from scratchgrad.viz import network as view
from scratchgrad.viz.network import batch, descent_figure, gd_vs_sgd, neurons, page, save
from scratchgrad.viz.network.draw import EDGES, MAX_TOP_K
from scratchgrad.viz.network.style import LANGUAGES

PROG = "python -m scratchgrad.demos.network"
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "mnist"
BATCH = 10  # test images in the mini-batch view
PAGE_IMAGES = 20  # test images on the HTML page
PROBLEM = 10_000  # training images in the GD/SGD problem

NOTE = {
    "en": "784-50-10 (the book's TwoLayerNet) after {iters:,} SGD iterations (batch 100, lr 0.1; the book runs "
          "10,000): test accuracy {acc:.1%}",
    "ko": "784-50-10 (책의 TwoLayerNet), SGD {iters:,}회 학습 후 (배치 100, 학습률 0.1; 책은 10,000회): "
          "시험 정확도 {acc:.1%}",
}
UNTRAINED_NOTE = {
    "en": "784-50-10, weights drawn with std 0.01, biases 0",
    "ko": "784-50-10, 가중치 표준편차 0.01, 편향 0",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0], allow_abbrev=False)
    add = parser.add_argument
    add("--data-dir", metavar="DIR",
        help="folder with the four MNIST files (default: $MNIST_DIR, else the cache, else ../shared/mnist)")
    add("--out", metavar="DIR", type=Path, default=Path("out/network"), help="(default: out/network)")
    add("--lang", choices=LANGUAGES, default="ko", help="labels in Korean or English (default: ko)")
    add("--edges", choices=EDGES, default="weight", help="edge size by |w| or by |∂L/∂w| (default: weight)")
    add("--top-k", type=_top_k, default=4, metavar="K",
        help=f"edges drawn into each neuron, 1-{MAX_TOP_K} (default: 4)")
    add("--index", type=_index, nargs="+", metavar="N",
        help="test images to draw (default: the first the net gets right and the first it gets wrong)")
    add("--iters", type=train_mnist.positive_int, default=3000, metavar="N", help="training iterations (default: 3000)")
    add("--seed", type=int, default=0, metavar="N", help="seed of the weights, the batches, the slice (default: 0)")
    add("--descent-seconds", type=train_mnist.positive_float, default=1.0, metavar="S",
        help="training time of each GD/SGD run (default: 1.0)")
    add("--no-descent", action="store_true", help="skip the GD/SGD measurement (the slowest part, ~10 s)")
    return parser.parse_args(argv)


def _top_k(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_TOP_K:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_TOP_K}, got {value}")
    return value


def _index(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a test-set index (0 or more), got {value}")
    return value


def default_data_dir() -> str | None:
    """None (the loader's $MNIST_DIR, then the cache) unless neither has the files and ../shared/mnist does."""
    cache = cache_dir()
    cached = all((cache / name).is_file() or (cache / f"{name}.gz").is_file() for name in FILES)
    if os.environ.get("MNIST_DIR") or cached or not SHARED_MNIST.is_dir():
        return None
    return str(SHARED_MNIST)


def main(argv: list[str] | None = None) -> list[Path]:
    """Train, draw every view into ``--out``; returns the files written."""
    args = parse_args(argv)
    require_demos_extra(PROG)
    use_blas_threads()
    data = train_mnist.load_data(PROG, args.data_dir or default_data_dir(), "float32")
    (x_train, t_train), (x_test, t_test) = data
    bad = [i for i in args.index or [] if i >= len(x_test)]
    if bad:
        print(f"{PROG}: error: --index {bad[0]} is out of range: the test set has {len(x_test)} images",
              file=sys.stderr)
        raise SystemExit(2)
    rng = np.random.default_rng(args.seed)
    net = train_mnist.make_net("autograd", 50, "float32", rng)
    start = net.state_dict()
    print(f"network view: training 784-50-10 for {args.iters:,} SGD iterations ...")
    snapshots = [(0, start)]
    for done in _snapshot_iterations(args.iters):
        # the book's loop in pieces (the same rng draws the same batches as one run would), to keep snapshots
        train_mnist.train(net, "sgd", None, data, done - snapshots[-1][0], 100, rng, verbose=False)
        snapshots.append((done, net.state_dict()))
    accuracy = net.accuracy(x_test, t_test)
    before, after = (_float64(state) for state in (start, net.state_dict()))
    note = NOTE[args.lang].format(iters=args.iters, acc=accuracy)
    indices = args.index or _right_and_wrong(after, x_test, t_test)
    written = []
    for i in indices:
        fig = view(after, x_test[i], int(t_test[i]), edges=args.edges, top_k=args.top_k, lang=args.lang, index=i,
                   note=note, initial=start)
        written += save(fig, args.out, f"network-{i}")
    fig = view(before, x_test[indices[0]], int(t_test[indices[0]]), edges=args.edges, top_k=args.top_k,
               lang=args.lang, index=indices[0], note=UNTRAINED_NOTE[args.lang])
    written += save(fig, args.out, f"network-{indices[0]}-untrained")
    written += save(neurons(after, start, lang=args.lang, note=note), args.out, "neurons")
    written += save(batch(after, x_test[:BATCH], t_test[:BATCH], lang=args.lang, note=note), args.out, "batch")
    written.append(page(after, snapshots, x_test[:PAGE_IMAGES], t_test[:PAGE_IMAGES], args.out / "page.html",
                        lang=args.lang, note=note))
    lines = [f"test accuracy {accuracy:.4f}; drew test images {', '.join(map(str, indices))}"]
    if not args.no_descent:
        size = min(PROBLEM, len(x_train))
        batch_sizes = tuple(b for b in (1, 10, 100) if b < size)
        descent = gd_vs_sgd(net, x_train[:size], t_train[:size], start, net.state_dict(), batch_sizes=batch_sizes,
                            seconds=args.descent_seconds, seed=args.seed)
        written += save(descent_figure(descent, lang=args.lang), args.out, "descent")
        for run in descent.runs:
            name = "GD" if run.full else f"SGD batch {run.batch_size}"
            reached = run.time_to(descent.target)
            lines.append(f"{name}: {len(run.path) - 1} steps in {run.seconds[-1]:.2f} s, ending at loss "
                         f"{run.losses[-1]:.3f}; within 5% of the best ({descent.target:.3f}) "
                         + (f"after {reached * 1e3:.1f} ms" if reached is not None else "never"))
    print("\n".join(lines))
    print("wrote " + ", ".join(str(path) for path in written if path.suffix in (".png", ".html")) + " (and .svg)")
    return written


def _snapshot_iterations(iters: int) -> list[int]:
    """10, 30, 100, 300, 1000, 3000, ... up to ``iters``, and ``iters`` itself."""
    marks = [m for m in (10 ** (k // 2) * (1 if k % 2 == 0 else 3) for k in range(2, 20)) if m < iters]
    return [*marks, iters]


def _float64(state: dict[str, np.ndarray]) -> nn.TwoLayerNet:
    """A float64 TwoLayerNet with these weights."""
    net = nn.TwoLayerNet(784, 50, 10, dtype=np.float64)
    net.load_state_dict(state)
    return net


def _right_and_wrong(net: nn.TwoLayerNet, x: np.ndarray, t: np.ndarray) -> list[int]:
    """The first test image the net classifies right and the first it gets wrong (if any)."""
    right = net.predict(x).argmax(axis=1) == t
    return [int(np.flatnonzero(right == r)[0]) for r in (True, False) if (right == r).any()]


if __name__ == "__main__":
    main()
