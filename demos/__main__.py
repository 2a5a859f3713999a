"""Run every demo in turn (the README's main command, ``make demo``)."""

import os

from demos.blas import use_blas_threads

# BLAS reads its thread count once, when NumPy loads, and every demo below imports NumPy: ask for the
# MNIST training's one thread first. That keeps all demos in this one process, output in order.
use_blas_threads()

from pathlib import Path  # noqa: E402

from demos import gradient_check, train_mnist  # noqa: E402
from demos.book_figure import TITLES  # noqa: E402
from demos.book_figure import main as book_figure  # noqa: E402

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "mnist"


def mnist_args() -> list[str]:
    """``--data-dir`` for the MNIST folder kept next to the repository, unless ``$MNIST_DIR`` names one."""
    if os.environ.get("MNIST_DIR") or not SHARED_MNIST.is_dir():
        return []  # the loader's own order: $MNIST_DIR, then the download cache
    return ["--data-dir", str(SHARED_MNIST)]


def main() -> None:
    for name in TITLES:
        book_figure(name, [])
    print()
    train_mnist.main(mnist_args())
    print()
    gradient_check.main(mnist_args())


if __name__ == "__main__":
    main()
