"""The one way numbers, arrays and text are written on a drawing.

Float arithmetic leaves noise such as ``220.00000000000003`` or
``2.2000000000000002``; a figure that is meant to match the book must show
``220`` and ``2.2``. Every number goes through `number` (or `data`, which uses
it), so a drawing never mixes two styles; every text (names, labels, titles,
captions) goes through `shown`, so none can be invisible, unwritable or huge.
"""

from __future__ import annotations

import math
import re
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


MAX_LINE = 120
"""Most characters a line of text on a drawing shows; a longer line is cut and ends in "…"."""

MAX_LINES = 16
"""Most lines a text on a drawing shows; the last line then says how many more there were."""


def shown(text: str) -> str:
    """``text`` as a drawing shows it: every character visible, at most `MAX_LINES` lines of `MAX_LINE` characters.

    A newline breaks the line. Other control characters become the escapes
    Python's ``repr`` writes (``\\x00``, ``\\t``, ``\\x7f``, ``\\x85``), and so do the
    characters SVG cannot hold or a renderer would drop or act on: lone
    surrogates (``\\ud800``), noncharacters (``\\ufffe``), line and paragraph
    separators and the bidirectional controls (``\\u202e``, which would reorder
    the text around them). Escapes, not the symbols ``␀`` ``␉``: few fonts have
    those, and Graphviz drew them as empty boxes.
    """
    if _INVISIBLE.search(text):  # a C-speed scan: most labels are short, plain and left as they are
        text = text.translate(_VISIBLE)
    if len(text) <= MAX_LINE and "\n" not in text:
        return text
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        lines[MAX_LINES - 1:] = [f"… {len(lines) - MAX_LINES + 1:,} more lines"]
    return "\n".join(line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…" for line in lines)


def _escape(code: int) -> str:
    """The escape ``repr`` writes for a character it does not print (``\\t``, ``\\x85``, ``\\u202e``...)."""
    return repr(chr(code))[1:-1]


_VISIBLE = {
    **{code: _escape(code) for code in [*range(0x20), *range(0x7F, 0xA0)] if code != 0x0A},  # the newline breaks
    **{code: _escape(code) for code in range(0xD800, 0xE000)},  # lone surrogates: no UTF-8 for them
    **{code: _escape(code) for code in range(0xFDD0, 0xFDF0)},  # noncharacters ...
    **{plane + low: _escape(plane + low) for plane in range(0, 0x110000, 0x10000) for low in (0xFFFE, 0xFFFF)},
    **{code: _escape(code) for code in (0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
                                         *range(0x2066, 0x206A))},  # bidi controls, line/paragraph separators
}
_INVISIBLE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_VISIBLE)) + "]")
