"""What every network-view figure shares: slide size, colours, fonts for Korean and English, saving.

matplotlib is imported only when a figure is made: ``import scratchgrad.viz`` (which exports
`viz.network`) must not pay its import, 0.7–1.2 s on this machine, for a Graphviz drawing.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LANGUAGES = ("ko", "en")
HANGUL_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", "AppleGothic")
SLIDE = (16, 9)  # inches: 16:9, saved at DPI as 1920×1080
DPI = 120
# ColorBrewer's RdBu: a diverging map that stays readable with the common colour-vision deficiencies.
# Blue is "up" (a positive weight, a wish to increase), red is "down": RdBu at 0.9 and at 0.1.
SIGNED = "RdBu"
POSITIVE, NEGATIVE = "#2065ab", "#b1182b"
ACTIVITY = "Greys"  # sequential: how active a neuron is
MUTED = "0.35"
_RGBA = {colour: (*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)), 1.0) for colour in (POSITIVE, NEGATIVE)}


def signed_colour(values: Any) -> np.ndarray:
    """RGBA per value: blue for positive (and zero), red for negative."""
    return np.where(np.asarray(values)[..., np.newaxis] >= 0, _RGBA[POSITIVE], _RGBA[NEGATIVE])


def activity(values: Any) -> Any:
    """The grey of an activation in [0, 1] (RGBA)."""
    import matplotlib as mpl

    return mpl.colormaps[ACTIVITY](values)


def language(lang: str) -> str:
    """``lang`` checked; Korean falls back to English when no installed font can draw Hangul."""
    if lang not in LANGUAGES:
        raise ValueError(f"network view: lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    if lang == "ko" and hangul_font() is None:
        return "en"
    return lang


@functools.cache
def hangul_font() -> str | None:
    """The family name of an installed font that has Hangul (Korean labels and titles), or None.

    The usual Korean fonts are tried first; any other font counts if it has a
    glyph for 학 (CJK fonts do). matplotlib's own DejaVu Sans has none.
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    fonts = sorted(font_manager.fontManager.ttflist,
                   key=lambda f: HANGUL_FONTS.index(f.name) if f.name in HANGUL_FONTS else len(HANGUL_FONTS))
    for font in fonts:
        try:
            if FT2Font(font.fname).get_char_index(ord("학")):
                return font.name
        except (OSError, RuntimeError):  # an unreadable font file is just not a candidate
            continue
    return None


@contextlib.contextmanager
def fonts(lang: str) -> Iterator[None]:
    """Text made inside uses DejaVu Sans, falling back glyph by glyph to a Hangul font for Korean.

    DejaVu comes first because it has the math glyphs (∂, −, ×) that the Korean fonts may lack.
    """
    import matplotlib as mpl

    families = ["DejaVu Sans", *([hangul_font()] if lang == "ko" else [])]
    with mpl.rc_context({"font.family": families, "axes.unicode_minus": True}):
        yield


def slide() -> Figure:
    from matplotlib.figure import Figure

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
