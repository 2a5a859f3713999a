"""`neurons`: every first-layer neuron's incoming weights W1[:, j] as an image, before and after training."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchgrad.viz.network import style
from scratchgrad.viz.network.wishes import initial_first_weights, is_untrained, mlp_layers, square_side

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_NEURONS = 100

TEXT = {
    "en": {
        "title": "What the hidden neurons look for: each one's incoming weights W1[:, j] as a {side}×{side} image",
        "some": " (the first {shown} of {n})",
        "sub": "blue: a bright pixel there raises the neuron's input a; red: lowers it. Each image is scaled to its "
               "own largest |w|.",
        "before": "before training (as initialised)",
        "after": "after training",
        "now": "the net as it is",
        "untrained": "UNTRAINED net (weights as initialised)",
    },
    "ko": {
        "title": "은닉 뉴런이 찾는 것: 각 뉴런의 입력 가중치 W1[:, j]를 {side}×{side} 이미지로",
        "some": " (뉴런 {n}개 중 처음 {shown}개)",
        "sub": "파랑: 그 픽셀이 밝으면 뉴런의 입력 a가 커진다, 빨강: 작아진다. "
               "각 이미지는 자기 최대 |w|에 맞춰 칠했다.",
        "before": "학습 전 (초기값)",
        "after": "학습 후",
        "now": "현재 네트워크",
        "untrained": "학습 전 네트워크 (초기 가중치)",
    },
}


def neurons(net: Any, initial: Mapping[str, np.ndarray] | None = None, *, lang: str = "en",
            note: str | None = None) -> Figure:
    """The first layer's weights of ``net``, one small image per hidden neuron; with ``initial`` (the
    net's ``state_dict()`` before training) the same beside them as they started."""
    lang = style.language(lang)
    text = TEXT[lang]
    first = mlp_layers(net)[0][0]
    side = square_side(first.W.shape[0])
    if side is None:
        raise ValueError(f"network view: the input has {first.W.shape[0]} values, not a square image")
    before = initial_first_weights(net, initial)
    n = first.W.shape[1]
    shown = min(n, MAX_NEURONS)
    panels = [(text["before"], before), (text["after"], first.W.data)] if before is not None else [
        (text["now"], first.W.data)]
    from matplotlib.patches import Rectangle

    with style.fonts(lang):
        fig = style.slide()
        title = text["title"].format(side=side) + (text["some"].format(shown=shown, n=n) if shown < n else "")
        fig.text(0.01, 0.955, title, fontsize=19, weight="bold", va="center")
        sub = [text["untrained"]] if is_untrained(net) else []
        sub += [note] if note else []
        sub.append(text["sub"])
        fig.text(0.01, 0.91, " · ".join(sub), fontsize=12, va="center", color=style.MUTED)
        fig_w, fig_h = style.SLIDE
        gap = 0.6  # between the two panels
        panel_w = (fig_w - 0.4 - gap * (len(panels) - 1)) / len(panels)  # inches
        panel_h, top = fig_h - 1.9, fig_h - 1.55
        cols = max(range(1, shown + 1), key=lambda c: min(panel_w / c, panel_h / math.ceil(shown / c)))
        cell = min(panel_w / cols, panel_h / math.ceil(shown / cols))
        # one axes over the whole slide, in inches, for every picture: an axes per picture (100 of
        # them) took seconds to draw
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set(xlim=(0, fig_w), ylim=(0, fig_h), aspect="equal")
        ax.set_axis_off()
        size = 0.86 * cell
        for p, (label, weights) in enumerate(panels):
            left = 0.2 + p * (panel_w + gap) + (panel_w - cols * cell) / 2
            ax.text(left + cols * cell / 2, top + 0.2, label, fontsize=14, ha="center", weight="bold")
            for j in range(shown):
                r, c = divmod(j, cols)
                x, y = left + c * cell, top - (r + 1) * cell
                w = weights[:, j].reshape(side, side)
                scale = float(np.abs(w).max()) or 1.0
                ax.imshow(w, cmap=style.SIGNED, vmin=-scale, vmax=scale, interpolation="nearest",
                          extent=(x, x + size, y, y + size))
                ax.add_artist(Rectangle((x, y), size, size, fill=False, linewidth=0.6, edgecolor="0.3"))
                ax.text(x + size / 2, y + size + 0.03, str(j), fontsize=8, ha="center", va="bottom", color="0.2")
    return fig
