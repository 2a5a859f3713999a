"""One SVG ``<text>`` per label line, so that subscripts look the same in every viewer.

Graphviz writes each font run of a line ("y", the subscript "1", " - t", "1")
as its own ``<text>`` at an x it measured with *its* fonts. A viewer that
measures differently — another fallback font in a browser, librsvg's own
shaping — then opens gaps or overlaps between the runs ("y₁- t ₁"). Written
as one ``<text>`` with a ``<tspan>`` per run, the line is laid out by the
viewer itself, run after run, and only its start is Graphviz's.
"""

from __future__ import annotations

import re

_RUN = r'<text text-anchor="start" x="[-\d.]+" y="{y}"[^>]*>[^<]*</text>\n'
_LINE = re.compile(
    r'<text text-anchor="start" x="(?P<x>[-\d.]+)" y="(?P<y>[-\d.]+)"[^>]*>[^<]*</text>\n'
    + "(?:" + _RUN.format(y="(?P=y)") + ")+"
)
_PART = re.compile(r'<text text-anchor="start" x="[-\d.]+" y="[-\d.]+"(?P<style>[^>]*)>(?P<text>[^<]*)</text>\n')


def flow_runs(svg: str) -> str:
    """``svg`` (Graphviz's output) with the runs of each line merged into one ``<text>`` of ``<tspan>`` runs."""
    return _LINE.sub(_merged, svg)


def _merged(line: re.Match[str]) -> str:
    runs = "".join(f"<tspan{part['style']}>{part['text']}</tspan>" for part in _PART.finditer(line.group()))
    return f'<text text-anchor="start" x="{line["x"]}" y="{line["y"]}" xml:space="preserve">{runs}</text>\n'
