"""Run every demo in turn (the README's main command, ``make demo``)."""

import os
from pathlib import Path

from scratchgrad.demos import gradient_check, train_mnist
from scratchgrad.demos.book_figure import TITLES, gallery
from scratchgrad.demos.book_figure import main as book_figure

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "mnist"


def mnist_args() -> list[str]:
    """``--data-dir`` for the MNIST folder kept next to the repository, unless ``$MNIST_DIR`` names one."""
    if os.environ.get("MNIST_DIR") or not SHARED_MNIST.is_dir():
        return []  # the loader's own order: $MNIST_DIR, then the download cache
    return ["--data-dir", str(SHARED_MNIST)]


def main() -> None:
    for name in TITLES:
        book_figure(name, [])
    gallery([])
    print()
    train_mnist.main(mnist_args())
    print()
    gradient_check.main(mnist_args())


if __name__ == "__main__":
    main()
