"""Run every demo in turn (the README's main command, ``make demo``): the book's figures, MNIST training,
the gradient check, the network view."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from scratchgrad.demos import gradient_check, network, train_mnist
from scratchgrad.demos.book_figure import TITLES, gallery
from scratchgrad.demos.book_figure import main as book_figure
from scratchgrad.demos.extras import require_demos_extra

PROG = "python -m scratchgrad.demos"
# The MNIST folder kept next to a checkout of the repository (``make demo`` runs from one).
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "mnist"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run every demo in turn: the book's figures 5-14, 5-17 and 5-29 (drawn into out/), "
                    "the book's MNIST training (out/mnist/), its gradient check, and the network view (out/network/).",
        epilog="Each demo also runs alone, e.g. python -m scratchgrad.demos.train_mnist --help, "
               "python -m scratchgrad.demos.gradient_check --help, python -m scratchgrad.viz book --help.",
        allow_abbrev=False,
    )
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder with the four MNIST files (default: ../shared/mnist beside the repository "
                             "if it exists and $MNIST_DIR is not set, else the loader's own: $MNIST_DIR, the cache)")
    return parser.parse_args(argv)


def mnist_args(data_dir: str | None = None) -> list[str]:
    """``--data-dir`` for the MNIST demos: the one given, else the folder next to the repository unless
    ``$MNIST_DIR`` names one."""
    if data_dir is not None:
        return ["--data-dir", data_dir]
    if os.environ.get("MNIST_DIR") or not SHARED_MNIST.is_dir():
        return []  # the loader's own order: $MNIST_DIR, then the download cache
    return ["--data-dir", str(SHARED_MNIST)]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    require_demos_extra(PROG)  # before the first demo: not after the figures are drawn
    for name in TITLES:
        book_figure(name, [])
    gallery([])
    print()
    train_mnist.main(mnist_args(args.data_dir))
    print()
    gradient_check.main(mnist_args(args.data_dir))
    print()
    network.main(mnist_args(args.data_dir))


if __name__ == "__main__":
    main()
