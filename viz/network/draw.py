"""`network`: one example's view of an MLP, drawn from `explain` — activations, wishes, the weights that matter.

The main axes are laid out in inches (equal aspect), so circles stay round and text sizes are
predictable: the input image on the left, edges from its pixels, each hidden layer as a column of
circles (shade: activation) with its wish bars, the outputs with softmax values and wish bars
``t − y``. The right column ranks the parameters by how much this example's cost depends on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchgrad.viz.format import number
from scratchgrad.viz.network import style
from scratchgrad.viz.network.sensitivity import ranking
from scratchgrad.viz.network.wishes import (
    LayerWishes,
    Wishes,
    explain,
    initial_first_weights,
    is_untrained,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

EDGES = ("weight", "grad")
MAX_TOP_K = 20
MAX_HIDDEN_LAYERS = 3
MAX_SHOWN = 60  # neurons per hidden column; a wider layer shows those with the strongest wishes
MAX_OUTPUTS = 16
TOP_NEURONS = 5  # incoming-weight images of the hidden neurons that want most
RIGHT = 0.675  # where the right column starts, as a fraction of the figure's width

WIDTH, HEIGHT = 10.4, 7.2  # the network axes, in inches
IMAGE = (0.2, 2.25, 2.7)  # left, bottom, side
OUTPUT_X, OUTPUT_R = 7.35, 0.2
OUTPUT_BAR_ZERO, OUTPUT_BAR_HALF = 8.95, 0.55  # the longest bar, in inches

TEXT = {
    "en": {
        "title": "What one image wants of the network",
        "image": "test image #{index}",
        "verdict": "label {label}, predicted {pred} ({p:.1%}): {right}",
        "right": "right", "wrong": "wrong",
        "untrained": "UNTRAINED net (weights as initialised)",
        "input": "input x: {side}×{side} pixels",
        "hidden": "hidden layer {l}\n{n} neurons, h = {act}(a)",
        "hidden_some": "hidden layer {l}: {shown} of {n} neurons\n(strongest wishes), h = {act}(a)",
        "output": "outputs\ny = softmax(a)",
        "wish": "wish t − y\n(longest bar: {top})",
        "ranked": "The {k} largest |∂L/∂θ| for this image",
        "times": "× typical",
        "median": "typical |∂L/∂θ| (the median of the nonzero ones) = {median};\n"
                  "{zeros:,} of {total:,} derivatives are exactly 0",
        "zero_reason": "(black pixels, neurons that are off)",
        "moves": "Changing {name} moves the cost {ratio} times as much\nas changing the typical parameter.",
        "top": "Incoming weights W1[:, j] of the\n{n} hidden neurons that want most",
        "after": "now", "before": "before\ntraining",
        "legend_weight": "edges: the {k} largest |w| into each neuron (blue +, red −; width ∝ |w|)",
        "legend_grad": "edges: the {k} largest |∂L/∂w| into each neuron, coloured by −∂L/∂w, the change this image "
                       "wants (blue: up, red: down)",
        "legend_bars": "bars: the wish −∂L/∂a for each neuron's input a (filled: after {act}'s derivative; outline: "
                       "−∂L/∂h, before it)",
        "legend_circles": "circles: shade = activation h (outputs: y); the ring marks the target t",
    },
    "ko": {
        "title": "이미지 한 장이 네트워크에 바라는 것",
        "image": "시험 이미지 #{index}",
        "verdict": "정답 {label}, 예측 {pred} ({p:.1%}): {right}",
        "right": "맞음", "wrong": "틀림",
        "untrained": "학습 전 네트워크 (초기 가중치)",
        "input": "입력 x: {side}×{side} 픽셀",
        "hidden": "은닉층 {l}\n뉴런 {n}개, h = {act}(a)",
        "hidden_some": "은닉층 {l}: 뉴런 {n}개 중 {shown}개\n(바람이 큰 순), h = {act}(a)",
        "output": "출력\ny = softmax(a)",
        "wish": "바람 t − y\n(가장 긴 막대: {top})",
        "ranked": "이 이미지의 |∂L/∂θ| 상위 {k}개",
        "times": "× 보통",
        "median": "보통의 |∂L/∂θ| (0이 아닌 값의 중앙값) = {median};\n미분 {total:,}개 중 {zeros:,}개는 정확히 0",
        "zero_reason": "(검은 픽셀, 꺼진 뉴런)",
        "moves": "{name}을(를) 바꾸면 손실이 보통 매개변수보다\n{ratio}배 더 움직인다.",
        "top": "가장 많이 바라는 은닉 뉴런 {n}개의\n입력 가중치 W1[:, j]",
        "after": "현재", "before": "학습 전",
        "legend_weight": "선: 각 뉴런으로 들어오는 |w| 상위 {k}개 (파랑 +, 빨강 −; 굵기 ∝ |w|)",
        "legend_grad": "선: 각 뉴런으로 들어오는 |∂L/∂w| 상위 {k}개, 색은 −∂L/∂w: 이 이미지가 바라는 변화 "
                       "(파랑: 증가, 빨강: 감소)",
        "legend_bars": "막대: 각 뉴런의 입력 a에 대한 바람 −∂L/∂a (채움: {act}의 미분을 거친 뒤, 테두리: 거치기 전 "
                       "−∂L/∂h)",
        "legend_circles": "원: 명암 = 활성값 h (출력은 y); 굵은 고리는 정답 t",
    },
}


def network(
    net: Any,
    x: Any,
    t: Any,
    *,
    edges: str = "weight",
    top_k: int = 4,
    lang: str = "en",
    index: int | None = None,
    note: str | None = None,
    initial: Mapping[str, np.ndarray] | None = None,
) -> Figure:
    """One example's view of ``net`` (an `nn.MLP` or `nn.TwoLayerNet` on square images) as a slide.

    ``x`` is one image, ``t`` its label. ``edges`` sizes the drawn edges by the weight or by this
    example's gradient; only the ``top_k`` strongest into each neuron are drawn. ``index`` names
    the test image in the title, ``note`` adds a line under it (e.g. how the net was trained),
    ``initial`` (the net's ``state_dict()`` before training) adds the neurons' weights before.
    """
    if edges not in EDGES:
        raise ValueError(f"network view: edges must be one of {', '.join(EDGES)}, got {edges!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or not 1 <= top_k <= MAX_TOP_K:
        raise ValueError(f"network view: top_k must be an integer from 1 to {MAX_TOP_K}, got {top_k!r}")
    lang = style.language(lang)
    wishes = explain(net, x, t)
    if len(wishes.labels) != 1:
        raise ValueError(f"network view: network() draws one image, got {len(wishes.labels)}; "
                         "use viz.network.batch() for a mini-batch")
    _check_drawable(wishes)
    before = initial_first_weights(net, initial)
    text = TEXT[lang]
    with style.fonts(lang):
        fig = style.slide()
        _title(fig, wishes, text, index, note, is_untrained(net))
        ax = fig.add_axes((0.01, 0.075, WIDTH / style.SLIDE[0], HEIGHT / style.SLIDE[1]))
        ax.set(xlim=(0, WIDTH), ylim=(0, HEIGHT), aspect="equal")
        ax.set_axis_off()
        _draw_net(ax, wishes, edges, top_k, text)
        _ranked(fig, wishes, text)
        hidden = len(wishes.layers) > 1  # an MLP of one Affine layer (softmax regression) has no hidden neurons
        if hidden:
            _top_neurons(fig, wishes, before, text)
        legend = [text[f"legend_{edges}"].format(k=top_k),
                  *([text["legend_bars"].format(act=wishes.layers[0].activation)] if hidden else []),
                  text["legend_circles"]]
        for i, line in enumerate(legend):
            fig.text(0.01, 0.062 - 0.024 * i, line, fontsize=11, color=style.MUTED, va="center")
    return fig


def _check_drawable(wishes: Wishes) -> None:
    if wishes.side is None:
        raise ValueError(f"network view: the input has {wishes.images.shape[1]} values, not a square image; "
                         "the view draws the input as one")
    hidden = len(wishes.layers) - 1
    if hidden > MAX_HIDDEN_LAYERS:
        raise ValueError(f"network view: {hidden} hidden layers; the view draws at most {MAX_HIDDEN_LAYERS}")
    outputs = wishes.probs.shape[1]
    if outputs > MAX_OUTPUTS:
        raise ValueError(f"network view: {outputs} outputs; the view draws at most {MAX_OUTPUTS}")


def _title(fig: Figure, wishes: Wishes, text: dict[str, str], index: int | None, note: str | None,
           untrained: bool) -> None:
    label, pred = int(wishes.labels[0]), int(wishes.predicted[0])
    head = text["title"] + (": " + text["image"].format(index=index) if index is not None else "")
    verdict = text["verdict"].format(label=label, pred=pred, p=float(wishes.probs[0, pred]),
                                     right=text["right" if label == pred else "wrong"])
    fig.text(0.01, 0.955, f"{head} — {verdict}", fontsize=20, weight="bold", va="center")
    sub = [text["untrained"]] if untrained else []
    if note:
        sub.append(note)
    if sub:
        fig.text(0.01, 0.915, " · ".join(sub), fontsize=13, va="center",
                 color=style.NEGATIVE if untrained else style.MUTED, weight="bold" if untrained else "normal")


# -- the network ---------------------------------------------------------------------------------------


def _draw_net(ax: Axes, wishes: Wishes, edges: str, top_k: int, text: dict[str, str]) -> None:
    from matplotlib.patches import Rectangle

    # Patches go in with add_artist, not add_patch: the limits are fixed, and add_patch's
    # autoscaling bookkeeping was a third of the time to build the figure.
    side = wishes.side
    left, bottom, size = IMAGE
    ax.imshow(wishes.images[0].reshape(side, side), cmap=style.ACTIVITY, extent=(left, left + size, bottom,
              bottom + size), interpolation="nearest", zorder=2)
    ax.add_artist(Rectangle((left, bottom), size, size, fill=False, linewidth=0.8, edgecolor="0.5", zorder=3))
    ax.text(left + size / 2, bottom + size + 0.15, text["input"].format(side=side), ha="center", fontsize=12)
    pixel = size / side
    rows, cols = np.divmod(np.arange(side * side), side)
    # where each of the layer's inputs sits: (x, y, shown) — pixels for the first layer
    sources = (left + (cols + 0.5) * pixel, bottom + size - (rows + 0.5) * pixel, np.arange(side * side))
    hidden = wishes.layers[:-1]
    columns = _hidden_columns(len(hidden))
    for number_, (layer, (x, half)) in enumerate(zip(hidden, columns, strict=True), start=1):
        shown = _shown(layer)
        ys = _rows(len(shown), 0.35, HEIGHT - 0.55, 0.6)
        radius = min(0.065, 0.4 * (ys[0] - ys[1])) if len(ys) > 1 else 0.065
        _edges(ax, layer, edges, top_k, sources, shown, x - radius, ys)
        _hidden_column(ax, layer, number_, shown, x, ys, radius, half, text)
        sources = (np.full(len(shown), x + radius + 2 * half + 0.15), ys, shown)
    output = wishes.layers[-1]
    classes = np.arange(output.pre.shape[1])
    ys = _rows(len(classes), 1.0, HEIGHT - 1.2, 0.55)
    _edges(ax, output, edges, top_k, sources, classes, OUTPUT_X - OUTPUT_R, ys)
    _output_column(ax, output, int(wishes.labels[0]), ys, text)


def _hidden_columns(count: int) -> list[tuple[float, float]]:
    """(x of the circles, half-width of the wish bars) per hidden column, spread between image and outputs."""
    half = {1: 0.55, 2: 0.4, 3: 0.3}[count] if count else 0.0
    span = 2 * half + 0.35  # circle, bars and the port the outgoing edges leave from
    start, end = IMAGE[0] + IMAGE[2], OUTPUT_X - OUTPUT_R
    gap = (end - start - count * span) / (count + 1)
    return [(start + gap * (i + 1) + span * i + 0.1, half) for i in range(count)]


def _rows(count: int, low: float, high: float, max_step: float) -> np.ndarray:
    """``count`` y positions from the top down, evenly spaced, centred, at most ``max_step`` apart."""
    step = min((high - low) / max(count - 1, 1), max_step)
    middle = (low + high) / 2
    return middle + step * ((count - 1) / 2 - np.arange(count))


def _shown(layer: LayerWishes) -> np.ndarray:
    """Indices of the neurons drawn: all of them, or the MAX_SHOWN with the strongest wishes, in order."""
    n = layer.pre.shape[1]
    if n <= MAX_SHOWN:
        return np.arange(n)
    strength = np.abs(layer.nudge_out[0])
    return np.sort(np.argsort(-strength, kind="stable")[:MAX_SHOWN])


def _edge_values(layer: LayerWishes, edges: str) -> np.ndarray:
    """What an edge shows: the weight, or −∂L/∂w (the change this example wants)."""
    return layer.weight if edges == "weight" else -layer.weight_grad


def _edges(ax: Axes, layer: LayerWishes, edges: str, top_k: int, sources: tuple, targets: np.ndarray,
           x_end: float, y_end: np.ndarray) -> None:
    """The ``top_k`` strongest edges into each drawn neuron, from the drawn sources only; zero ones are left out."""
    from matplotlib.collections import LineCollection

    x_start, y_start, shown_sources = sources
    values = _edge_values(layer, edges)[np.ix_(shown_sources, targets)]  # (sources, targets)
    k = min(top_k, len(shown_sources))
    strongest = np.argsort(-np.abs(values), axis=0, kind="stable")[:k]  # (k, targets)
    cols = np.broadcast_to(np.arange(len(targets)), strongest.shape)
    picked = values[strongest, cols]
    keep = picked != 0
    src, dst, picked = strongest[keep], cols[keep], picked[keep]
    if not picked.size:
        return
    segments = np.stack([np.column_stack([x_start[src], y_start[src]]),
                         np.column_stack([np.full(len(dst), x_end), y_end[dst]])], axis=1)
    widths = 0.3 + 2.7 * np.abs(picked) / np.abs(picked).max()
    ax.add_collection(LineCollection(segments, colors=style.signed_colour(picked), linewidths=widths, alpha=0.6,
                                     zorder=1, gid=f"edges:{layer.weight.shape}"))


def _hidden_column(ax: Axes, layer: LayerWishes, number_: int, shown: np.ndarray, x: float, ys: np.ndarray,
                   radius: float, half: float, text: dict[str, str]) -> None:
    from matplotlib.patches import Circle, Rectangle

    activity = layer.out[0, shown]
    top = float(np.abs(activity).max()) or 1.0
    n = layer.pre.shape[1]
    header = text["hidden"] if len(shown) == n else text["hidden_some"]
    ax.text(x + half, HEIGHT - 0.1, header.format(l=number_, n=n, shown=len(shown), act=layer.activation),
            ha="center", va="top", fontsize=12)
    zero = x + radius + 0.05 + half
    ax.plot([zero, zero], [ys[-1] - radius, ys[0] + radius], color="0.6", linewidth=0.6, zorder=2)
    wish_out, wish = layer.nudge_out[0, shown], layer.nudge[0, shown]
    scale = half / (float(max(np.abs(wish_out).max(), np.abs(wish).max())) or 1.0)
    bar = 0.7 * (ys[0] - ys[1]) if len(ys) > 1 else 0.1
    for j, y, a, w_out, w in zip(shown, ys, activity, wish_out, wish, strict=True):
        ax.add_artist(Circle((x, y), radius, facecolor=style.activity(0.1 + 0.9 * a / top), edgecolor="0.3",
                            linewidth=0.5, zorder=3))
        ax.text(x - radius - 0.04, y, str(j), ha="right", va="center", fontsize=6.5, color=style.MUTED, zorder=4)
        ax.add_artist(Rectangle((zero, y - bar / 2), w_out * scale, bar, fill=False, linewidth=0.6,
                               edgecolor=style.signed_colour(w_out), zorder=3, gid=f"nudge_out:{number_}:{j}"))
        ax.add_artist(Rectangle((zero, y - bar / 2), w * scale, bar, facecolor=style.signed_colour(w),
                               linewidth=0, zorder=3, gid=f"nudge:{number_}:{j}"))


def _output_column(ax: Axes, layer: LayerWishes, label: int, ys: np.ndarray, text: dict[str, str]) -> None:
    from matplotlib.patches import Circle, Rectangle

    probs, wish = layer.out[0], layer.nudge[0]
    top = float(np.abs(wish).max())
    scale = OUTPUT_BAR_HALF / (top or 1.0)  # the numbers beside the bars say how long is how much
    ax.text(OUTPUT_X + 0.3, HEIGHT - 0.1, text["output"], ha="center", va="top", fontsize=12)
    ax.text(OUTPUT_BAR_ZERO + 0.4, HEIGHT - 0.1, text["wish"].format(top=number(top)), ha="center", va="top",
            fontsize=12)
    ax.plot([OUTPUT_BAR_ZERO] * 2, [ys[-1] - 0.25, ys[0] + 0.25], color="0.6", linewidth=0.6, zorder=2)
    for k, (y, p, w) in enumerate(zip(ys, probs, wish, strict=True)):
        target = k == label
        ax.add_artist(Circle((OUTPUT_X, y), OUTPUT_R, facecolor=style.activity(0.05 + 0.95 * p),
                            edgecolor="black" if target else "0.3", linewidth=3 if target else 0.6, zorder=3))
        ax.text(OUTPUT_X, y, str(k), ha="center", va="center", fontsize=12, weight="bold",
                color="white" if p > 0.5 else "black", zorder=4)
        ax.text(OUTPUT_X + OUTPUT_R + 0.08, y, f"{p:.4f}", va="center", fontsize=11,
                weight="bold" if target else "normal", gid=f"y:{k}")
        ax.add_artist(Rectangle((OUTPUT_BAR_ZERO, y - 0.15), w * scale, 0.3,
                               facecolor=style.signed_colour(w), linewidth=0, zorder=3, gid=f"wish:{k}"))
        ax.text(OUTPUT_BAR_ZERO + OUTPUT_BAR_HALF + 0.07, y, _signed(w), va="center", fontsize=11,
                color=style.signed_colour(w), gid=f"wish_text:{k}")


def _signed(x: float) -> str:
    text = number(float(x))
    return text if text.startswith("-") or text == "0" else f"+{text}"


# -- the right column --------------------------------------------------------------------------------------


def _ranked(fig: Figure, wishes: Wishes, text: dict[str, str]) -> None:
    rows, median, zeros, total = ranking(wishes)
    x0, y = RIGHT, 0.87
    fig.text(x0, y, text["ranked"].format(k=len(rows)), fontsize=13, weight="bold", va="top")
    y -= 0.04
    columns = (x0, x0 + 0.022, x0 + 0.205, x0 + 0.27)
    for column, head, align in zip(columns, ("", "θ", "∂L/∂θ", text["times"]), ("left", "left", "right", "right"),
                                   strict=True):
        fig.text(column, y, head, fontsize=11, color=style.MUTED, va="top", ha=align)
    for rank, (name, derivative, ratio) in enumerate(rows, start=1):
        y -= 0.027
        cells = (f"{rank}.", name, number(derivative), f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×")
        for column, cell, align in zip(columns, cells, ("left", "left", "right", "right"), strict=True):
            fig.text(column, y, cell, fontsize=11, va="top", ha=align,
                     family="DejaVu Sans Mono" if align == "right" else None, gid=f"rank:{rank}:{cell}")
    y -= 0.035
    fig.text(x0, y, text["median"].format(median=number(median), zeros=zeros, total=total)
             + ("\n" + text["zero_reason"] if zeros else ""), fontsize=10.5, color=style.MUTED, va="top")
    if rows:
        y -= 0.09
        name, _, ratio = rows[0]
        fig.text(x0, y, text["moves"].format(name=name, ratio=f"{ratio:,.0f}"), fontsize=12, va="top",
                 color="black", style="italic")


def _top_neurons(fig: Figure, wishes: Wishes, before: np.ndarray | None, text: dict[str, str]) -> None:
    """Small 28×28 pictures of W1[:, j] for the first-layer neurons with the strongest wishes (and before training)."""
    from matplotlib.patches import Rectangle

    first = wishes.layers[0]
    side = wishes.side
    strongest = np.argsort(-np.abs(first.nudge[0]), kind="stable")[:TOP_NEURONS]
    strongest = strongest[first.nudge[0, strongest] != 0]
    if not strongest.size:
        return
    fig.text(RIGHT, 0.375, text["top"].format(n=len(strongest)), fontsize=12, weight="bold", va="top")
    rows = [("after", first.weight)] + ([("before", before)] if before is not None else [])
    # one axes in inches for all the pictures: an axes per picture would cost ~30 ms each to make and draw
    fig_w, fig_h = style.SLIDE
    left, bottom, width, height = (RIGHT + 0.05) * fig_w, 0.4, (0.995 - RIGHT - 0.05) * fig_w, 0.24 * fig_h
    ax = fig.add_axes((left / fig_w, bottom / fig_h, width / fig_w, height / fig_h))
    ax.set(xlim=(0, width), ylim=(0, height), aspect="equal")
    ax.set_axis_off()
    size, step = 0.74, 0.86  # inches
    for r, (key, weights) in enumerate(rows):
        y = height - 0.3 - size - r * (size + 0.5)
        fig.text(RIGHT, (bottom + y + size / 2) / fig_h, text[key], fontsize=10, va="center", color=style.MUTED)
        for c, j in enumerate(strongest):
            x = c * step
            w = weights[:, j].reshape(side, side)
            top = float(np.abs(w).max()) or 1.0
            ax.imshow(w, cmap=style.SIGNED, vmin=-top, vmax=top, interpolation="nearest",
                      extent=(x, x + size, y, y + size))
            ax.add_artist(Rectangle((x, y), size, size, fill=False, linewidth=0.6, edgecolor="0.3"))
            if r == 0:
                ax.text(x + size / 2, y + size + 0.05, f"h{j}", ha="center", fontsize=10)
                ax.text(x + size / 2, y - 0.05, _signed(float(f"{first.nudge[0, j]:.2g}")), ha="center", va="top",
                        fontsize=9, color=style.signed_colour(first.nudge[0, j]))
