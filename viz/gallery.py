"""Every figure of `viz.book` into one folder, with an ``index.html`` that shows them all.

``python -m scratchgrad.viz book --all -o DIR`` (and ``make demo``) calls `write_gallery`.
Each figure is written as ``NAME.svg`` (and ``NAME-symbolic.svg`` with the book's
algebra), with its what-if table where it has one (`book.WHAT_IF`); the page
inlines the same SVG, so it works on its own, without the
files beside it and without a network. Titles are escaped: the page holds no
text that is not ours or Graphviz's.
"""

from __future__ import annotations

import html
from pathlib import Path

from scratchgrad.viz import book, whatif
from scratchgrad.viz.dot import DEFAULT_FONT, to_dot
from scratchgrad.viz.render import DEFAULT_TIMEOUT, run_dot
from scratchgrad.viz.replay import _inline_svg
from scratchgrad.viz.view import DEFAULT_MAX_NODES

INDEX = "index.html"


def write_gallery(
    folder: str | Path, *, lang: str = "ko", fontname: str = DEFAULT_FONT, max_nodes: int | None = DEFAULT_MAX_NODES,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Path:
    """Draw every book figure (numeric, and symbolic where it has algebra) as SVG into ``folder``; returns the index.

    ``folder`` is created if its parent exists; ``lang`` picks the names and titles.
    """
    folder = Path(folder)
    folder.mkdir(exist_ok=True)
    entries = []
    for name in book.FIGURES:
        variants = [(name, False)] + ([(f"{name}-symbolic", True)] if name in book.SYMBOLIC else [])
        for stem, symbolic in variants:
            figure = book.figure(name, lang=lang, symbolic=symbolic)
            dot = to_dot(figure.root, fontname=fontname, max_nodes=max_nodes, **figure.options())
            svg = run_dot(dot, "svg", timeout).decode("utf-8")
            (folder / f"{stem}.svg").write_text(svg, encoding="utf-8")
            table = whatif.table(whatif.figure_rows(figure)) if figure.experiment and not symbolic else ""
            entries.append((stem, figure.title, symbolic, svg, table))
    index = folder / INDEX
    index.write_text(page(entries, lang), encoding="utf-8")
    return index


def page(entries: list[tuple[str, str, bool, str, str]], lang: str) -> str:
    """The gallery page: one section per ``(file stem, title, symbolic, svg, what-if table or "")``."""
    heading = _HEADING[lang]
    sections = []
    for k, (stem, title, symbolic, svg, table) in enumerate(entries, 1):
        kind = _SYMBOLIC[lang] if symbolic else ""
        nudges = f"<h3>{_WHAT_IF[lang]}</h3><pre>{html.escape(table)}</pre>" if table else ""
        sections.append(
            f'<section id="{html.escape(stem)}"><h2>{html.escape(title)}{kind}</h2>{_inline_svg(svg, k)}{nudges}'
            f'<p><a href="{html.escape(stem)}.svg">{html.escape(stem)}.svg</a></p></section>'
        )
    return _PAGE.format(lang=lang, title=html.escape(heading), sections="\n".join(sections))


_HEADING = {
    "ko": "밑바닥부터 시작하는 딥러닝 5장: 계산 그래프",
    "en": "Deep Learning from Scratch, ch. 5: computational graphs",
}
_SYMBOLIC = {"ko": " — 기호", "en": " — symbolic"}
_WHAT_IF = {
    "ko": "입력을 조금 바꾸면? 기울기의 예측과 실제 변화",
    "en": "What if I nudge it? The gradient's prediction and the actual change",
}

_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em auto; max-width: 70em; padding: 0 1em; }}
section {{ margin: 2em 0; border-top: 1px solid #ddd; }}
h2 {{ font-size: 1.1em; }}
h3 {{ font-size: 1em; }}
pre {{ overflow-x: auto; }}
section svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
{sections}
</body>
</html>
"""
