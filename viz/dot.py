"""A computational graph as Graphviz DOT text, drawn the way the book draws it.

The book writes the numbers on the arrows: the forward value above, the
gradient flowing back below (in red). Graphviz puts an edge label *beside* an
edge, never across it, so each arrow is drawn as a small table node (value, a
one-point black bar, gradient) with the line entering the bar on the left and
leaving it on the right: the line looks continuous and the two numbers sit
above and below it.

What is drawn (boxes, collapsed layers, summaries, replay frames) is decided
in `viz.view`; this module only writes it down. The text is built here rather
than with ``graphviz.Digraph`` so that it is fully under our control and
byte-identical from run to run: ids come from the order of a depth-first walk
from the output, never from ``id()``.
"""

from __future__ import annotations

import html
import re
from typing import Unpack

from scratchgrad.autograd import Node
from scratchgrad.viz import format as fmt
from scratchgrad.viz.boxes import Box
from scratchgrad.viz.view import Arrow, Vertex, View, ViewOptions, build

__all__ = ["DEFAULT_FONT", "DotOptions", "to_dot"]

DEFAULT_FONT = "NanumGothic,sans-serif"
"""A font with Hangul; Graphviz (Pango) and SVG viewers fall back to any sans-serif font."""

MAX_FONTNAME = 100
"""Longest font name (or comma-separated list of them) accepted."""

GRADIENT_COLOR = "red"
HIGHLIGHT_COLOR = "#1565c0"
CURRENT_FILL = "#ffd54f"
"""Replay: the node the backward pass is visiting (or the collapsed box or marker hiding it)."""
COMPUTED_FILL = "#ffe9a8"
"""Replay: behind the gradients the visited node has just sent to its inputs."""
ARRIVING_FILL = "#cfe3ff"
"""Replay: behind the gradients that arrived at the visited node from above."""

LARGE_DRAWING = 300
"""Vertices plus arrows above which Graphviz is told to spend less effort on node placement.

Its network-simplex placement dominates the time on big, dense drawings
(3.1 s -> 0.6 s for 370 nodes); small drawings keep the best layout.
"""


class DotOptions(ViewOptions, total=False):
    """The keyword options of `to_dot`, which `viz.draw`, `viz.render` and `viz.replay` pass on."""

    caption: str | None
    fontname: str


def to_dot(
    root: Node, *, caption: str | None = None, fontname: str = DEFAULT_FONT, **options: Unpack[ViewOptions]
) -> str:
    """The graph that computed ``root`` as DOT text, left to right, output at the right.

    Operators are circles showing their glyph (and their name, if they have
    one); leaves are plain text: their name, or their value when unnamed
    (constants). The output ends in a plain text label (its name) reached by
    one more arrow carrying its value.

    - ``clusters`` maps a box title to the nodes drawn inside that box; the
      scopes opened with `viz.scope` are boxes too, nested as they were opened.
    - ``collapse`` names boxes (by title) to draw as one node each; the arrows
      crossing a box's edge keep their values and gradients.
    - ``edge_labels`` replaces the texts on chosen connections (e.g. algebra
      instead of numbers), ``node_labels`` the text of chosen nodes.
    - A node used more than once gets one arrow to a branch point carrying its
      total gradient, then one arrow per use with that use's share (the sum
      the chain rule makes); ``edge_labels[node, None]`` relabels that trunk.
      An intermediate node's name is written beside its value (``t = 3``).
    - Gradient rows appear when `backward_has_run` (force them on or off with
      ``gradients``), and never for sources that do not require a gradient.
    - ``max_nodes`` is the drawing's budget: a bigger graph is summarised
      (boxes collapsed, then the nodes furthest from the output folded into
      "… N nodes (ops) …" markers; see `viz.summary`). None draws everything.
    - ``keep`` and ``highlight`` name nodes whose (shortest) path from the
      output always survives the summary, even beyond ``max_nodes``, up to
      ``max(max_nodes, summary.MAX_KEPT)`` = 1,000 nodes by default (more is a
      ValueError: the drawing stays bounded); the arrows on every path from
      ``highlight`` nodes to the output are drawn bold and blue.
    - ``step`` draws the backward pass as it visits its ``step``-th node
      (`autograd.toposort` order): that node filled, gradients not yet computed
      left blank (the layout does not move between steps), those just sent to
      its inputs and those that reached it from above shaded. ``caption`` is a
      title above the drawing.
    - ``fontname`` is a font name or a comma-separated list of them: letters,
      digits, spaces and ``, . - _`` only (at most `MAX_FONTNAME` characters), since
      Graphviz copies it into the SVG unescaped.

    Every text (names, labels, titles, the caption) is drawn as typed, as text
    only: never read as DOT, HTML or SVG markup, invisible characters shown
    visibly, each text at most `format.MAX_LINES` lines of `format.MAX_LINE`
    characters (see `format.shown`). With a node budget the DOT text is
    therefore bounded too; ``max_nodes=None`` draws everything, however big.
    """
    font = check_fontname(fontname)
    if caption is not None and not isinstance(caption, str):
        raise TypeError(f"caption must be a str or None, not {type(caption).__name__}")
    return _write(build(root, **options), font, caption)


