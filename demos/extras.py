"""The demos' own requirements, the ``demos`` extra: matplotlib for the MNIST plots, threadpoolctl for the BLAS
thread limit. The library needs neither, so each demo command checks for them first and names the fix in one
line rather than failing with a traceback, possibly after minutes of training.
"""

import importlib.util
import sys

DEMOS_EXTRA = ("matplotlib", "threadpoolctl")


def require_demos_extra(prog: str) -> None:
    """Exit with status 2 and one line on stderr if a package of the ``demos`` extra is missing."""
    missing = [name for name in DEMOS_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        print(f"{prog}: error: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing "
              "(the demos extra): pip install 'scratchgrad[demos]'", file=sys.stderr)
        raise SystemExit(2)
