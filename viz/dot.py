"""A computational graph as Graphviz DOT text, drawn the way the book draws it.

The book writes the numbers on the arrows: the forward value above, the
gradient flowing back below (in red). Graphviz puts an edge label *beside* an
edge, never across it, so each connection is drawn as a small table node
(value, a one-point black bar, gradient) with the arrow entering the bar on
the left and leaving it on the right: the line looks continuous and the two
numbers sit above and below it.

The text is built here rather than with ``graphviz.Digraph`` so that it is
fully under our control and byte-identical from run to run: node ids are the
order of a depth-first walk from the output, never ``id()``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

import numpy as np

from autograd import Node
from viz import format as fmt

DEFAULT_FONT = "NanumGothic,sans-serif"
"""A font with Hangul; Graphviz (Pango) and SVG viewers fall back to any sans-serif font."""

GRADIENT_COLOR = "red"

EdgeKey = tuple[Node, Node | None]
"""A connection ``(source, target)``; ``target`` is None for the arrow out of the output node."""

EdgeText = tuple[str | None, str | None]
"""Replacement ``(forward, gradient)`` texts for a connection; None keeps the computed number."""


class DotOptions(TypedDict, total=False):
    """The keyword options of `to_dot`, which `viz.draw` and `viz.render` pass on."""

    clusters: Mapping[str, Iterable[Node]]
    edge_labels: Mapping[EdgeKey, EdgeText]
    node_labels: Mapping[Node, str]
    gradients: bool | None
    fontname: str


def to_dot(
    root: Node,
    *,
    clusters: Mapping[str, Iterable[Node]] | None = None,
    edge_labels: Mapping[EdgeKey, EdgeText] | None = None,
    node_labels: Mapping[Node, str] | None = None,
    gradients: bool | None = None,
    fontname: str = DEFAULT_FONT,
) -> str:
    """The graph that computed ``root`` as DOT text, left to right, output at the right.

    Operators are circles showing their glyph; leaves are plain text: their
    name, or their value when unnamed (constants). The output ends in a plain
    text label (its name) reached by one more arrow carrying its value.

    ``clusters`` maps a box title to the nodes drawn inside that box.
    ``edge_labels`` replaces the texts on chosen connections (e.g. algebra
    instead of numbers), ``node_labels`` the text of chosen nodes. Gradient
    rows appear when `backward_has_run` (force them on or off with
    ``gradients``), and never for sources that do not require a gradient.
    """
    nodes = _post_order(root)
    ids = {node: f"n{i}" for i, node in enumerate(nodes)}
    connections: list[tuple[Node, Node | None, int]] = [
        (x, node, slot) for node in nodes for slot, x in enumerate(node.inputs)
    ]
    connections.append((root, None, 0))
    edge_labels = edge_labels or {}
    node_labels = node_labels or {}
    _check_known(edge_labels, {(source, target) for source, target, _ in connections}, "edge_labels", "a connection")
    _check_known(node_labels, ids, "node_labels", "a node")
    membership = _cluster_membership(clusters or {}, ids)
    show_gradients = backward_has_run(root) if gradients is None else gradients

    font = _quote(fontname)
    lines = [
        "digraph scratchgrad {",
        f"\tgraph [rankdir=LR, ranksep=0.15, nodesep=0.2, fontname={font}]",
        f'\tnode [shape=plaintext, margin="0.06,0.02", width=0, height=0, fontname={font}]',
        "\tedge [arrowsize=0.6]",
    ]
    for node in nodes:
        text = node_labels[node] if node in node_labels else _node_text(node)
        lines.append(f"\t{ids[node]} [label={_label(text)}{_op_style(node, node in membership)}]")
    output_name = root.name if root.op is not None and root.name else ""
    lines.append(f"\tout [label={_label(output_name)}]")

    for k, (source, target, slot) in enumerate(connections):
        forward, gradient = edge_labels.get((source, target), (None, None))
        if forward is None:
            forward = fmt.data(source.data)
        gradient = _gradient_text(source, target, slot, gradient) if show_gradients else None
        lines.append(f"\tc{k} [label={_connection_label(forward, gradient)}]")
        lines.append(f"\t{ids[source]} -> c{k}:bar:w [arrowhead=none, weight=2]")
        lines.append(f"\tc{k}:bar:e -> {'out' if target is None else ids[target]}")
    lines += _boxes(list(clusters or {}), membership, ids, connections)
    lines.append("}")
    return "\n".join(lines) + "\n"


def backward_has_run(root: Node) -> bool:
    """Whether ``root`` carries a gradient: it requires one and it is set and not all zero.

    Before ``backward()`` a `Value`'s gradient is 0.0 and a tensor's is None;
    afterwards the output's own gradient is the seed (1 for a scalar). A
    backward pass seeded with zero is therefore drawn without gradients.
    """
    return root.requires_grad and root.grad is not None and bool(np.any(root.grad))


def _post_order(root: Node) -> list[Node]:
    """Every node behind ``root``, inputs before the nodes made from them, ``root`` last.

    Iterative depth-first search in argument order, so the ids and the
    top-to-bottom order of the inputs are the same on every run.
    """
    order: list[Node] = []
    seen = {root}
    stack = [(root, iter(root.inputs))]
    while stack:
        node, pending = stack[-1]
        for x in pending:
            if x not in seen:
                seen.add(x)
                stack.append((x, iter(x.inputs)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _gradient_text(source: Node, target: Node | None, slot: int, override: str | None) -> str | None:
    """The text below one connection, or None when no gradient flows back along it.

    The number is the target's contribution to ``source.grad`` (its op's
    vector-Jacobian product for that argument), not ``source.grad`` itself:
    a node feeding two ops gets a different number on each arrow, as in the
    book's softmax figure. ``override`` replaces the number, not the row.
    """
    if not source.requires_grad:
        return None
    if target is None:
        value = source.grad
    elif target.grad is None:
        value = None
    else:
        vjp = target.op.vjps[slot]
        value = vjp(target.grad, target.data, *[x.data for x in target.inputs])
    if value is None:
        return None
    return fmt.data(value) if override is None else override


def _node_text(node: Node) -> str:
    if node.op is not None:
        return node.op.glyph
    return node.name or fmt.data(node.data)


def _op_style(node: Node, boxed: bool) -> str:
    """Extra attributes for an operator node: a circle, inputs stacked in argument order.

    A long glyph ("Softmax-with-Loss") gets an ellipse, not a huge circle.
    ``ordering=in`` keeps the first argument on top (apple above apple count).
    Graphviz (2.43) turns it upside down inside clusters, so boxed nodes are
    left to its default ordering, which keeps them in order there.
    """
    if node.op is None:
        return ""
    shape = "circle" if len(node.op.glyph) <= _CIRCLE_GLYPH else "ellipse"
    return f", shape={shape}, margin=0.04, width=0.4" + ("" if boxed else ", ordering=in")


_CIRCLE_GLYPH = 4
"""Longest glyph drawn in a circle: "ReLU", "tanh"."""


def _connection_label(forward: str, gradient: str | None) -> str:
    rows = [
        f"<TR><TD>{_html(forward)}</TD></TR>",
        '<TR><TD PORT="bar" HEIGHT="1" CELLPADDING="0" BGCOLOR="black"></TD></TR>',
    ]
    if gradient is not None:
        rows.append(f'<TR><TD><FONT COLOR="{GRADIENT_COLOR}">{_html(gradient)}</FONT></TD></TR>')
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{"".join(rows)}</TABLE>>'


def _cluster_membership(clusters: Mapping[str, Iterable[Node]], ids: Mapping[Node, str]) -> dict[Node, int]:
    """Which box (by position in ``clusters``) each boxed node belongs to."""
    membership: dict[Node, int] = {}
    for i, (title, nodes) in enumerate(clusters.items()):
        for node in nodes:
            if node not in ids:
                raise ValueError(f"clusters[{title!r}]: {node!r} is not in the graph")
            if membership.setdefault(node, i) != i:
                raise ValueError(f"clusters[{title!r}]: {node!r} is already in another box")
    return membership


def _boxes(
    titles: list[str], membership: Mapping[Node, int], ids: Mapping[Node, str],
    connections: list[tuple[Node, Node | None, int]],
) -> list[str]:
    """One subgraph per box, holding its nodes and the connections that run inside it."""
    members: list[list[str]] = [[] for _ in titles]
    for node, node_id in ids.items():
        if node in membership:
            members[membership[node]].append(node_id)
    for k, (source, target, _) in enumerate(connections):
        if source in membership and membership.get(target) == membership[source]:
            members[membership[source]].append(f"c{k}")
    return [
        f'\tsubgraph cluster{i} {{ label={_label(title)}; style=rounded; color=gray50; {"; ".join(members[i])} }}'
        for i, title in enumerate(titles)
    ]


def _check_known(mapping: Mapping[Any, Any], known: Iterable[Any], option: str, what: str) -> None:
    """Reject override keys that match nothing in the graph: they are almost always mistakes."""
    known = set(known)
    for key in mapping:
        if key not in known:
            raise ValueError(f"{option}: {key!r} is not {what} of the graph")


def _label(text: str) -> str:
    """A DOT label for plain text (Graphviz rejects an empty HTML label ``<>``)."""
    return f"<{_html(text)}>" if text else '""'


def _html(text: str) -> str:
    """Plain text as HTML-label markup: escaped, one line per line, subscripts typeset.

    Subscript digits (``a₁``) become real subscripts because few fonts have
    glyphs for them: the fallback glyphs are tiny and look like commas.
    A space beside a subscript becomes a no-break space: in SVG, Graphviz
    writes the text between font changes as separate elements, and browsers
    drop a space at either end of one ("t₁ log y₁" would show "t₁log y₁").
    """
    markup = _SPACE_BY_SUBSCRIPT.sub("&#160;", html.escape(text, quote=False)).replace("\n", "<BR/>")
    return _SUBSCRIPT_DIGITS.sub(
        lambda digits: f'<FONT POINT-SIZE="10"><SUB>{digits.group().translate(_PLAIN_DIGITS)}</SUB></FONT>', markup
    )


_SUBSCRIPT_DIGITS = re.compile("[₀-₉]+")
_SPACE_BY_SUBSCRIPT = re.compile("(?<=[₀-₉]) | (?=[₀-₉])")
_PLAIN_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
