"""How many threads BLAS may start — set before NumPy is first imported.

The book's net multiplies small matrices: a second BLAS thread never helped
here, and on a busy machine it made training 10-30x slower. BLAS reads these
variables once, when NumPy loads it, so this module imports nothing heavy and
its callers use it before their own imports.
"""

import os

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def use_blas_threads(threads: int | None = None) -> None:
    """Ask for ``threads`` BLAS threads; None means one, unless the environment already says."""
    for name in BLAS_VARIABLES:
        if threads is None:
            os.environ.setdefault(name, "1")
        else:
            os.environ[name] = str(threads)
