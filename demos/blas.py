"""How many threads BLAS may use, set at run time (threadpoolctl), so it works from Python too.

The book's net multiplies small matrices: a second BLAS thread never helped
here, and on a busy machine it made training 10-30x slower. threadpoolctl
changes the limit of the BLAS library NumPy has already loaded, so no import
has to wait for it.
"""

import os

from threadpoolctl import threadpool_info, threadpool_limits

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def use_blas_threads(threads: int | None = None) -> None:
    """Let BLAS use ``threads`` threads; None means one, unless the environment already sets a number."""
    if threads is None:
        if any(os.environ.get(name) for name in BLAS_VARIABLES):
            return  # the user's own setting, read by BLAS when it loaded
        threads = 1
    threadpool_limits(threads, user_api="blas")


def blas_threads() -> list[int]:
    """The thread limit of each BLAS library loaded in this process."""
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
