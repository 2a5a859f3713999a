"""`batch`: from one example to the mini-batch — each example's wishes side by side, and their average.

One column per example: its image, then the wishes of the outputs (``t − y``) and of the first
hidden layer (``−∂L/∂a``) as coloured cells; the last column is their average, which is exactly
``−∂L̄/∂b``, the gradient of the averaged loss that SGD follows. The right column prints the
check that averaging per-example gradients gives the batch gradient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from scratchgrad.viz.format import number
from scratchgrad.viz.network import style
from scratchgrad.viz.network.wishes import AverageCheck, Wishes, average_check, explain, is_untrained

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_BATCH = 16

TEXT = {
    "en": {
        "title": "From one image to the mini-batch: each example's wishes, and their average",
        "untrained": "UNTRAINED net (weights as initialised)",
        "mean": "mean",
        "outputs": "outputs:\nwish t − y",
        "hidden": "hidden layer 1:\nwish −∂L/∂a\n({n} neurons)",
        "check": "The average is the gradient training uses",
        "check_sub": "each example backpropagated alone, averaged,\nagainst one backward pass of the mean loss L̄ "
                     "({dtype})",
        "row": "{name}: max |mean ∂Lᵢ/∂θ − ∂L̄/∂θ| = {diff}\n      (largest |∂L̄/∂θ| = {scale})",
        "row_wish": "mean wish, layer {l} = −∂L̄/∂b{l}: max diff {diff}",
        "share": "Example {i} ({label}→{pred}) wants most: {share:.0%} of the\nbatch's total |t − y| is its "
                 "wish.",
        "label": "{label}→{pred}",
    },
    "ko": {
        "title": "한 장에서 미니배치로: 예제마다의 바람과 그 평균",
        "untrained": "학습 전 네트워크 (초기 가중치)",
        "mean": "평균",
        "outputs": "출력:\n바람 t − y",
        "hidden": "은닉층 1:\n바람 −∂L/∂a\n(뉴런 {n}개)",
        "check": "평균이 곧 학습에 쓰는 기울기",
        "check_sub": "예제를 하나씩 역전파해 평균한 값과\n평균 손실 L̄의 역전파 한 번을 비교 ({dtype})",
        "row": "{name}: max |평균 ∂Lᵢ/∂θ − ∂L̄/∂θ| = {diff}\n      (|∂L̄/∂θ|의 최댓값 = {scale})",
        "row_wish": "층 {l}의 평균 바람 = −∂L̄/∂b{l}: 최대 차이 {diff}",
        "share": "가장 많이 바라는 것은 예제 {i} ({label}→{pred}):\n배치 전체 |t − y|의 {share:.0%}가 "
                 "이 예제의 바람이다.",
        "label": "{label}→{pred}",
    },
}


def batch(net: Any, x: Any, t: Any, *, lang: str = "en", note: str | None = None) -> Figure:
    """The wishes of a mini-batch ``x`` (2 to 16 images) with labels ``t``, and their average, as a slide."""
    lang = style.language(lang)
    wishes = explain(net, x, t)
    n = len(wishes.labels)
    if not 2 <= n <= MAX_BATCH:
        raise ValueError(f"network view: batch() draws 2 to {MAX_BATCH} images, got {n}")
    if wishes.side is None:
        raise ValueError(f"network view: the input has {wishes.images.shape[1]} values, not a square image")
    checks = average_check(net, x, t)
    text = TEXT[lang]
    output, hidden = wishes.layers[-1], wishes.layers[0]
    with style.fonts(lang):
        fig = style.slide()
        fig.text(0.01, 0.955, text["title"], fontsize=20, weight="bold", va="center")
        sub = ([text["untrained"]] if is_untrained(net) else []) + ([note] if note else [])
        if sub:
            fig.text(0.01, 0.915, " · ".join(sub), fontsize=13, va="center", color=style.MUTED)
        left, width = 0.09, 0.53  # the columns' block, in figure fractions
        col = width / (n + 1.5)  # n examples, a gap, the mean
        xs = [left + (i + (0.5 if i == n else 0)) * col for i in range(n + 1)]
        for i in range(n):
            ax = fig.add_axes((xs[i] + 0.1 * col, 0.76, 0.8 * col, 0.8 * col * 16 / 9))
            ax.imshow(wishes.images[i].reshape(wishes.side, wishes.side), cmap=style.ACTIVITY,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(str(i + 1), fontsize=10, pad=2, color=style.MUTED)
            right = wishes.labels[i] == wishes.predicted[i]
            ax.set_xlabel(text["label"].format(label=wishes.labels[i], pred=wishes.predicted[i]), fontsize=10,
                          color="black" if right else style.NEGATIVE, labelpad=2)
        fig.text(xs[n] + col / 2, 0.8, text["mean"], ha="center", fontsize=13, weight="bold")
        _cells(fig, output.nudge, (0.47, 0.245), xs, col, text["outputs"], "output", numbers=True)
        _cells(fig, hidden.nudge, (0.04, 0.40), xs, col, text["hidden"].format(n=hidden.nudge.shape[1]),
               "hidden", numbers=False)
        _check(fig, checks, wishes, str(output.weight.dtype), text)
    return fig


def _cells(fig: Figure, rows: np.ndarray, box: tuple[float, float], xs: list[float], col: float, label: str,
           gid: str, numbers: bool) -> None:
    """Per-example wishes (one column each) and their mean (the last column), on one symmetric colour scale."""
    bottom, height = box
    values = np.column_stack([rows.T, rows.mean(axis=0)])  # (neurons, examples + 1)
    top = float(np.abs(values).max()) or 1.0
    n = rows.shape[0]
    fig.text(0.01, bottom + height / 2, label, fontsize=11, va="center")
    image = None
    for i, x in enumerate(xs):
        ax = fig.add_axes((x + 0.05 * col, bottom, 0.9 * col, height))
        image = ax.imshow(values[:, i:i + 1], cmap=style.SIGNED, vmin=-top, vmax=top, aspect="auto",
                          interpolation="nearest")
        ax.set_gid(f"cells:{gid}:{'mean' if i == n else i}")
        ax.set_xticks([])
        ax.set_yticks(range(values.shape[0]) if i == 0 and numbers else [])
        ax.tick_params(labelsize=9, length=0)
        if numbers and i == n:
            for k, v in enumerate(values[:, i]):
                ax.text(0, k, number(float(f"{v:.2g}")), ha="center", va="center", fontsize=8,
                        color="white" if abs(v) > 0.6 * top else "black", gid=f"mean:{gid}:{k}")
    bar = fig.add_axes((xs[-1] + col + 0.004, bottom, 0.008, height))
    fig.colorbar(image, cax=bar).ax.tick_params(labelsize=9)


def _check(fig: Figure, checks: list[AverageCheck], wishes: Wishes, dtype: str, text: dict[str, str]) -> None:
    x, y = 0.69, 0.85
    fig.text(x, y, text["check"], fontsize=14, weight="bold", va="top")
    y -= 0.04
    fig.text(x, y, text["check_sub"].format(dtype=dtype), fontsize=11, va="top", color=style.MUTED)
    y -= 0.09
    for check in checks:
        if check.name.startswith("mean wish"):
            line = text["row_wish"].format(l=check.name.rsplit(" ", 1)[1], diff=f"{check.max_diff:.1e}")
            y -= 0.01
        else:
            line = text["row"].format(name=check.name, diff=f"{check.max_diff:.1e}", scale=number(check.scale))
        fig.text(x, y, line, fontsize=10.5, va="top",
                 gid=f"check:{check.name}")
        y -= 0.055 if "\n" in line else 0.035
    # Which example the step mostly serves: its share of the batch's total output wish.
    total = np.abs(wishes.layers[-1].nudge).sum(axis=1)
    i = int(total.argmax())
    fig.text(x, y - 0.02, text["share"].format(i=i + 1, label=wishes.labels[i], pred=wishes.predicted[i],
                                               share=total[i] / total.sum()), fontsize=11.5, va="top",
             style="italic", gid="share")