def check_fontname(name: str) -> str:
    """``name`` if it is a font name `to_dot` accepts; else a ValueError naming the allowed characters.

    Graphviz writes the font name into SVG ``font-family`` attributes as it is,
    so a quote or a ``<`` in it would end the attribute and start markup: only
    characters that mean nothing to DOT, XML and HTML are let through.
    """
    if not isinstance(name, str):
        raise TypeError(f"fontname must be a str, not {type(name).__name__}")
    if not name.strip() or len(name) > MAX_FONTNAME or not all(c.isalnum() or c in _FONT_PUNCTUATION for c in name):
        raise ValueError(
            f"fontname: {fmt.shown(name)[:60]!r} is not a font name: use letters, digits, spaces and , . - _ "
            f"(at most {MAX_FONTNAME} characters), e.g. {DEFAULT_FONT!r}"
        )
    return name


_FONT_PUNCTUATION = frozenset(" ,.-_")


def _write(view: View, fontname: str = DEFAULT_FONT, caption: str | None = None) -> str:
    """A `View` as DOT text."""
    font = _quote(fontname)
    graph = f"rankdir=LR, ranksep=0.15, nodesep=0.2, fontname={font}"
    if len(view.vertices) + len(view.arrows) > LARGE_DRAWING:
        graph += ", nslimit=2, nslimit1=2"
    if caption:
        graph += f", label={_caption(caption)}, labelloc=t, labeljust=l"
    lines = [
        "digraph scratchgrad {",
        f"\tgraph [{graph}]",
        f'\tnode [shape=plaintext, margin="0.06,0.02", width=0, height=0, fontname={font}]',
        "\tedge [arrowsize=0.6]",
    ]
    lines += [f"\t{v.id} [label={_label(v.text)}{_vertex_style(v)}]" for v in view.vertices]
    for arrow in view.arrows:
        lines.append(f"\t{arrow.id} [label={_arrow_label(arrow)}]")
        bold = f'color="{HIGHLIGHT_COLOR}", penwidth=2.5' if arrow.highlighted else ""
        lines.append(f"\t{arrow.source.id} -> {arrow.id}:bar:w [arrowhead=none, weight=2{', ' + bold if bold else ''}]")
        head = ", ".join(filter(None, ["arrowhead=none" if arrow.target.kind == "fork" else "", bold]))
        lines.append(f"\t{arrow.id}:bar:e -> {arrow.target.id}" + (f" [{head}]" if head else ""))
    lines += _boxes(view)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _vertex_style(vertex: Vertex) -> str:
    """Extra attributes: an op is a circle (inputs stacked in argument order), a box a rectangle, a marker dashed.

    A long glyph ("Softmax-with-Loss") or a named op gets an ellipse, not a
    huge circle. ``ordering=in`` keeps the first argument on top (apple above
    apple count). Graphviz (2.43) turns it upside down inside clusters, so
    boxed nodes are left to its default ordering, which keeps them in order there.
    In a replay frame the visited node is filled, or else the box or marker
    that hides it: every frame shows where the backward pass is.
    """
    if vertex.kind == "op":
        shape = "circle" if len(vertex.text) <= _CIRCLE_GLYPH and "\n" not in vertex.text else "ellipse"
        attributes = f", shape={shape}, margin=0.04, width=0.4" + ("" if vertex.box else ", ordering=in")
        styles = []
    elif vertex.kind == "box":
        attributes, styles = ', shape=box, margin="0.15,0.08"', ["rounded"]
    elif vertex.kind == "fork":  # a branch point: the trunk's gradient is the sum of the branches'
        return ", shape=point, width=0.06"
    elif vertex.kind == "marker":
        attributes, styles = ", shape=box, color=gray50, fontcolor=gray30", ["dashed", "rounded"]
    else:
        return ""  # a leaf or the output's label: backward never visits them, so they are never current
    if vertex.current:
        attributes += f', fillcolor="{CURRENT_FILL}"'
        styles.append("filled")
    return attributes + (f", style={_quote(','.join(styles))}" if styles else "")


