"""The "what if I nudge it?" table of `autograd.nudge`, as text and as a drawing's caption.

``python -m scratchgrad.viz whatif "x*x" --set x=3 --delta 1 0.1 0.01`` and
``python -m scratchgrad.viz book apple-loss --whatif`` print it; with ``-o`` they
also draw the graph with the table's rows as its caption.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from scratchgrad.autograd import Node, Nudge, Value, nudge
from scratchgrad.viz import book
from scratchgrad.viz import format as fmt
from scratchgrad.viz.expression import build

HEADERS = ("input", "δ", "gradient", "predicted grad·δ", "actual change", "second order")

SHRINK = (1, 10, 100)
"""A figure's steps are tried as given and 10 and 100 times smaller: the prediction converges."""


def table(rows: Sequence[Nudge]) -> str:
    """The rows as an aligned text table, one line per input and step."""
    cells = [HEADERS] + [
        (_name(r.input), _step(r.delta), _inline(r.gradient), fmt.number(r.predicted), fmt.number(r.actual),
         fmt.number(r.second_order))
        for r in rows
    ]
    widths = [max(_width(row[k]) for row in cells) for k in range(len(HEADERS))]
    lines = ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)).rstrip()
             for row in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def caption(rows: Sequence[Nudge]) -> str:
    """One sentence per row, for a drawing (its font is proportional: a table would not line up)."""
    return "\n".join(
        f"{_name(r.input)} {_step(r.delta)}: predicted {fmt.number(r.predicted)}, actual {fmt.number(r.actual)} "
        f"(second order {fmt.number(r.second_order)})"
        for r in rows
    )


def expression_rows(text: str, values: Mapping[str, float], deltas: Sequence[float]) -> tuple[Node, list[Nudge]]:
    """The graph of ``text`` (after backward) and its table: every name nudged by every step.

    The expression is recomputed from the very leaves nudge gives it (`viz.expression.build` takes them as values).
    """
    root, leaves = build(text, values)
    if not leaves:
        raise ValueError("the expression has no name to nudge; use one, e.g. 'x*x' --set x=3")
    names = list(leaves)

    def f(*xs: Value) -> Value:
        return build(text, dict(zip(names, xs)))[0]

    rows = nudge(f, list(leaves.values()), list(deltas))
    root.backward()
    return root, rows


def figure_rows(figure: book.Figure) -> list[Nudge]:
    """The table of a figure's `Experiment`: each input by its step, then by steps 10 and 100 times smaller."""
    experiment = figure.experiment
    if experiment is None:
        raise ValueError(f"this figure has no what-if experiment; these have one: {', '.join(book.WHAT_IF)}")
    steps = {x: [d / k for k in SHRINK] for x, d in experiment.deltas.items()}
    return nudge(experiment.function, experiment.inputs, steps)


def _name(x: Node) -> str:
    return x.name or "input"


def _step(delta: object) -> str:
    shape = getattr(delta, "shape", None)
    if shape is not None:
        return f"array {tuple(shape)}"
    text = fmt.number(delta)  # type: ignore[arg-type]
    return text if text.startswith("-") else f"+{text}"


def _inline(value: object) -> str:
    return " ".join(fmt.data(value).split())


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
