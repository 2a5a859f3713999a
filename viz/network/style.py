"""What every network-view figure shares: slide size, colours, fonts for Korean and English, saving."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

LANGUAGES = ("ko", "en")
SLIDE = (16, 9)  # inches: 16:9, saved at DPI as 1920×1080
DPI = 120
# ColorBrewer's RdBu: a diverging map that stays readable with the common colour-vision deficiencies.
# Blue is "up" (a positive weight, a wish to increase), red is "down".
SIGNED = mpl.colormaps["RdBu"]
POSITIVE, NEGATIVE = SIGNED(0.9), SIGNED(0.1)
ACTIVITY = mpl.colormaps["Greys"]  # sequential: how active a neuron is
MUTED = "0.35"


def signed_colour(values: np.ndarray) -> np.ndarray:
    """RGBA per value: blue for positive, red for negative."""
    return np.where(np.asarray(values)[..., np.newaxis] >= 0, POSITIVE, NEGATIVE)


def language(lang: str) -> str:
    """``lang`` checked; Korean falls back to English when no installed font can draw Hangul."""
    if lang not in LANGUAGES:
        raise ValueError(f"network view: lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    if lang == "ko" and _hangul() is None:
        return "en"
    return lang


def _hangul() -> str | None:
    from scratchgrad.demos.train_mnist import hangul_font  # the demos' one font finder (imported late: viz ≠ demo)

    return hangul_font()


@contextlib.contextmanager
def fonts(lang: str) -> Iterator[None]:
    """Text made inside uses DejaVu Sans, falling back glyph by glyph to a Hangul font for Korean.

    DejaVu comes first because it has the math glyphs (∂, −, ×) that the Korean fonts may lack.
    """
    families = ["DejaVu Sans", *([_hangul()] if lang == "ko" else [])]
    with mpl.rc_context({"font.family": families, "axes.unicode_minus": True}):
        yield


def slide() -> Figure:
    return Figure(figsize=SLIDE, dpi=DPI)


def save(fig: Figure, out: Path, name: str) -> list[Path]:
    """``name``.png and ``name``.svg in ``out`` (created if needed); returns the two paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    # NanumGothic's bold is weight 600 and DejaVu's 700: with both in the family list, matplotlib
    # logs "Failed to find font weight bold ..." for one of them while it draws the right glyphs.
    font_log = logging.getLogger("matplotlib.font_manager")
    level = font_log.level
    font_log.setLevel(logging.ERROR)
    try:
        # zlib level 1: PNG encoding took a fifth of a view's time at the default 6, for a file ~10% smaller
        fig.savefig(paths[0], dpi=DPI, pil_kwargs={"compress_level": 1})
        fig.savefig(paths[1], dpi=DPI)
    finally:
        font_log.setLevel(level)
    return paths