_CIRCLE_GLYPH = 4
"""Longest glyph drawn in a circle: "ReLU", "tanh"."""


def _arrow_label(arrow: Arrow) -> str:
    bar = HIGHLIGHT_COLOR if arrow.highlighted else "black"
    rows = [
        f"<TR><TD>{_html(arrow.forward)}</TD></TR>",
        f'<TR><TD PORT="bar" HEIGHT="1" CELLPADDING="0" BGCOLOR="{bar}"></TD></TR>',
    ]
    if arrow.gradient is not None:
        color = "transparent" if arrow.state == "pending" else GRADIENT_COLOR
        shade = {"computed": COMPUTED_FILL, "arriving": ARRIVING_FILL}.get(arrow.state)
        cell = f'<TD BGCOLOR="{shade}">' if shade else "<TD>"
        rows.append(f'<TR>{cell}<FONT COLOR="{color}">{_html(arrow.gradient)}</FONT></TD></TR>')
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{"".join(rows)}</TABLE>>'


def _caption(text: str) -> str:
    """Left-aligned lines of one fixed height each, so captions with as many lines are as tall.

    Replay frames then keep the graph at the same place whatever the caption
    says (a line with a subscript would otherwise be taller than one without).
    """
    rows = "".join(
        f'<TR><TD ALIGN="LEFT" HEIGHT="{_CAPTION_LINE}">{_markup(line)}</TD></TR>'
        for line in fmt.shown(text).split("\n")
    )
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>>'


_CAPTION_LINE = 22
"""Points per caption line: more than any line needs at the default font size."""


def _boxes(view: View) -> list[str]:
    """One subgraph per box, holding its vertices, the arrows that run inside it and the boxes inside it."""
    members: dict[Box | None, list[str]] = {box: [] for box in view.boxes}
    for item in [*view.vertices, *view.arrows]:
        if item.box is not None:
            members[item.box].append(item.id)
    number = {box: i for i, box in enumerate(view.boxes)}
    inner: dict[Box | None, list[Box]] = {}
    for box in view.boxes:
        inner.setdefault(box.parent, []).append(box)

    def subgraph(box: Box) -> str:
        parts = [*members[box], *(subgraph(child) for child in inner.get(box, []))]
        style = f"label={_label(box.title)}; style=rounded; color=gray50"
        return f"subgraph cluster{number[box]} {{ {style}; {'; '.join(parts)} }}"

    return [f"\t{subgraph(box)}" for box in inner.get(None, [])]


def _label(text: str) -> str:
    """A DOT label for plain text (Graphviz rejects an empty HTML label ``<>``)."""
    return f"<{_html(text)}>" if text else '""'


def _html(text: str) -> str:
    """Plain text as HTML-label markup, as `format.shown` shows it: one line per line."""
    text = fmt.shown(text)
    return "<BR/>".join(_markup(line) for line in text.split("\n")) if "\n" in text else _markup(text)


def _markup(line: str) -> str:
    """One line of shown text as HTML-label markup: escaped, subscripts typeset.

    ``&``, ``<`` and ``>`` become entities, and so does ``]``: Graphviz
    (2.43) fails on a label that is a lone ``]`` and drops a line break after
    one. A backslash is doubled, since Graphviz would read ``\\G`` or ``\\N``
    in a label as the graph's or the node's name.

    Subscript digits (``a₁``) become real subscripts because few fonts have
    glyphs for them: the fallback glyphs are tiny and look like commas.
    A space beside a subscript becomes a no-break space: in SVG, Graphviz
    writes the text between font changes as separate elements, and browsers
    drop a space at either end of one ("t₁ log y₁" would show "t₁log y₁").
    """
    escaped = html.escape(line, quote=False).replace("\\", "\\\\").replace("]", "&#93;")
    markup = _SPACE_BY_SUBSCRIPT.sub("&#160;", escaped)
    return _SUBSCRIPT_DIGITS.sub(
        lambda digits: f'<FONT POINT-SIZE="10"><SUB>{digits.group().translate(_PLAIN_DIGITS)}</SUB></FONT>', markup
    )


_SUBSCRIPT_DIGITS = re.compile("[₀-₉]+")
_SPACE_BY_SUBSCRIPT = re.compile("(?<=[₀-₉]) | (?=[₀-₉])")
_PLAIN_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
