"""The one way numbers and arrays are written on a drawing.

Float arithmetic leaves noise such as ``220.00000000000003`` or
``2.2000000000000002``; a figure that is meant to match the book must show
``220`` and ``2.2``. Every label goes through `number` (or `data`, which uses
it), so a drawing never mixes two styles.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

DIGITS = 4
"""Significant digits kept: the book's figures show values such as 0.01821 and 74.12."""

_EXACT_INTEGERS = 10**9
"""Whole numbers below this are written out in full (prices in won, counts), not as 1.235e8."""

_SMALL_TENSOR = 6
"""Tensors with at most this many elements show their values, not only their shape."""


def number(x: float) -> str:
    """``x`` with `DIGITS` significant digits, no trailing zeros and never ``-0``.

    Plain decimals for magnitudes from 1e-4 up to 1e6, exponent notation
    (``1e-9``, ``1.235e8``) outside that range, except that whole numbers
    below a billion are written out exactly.
    """
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0.0:
        return "0"  # also for -0.0
    if x.is_integer() and abs(x) < _EXACT_INTEGERS:
        return str(int(x))
    exponent = math.floor(math.log10(abs(x)))
    if -4 <= exponent < 6:
        return _strip_zeros(f"{x:.{max(DIGITS - 1 - exponent, 0)}f}")
    mantissa, _, power = f"{x:.{DIGITS - 1}e}".partition("e")
    return f"{_strip_zeros(mantissa)}e{int(power)}"


def _strip_zeros(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def data(value: Any) -> str:
    """A node's data as label text: a number, or a tensor's shape and dtype.

    Anything with ``.shape`` and ``.dtype`` counts as a tensor (duck typing, so
    NumPy arrays and future tensor kinds both work). Small tensors also show
    their values, one matrix row per line.
    """
    shape = getattr(value, "shape", None)
    if shape is None:
        return number(value)
    header = f"{tuple(shape)} {value.dtype}"
    array = np.asarray(value)
    if array.size > _SMALL_TENSOR:
        return header
    values = np.array2string(array, separator=", ", formatter={"all": number})
    return f"{header}\n{values}"
