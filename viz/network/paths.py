"""`descent_figure`: the measured GD and SGD runs of `descent.gd_vs_sgd` on one slide.

Left, the paths on the loss contours of the plane (all of it, then close to the valley); right,
the loss of the whole problem against training time. The sentence under the title is written
from the measurements, so it says whether SGD got there faster this time — never assumed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scratchgrad.viz.network import style
from scratchgrad.viz.network.descent import Descent, Grid, Run

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

# Okabe–Ito colours, distinguishable with every common colour-vision deficiency; GD is black.
RUN_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#E69F00", "#CC79A7")

TEXT = {
    "en": {
        "title": "Gradient descent is careful and slow; stochastic gradient descent staggers but gets there faster",
        "title_not": "Gradient descent against stochastic gradient descent: here SGD did not get there faster",
        "setup": "{n:,} MNIST training images; the 784-50-10 net restricted to the plane through its weights before "
                 "training (0, 0) and after it (1, 0),\nand a random direction v. The same learning rate {lr} for all; "
                 "each run: {seconds:.1f} s of training time, measured on this machine.",
        "gd": "GD (all {n:,} per step)",
        "sgd": "SGD, batch {b}",
        "whole": "Paths on the loss L(u, v)",
        "close": "Close up: GD and batch {b}",
        "time": "The whole problem's loss against training time",
        "seconds": "training time (s, log scale)",
        "loss": "loss on all {n:,} images",
        "start": "before training", "end": "after training",
        "reached": "{name}: within 5% of the best loss (≤ {loss}) after {time} ({steps:,} steps); "
                   "{all:,} steps in {total}, ending at {end}",
        "never": "{name}: never within 5% of the best loss (≤ {loss}); {all:,} steps in {total}, ending at {end}",
        "stagger": "path length ÷ distance travelled: {ratios}",
    },
    "ko": {
        "title": "경사 하강법은 신중하고 느리다; 확률적 경사 하강법은 비틀거리지만 더 빨리 도착한다",
        "title_not": "경사 하강법 vs 확률적 경사 하강법: 이번에는 SGD가 더 빨리 도착하지 않았다",
        "setup": "MNIST 훈련 이미지 {n:,}장; 784-50-10 네트워크를 학습 전 (0, 0)과 후 (1, 0)의 가중치, "
                 "그리고 무작위 방향 v가 이루는 평면으로 제한.\n"
                 "모두 같은 학습률 {lr}; 각 실행: 이 컴퓨터에서 잰 학습 시간 {seconds:.1f}초.",
        "gd": "GD (한 단계에 {n:,}장 모두)",
        "sgd": "SGD, 배치 {b}",
        "whole": "손실 L(u, v) 위의 경로",
        "close": "확대: GD와 배치 {b}",
        "time": "학습 시간에 따른 전체 문제의 손실",
        "seconds": "학습 시간 (초, 로그 눈금)",
        "loss": "이미지 {n:,}장 전체의 손실",
        "start": "학습 전", "end": "학습 후",
        "reached": "{name}: {time} 만에 최저 손실의 5% 이내 (≤ {loss}) 도달 ({steps:,}단계); "
                   "{total} 동안 {all:,}단계, 최종 {end}",
        "never": "{name}: 최저 손실의 5% 이내 (≤ {loss})에 도달하지 못함; {total} 동안 {all:,}단계, 최종 {end}",
        "stagger": "경로 길이 ÷ 이동 거리: {ratios}",
    },
}


def descent_figure(descent: Descent, *, lang: str = "en", note: str | None = None) -> Figure:
    """The GD/SGD slide from measured runs (see `descent.gd_vs_sgd`)."""
    lang = style.language(lang)
    text = TEXT[lang]
    gd, sgd = descent.runs[0], descent.runs[1:]
    target = descent.target  # within 5% of the best loss: how long did each run take to get there?
    gd_time = gd.time_to(target) or np.inf
    faster = any((run.time_to(target) or np.inf) < gd_time for run in sgd)
    names = [text["gd"].format(n=gd.batch_size)] + [text["sgd"].format(b=run.batch_size) for run in sgd]
    colours = ["black", *RUN_COLOURS[:len(sgd)]]
    with style.fonts(lang):
        fig = style.slide()
        fig.text(0.01, 0.955, text["title" if faster else "title_not"], fontsize=19, weight="bold", va="center",
                 gid="title")
        setup = text["setup"].format(n=descent.problem_size, lr=descent.lr, seconds=gd.seconds[-1])
        fig.text(0.01, 0.905, setup + (f"\n{note}" if note else ""), fontsize=12, va="center", color=style.MUTED)
        whole = fig.add_axes((0.04, 0.33, 0.27, 0.5))
        close = fig.add_axes((0.38, 0.33, 0.265, 0.5))
        timing = fig.add_axes((0.73, 0.33, 0.26, 0.5))
        from matplotlib.colors import LogNorm

        # a log scale needs 0 < vmin < vmax: a loss can be 0 (a perfect fit) and a landscape flat
        low = max(float(min(descent.whole.loss.min(), descent.close.loss.min())), 1e-12)
        norm = LogNorm(vmin=low, vmax=max(float(descent.whole.loss.max()), 1.01 * low))
        _paths(whole, descent.whole, descent.runs, colours, norm, text)
        whole.set_title(text["whole"], fontsize=13)
        _paths(close, descent.close, [gd, max(sgd, key=lambda r: r.batch_size)] if sgd else [gd],
               [colours[0], colours[1 + sgd.index(max(sgd, key=lambda r: r.batch_size))]] if sgd else colours, norm,
               text)
        close.set_title(text["close"].format(b=max(run.batch_size for run in sgd) if sgd else "-"), fontsize=13)
        _losses(timing, descent, names, colours, target, text)
        _summary(fig, descent, names, target, text)
        handles = [line for line in timing.get_lines() if line.get_label() in names]
        fig.legend(handles=handles, labels=names, loc="lower left", bbox_to_anchor=(0.04, 0.215), ncol=len(names),
                   fontsize=11, frameon=False)
    return fig


def _paths(ax: Axes, grid: Grid, runs: list[Run], colours: list[str], norm: LogNorm, text: dict[str, str]) -> None:
    levels = np.geomspace(norm.vmin, norm.vmax, 16)
    ax.contourf(grid.u, grid.v, grid.loss, levels=levels, norm=norm, cmap="Greys", extend="both")
    lines = ax.contour(grid.u, grid.v, grid.loss, levels=levels[::2], norm=norm, colors="0.45", linewidths=0.5)
    ax.clabel(lines, fontsize=7, fmt=lambda x: f"{x:.2g}")
    for run, colour in zip(runs, colours, strict=True):
        width = 1.8 if run.full else 0.9
        ax.plot(*run.path.T, color=colour, linewidth=width, alpha=0.9 if run.full else 0.75,
                marker="o" if run.full else None, markersize=3, zorder=3)
    ax.plot([0], [0], marker="s", color="black", markersize=7, zorder=4)
    ax.plot([1], [0], marker="*", color="black", markersize=11, zorder=4)
    ax.annotate(text["start"], (0, 0), xytext=(4, 6), textcoords="offset points", fontsize=9)
    ax.annotate(text["end"], (1, 0), xytext=(4, 6), textcoords="offset points", fontsize=9)
    ax.set(xlim=(grid.u[0], grid.u[-1]), ylim=(grid.v[0], grid.v[-1]), xlabel="u", ylabel="v")


def _losses(ax: Axes, descent: Descent, names: list[str], colours: list[str], target: float,
            text: dict[str, str]) -> None:
    for run, name, colour in zip(descent.runs, names, colours, strict=True):
        shown = run.seconds > 0  # the first checkpoint is the start, at time 0: not on a log axis
        ax.plot(run.seconds[shown], run.losses[shown], color=colour, linewidth=2 if run.full else 1.2,
                marker="o" if run.full else None, markersize=3, label=name)
        reached = run.time_to(target)
        if reached:
            ax.plot([reached], [target], marker="v", color=colour, markersize=8, zorder=4)
    ax.axhline(target, color="0.4", linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel=text["seconds"], ylabel=text["loss"].format(n=descent.problem_size))
    ax.set_title(text["time"], fontsize=13)
    ax.grid(True, which="major", linewidth=0.4, color="0.85")


def _summary(fig: Figure, descent: Descent, names: list[str], target: float, text: dict[str, str]) -> None:
    """One measured line per run: when it came within 5% of the best loss, where it ended, how much it staggered."""
    lines = []
    for run, name in zip(descent.runs, names, strict=True):
        reached = run.time_to(target)
        common = {"name": name, "loss": f"{target:.3f}", "end": f"{run.losses[-1]:.3f}", "all": len(run.path) - 1,
                  "total": _duration(float(run.seconds[-1]))}
        if reached is None:
            lines.append(text["never"].format(**common))
        else:
            checkpoint = int(np.flatnonzero(run.losses <= target)[0])
            lines.append(text["reached"].format(**common, time=_duration(reached),
                                                steps=int(run.examples[checkpoint] // run.batch_size)))
    ratios = "; ".join(f"{name} {stagger(run):.1f}" for run, name in zip(descent.runs, names, strict=True))
    lines.append(text["stagger"].format(ratios=ratios))
    for i, line in enumerate(lines):
        fig.text(0.04, 0.165 - i * 0.03, line, fontsize=11.5, va="center", gid=f"summary:{i}")


def stagger(run: Run) -> float:
    """How far the path wanders: its length over the straight distance from start to end (1 = a straight line)."""
    steps = np.diff(run.path, axis=0)
    distance = float(np.linalg.norm(run.path[-1] - run.path[0]))
    return float(np.linalg.norm(steps, axis=1).sum()) / distance if distance else float("inf")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
