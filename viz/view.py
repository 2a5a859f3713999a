"""What a drawing shows: its vertices, its arrows and their texts, its boxes.

Every drawing — a plain graph, one with boxes collapsed, a summary of a huge
graph, a frame of the backward replay — is one `View` built here by one code
path with options; `viz.dot` only writes a view down as DOT text.

A vertex stands for a node, for a collapsed box, or for a marker hiding part
of a summarised graph. An arrow stands for one connection, or for several
that meet the same box or marker: then they are merged into one arrow that
carries the gradient the box sends back (the sum of the merged shares), as a
layer drawn as one node would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

import numpy as np

from scratchgrad.autograd import Node, toposort
from scratchgrad.viz import boxes, summary
from scratchgrad.viz import format as fmt
from scratchgrad.viz.boxes import Box

EdgeKey = tuple[Node, Node | None]
"""A connection ``(source, target)``; ``target`` is None for the arrow out of the output node."""

EdgeText = tuple[str | None, str | None]
"""Replacement ``(forward, gradient)`` texts for a connection; None keeps the computed number."""

Connection = tuple[Node, Node | None, int]
"""``(source, target, argument position)``: one input of one node, or the output's own arrow."""

DEFAULT_MAX_NODES = 250
"""Node budget of a drawing: Graphviz lays out this many in well under a second."""

Kind = Literal["op", "leaf", "box", "marker", "out", "fork"]
GradientState = Literal["done", "pending", "computed", "arriving"]


@dataclass(eq=False)
class Vertex:
    """One drawn node; ``box`` is the box it is drawn in (None: outside every box)."""

    id: str
    text: str
    kind: Kind
    box: Box | None
    current: bool = False


@dataclass(eq=False)
class Arrow:
    """One drawn arrow with the forward value above it and the gradient (or None) below."""

    id: str
    source: Vertex
    target: Vertex
    forward: str
    gradient: str | None
    box: Box | None
    highlighted: bool = False
    state: GradientState = "done"


@dataclass
class View:
    """A drawing's content; ``boxes`` are the boxes that hold something, outermost ones first."""

    vertices: list[Vertex]
    arrows: list[Arrow]
    boxes: list[Box] = field(default_factory=list)


class ViewOptions(TypedDict, total=False):
    """The keyword options of `build` (documented at `viz.to_dot`)."""

    clusters: Mapping[str, Iterable[Node]] | None
    collapse: Iterable[str] | None
    edge_labels: Mapping[EdgeKey, EdgeText] | None
    node_labels: Mapping[Node, str] | None
    gradients: bool | None
    max_nodes: int | None
    keep: Iterable[Node]
    highlight: Iterable[Node]
    step: int | None


def build(
    root: Node,
    *,
    clusters: Mapping[str, Iterable[Node]] | None = None,
    collapse: Iterable[str] | None = (),
    edge_labels: Mapping[EdgeKey, EdgeText] | None = None,
    node_labels: Mapping[Node, str] | None = None,
    gradients: bool | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    keep: Iterable[Node] = (),
    highlight: Iterable[Node] = (),
    step: int | None = None,
) -> View:
    """The view of the graph behind ``root``; the options are those of `viz.to_dot`, which documents them."""
    nodes = post_order(root)
    position = {node: i for i, node in enumerate(nodes)}
    connections: list[Connection] = [(x, node, slot) for node in nodes for slot, x in enumerate(node.inputs)]
    connections.append((root, None, 0))
    edge_labels = edge_labels or {}
    node_labels = node_labels or {}
    if edge_labels:
        uses = Counter(source for source, target, _ in connections if target is not None)
        known = {(source, target) for source, target, _ in connections}
        known |= {(node, None) for node, n in uses.items() if n > 1}  # the trunk before a branch
        _check_known(edge_labels, known, "edge_labels", "a connection")
    _check_known(node_labels, position, "node_labels", "a node")
    _check_texts(node_labels, edge_labels)
    keep, highlight = list(keep), list(highlight)
    _check_known(keep, position, "keep", "a node")
    _check_known(highlight, position, "highlight", "a node")
    all_boxes, box_of = boxes.gather(clusters or {}, nodes, position)
    unit_of, cover, marker_of, parts = _fit(
        root, nodes, all_boxes, box_of, collapse or (), keep, highlight, max_nodes)
    vertices = _Vertices(root, node_labels, box_of, cover, parts)
    vertex_of = {node: vertices.of(node, position[node], unit_of[node], marker_of.get(unit_of[node])) for node in nodes}
    out = vertices.output()
    show_gradients = backward_has_run(root) if gradients is None else gradients
    replay = _Replay(root, step) if step is not None else None
    if replay is not None:
        vertex_of[replay.current].current = True
        replay.here = {node for node, vertex in vertex_of.items() if vertex.current}
    reach = _downstream(highlight, connections) if highlight else set()

    arrows, branches = [], []
    for k, members in enumerate(_merged(connections, vertex_of, out).values()):
        source, target, _ = members[0]
        sv, tv = vertex_of[source], out if target is None else vertex_of[target]
        forward, gradient = _texts(members, edge_labels, show_gradients, root)
        arrow = Arrow(f"c{k}", sv, tv, forward, gradient, boxes.common_box(sv.box, tv.box))
        arrow.highlighted = any(s in reach for s, _, _ in members)
        if replay is not None and gradient is not None:
            arrow.state = replay.state(members)
        arrows.append(arrow)
        branches.append(members)
    drawn = [*vertices.all(), out]
    forks = _Forks(arrows, branches, edge_labels, replay)
    drawn += forks.vertices
    arrows += forks.trunks
    return View(drawn, arrows, _drawn_boxes(all_boxes, drawn, arrows))


def _fit(
    root: Node, nodes: Sequence[Node], all_boxes: Sequence[Box], box_of: Mapping[Node, Box], collapse: Iterable[str],
    keep: Sequence[Node], highlight: Sequence[Node], max_nodes: int | None,
) -> tuple[dict[Node, Any], dict[Box, Box], dict[Any, int], list[int]]:
    """Each node's unit, the collapsed box hiding each hidden box, each folded unit's marker, each marker's parts.

    The boxes named in ``collapse`` are collapsed; over ``max_nodes`` units,
    more boxes are, and then units are folded into markers (`viz.summary`).
    """
    collapsed = boxes.named(all_boxes, collapse)
    units = boxes.Units(nodes, box_of)
    if max_nodes is not None and units.count(collapsed) > max_nodes:
        depth = {box: sum(1 for _ in box.chain()) - 1 for box in all_boxes}
        collapsed = summary.collapse_levels(units.count, depth, collapsed, max_nodes)
    unit_of = units.assign(collapsed)
    if max_nodes is None or len(set(unit_of.values())) <= max_nodes:
        return unit_of, units.cover, {}, []
    try:
        marker_of, parts = summary.elide(
            _unit_inputs(nodes, unit_of), unit_of[root], [unit_of[n] for n in [*keep, *highlight]], max_nodes
        )
    except summary.TooManyKept as error:
        option = " and ".join(name for name, nodes in (("keep", keep), ("highlight", highlight)) if nodes)
        raise ValueError(f"{option}: {error}") from None
    return unit_of, units.cover, marker_of, parts


def collapsed_units(
    root: Node, clusters: Mapping[str, Iterable[Node]] | None = None, collapse: Iterable[str] | None = ()
) -> dict[Node, Node | Box]:
    """Each node's unit when the boxes named in ``collapse`` are collapsed: the node itself, or the box hiding it."""
    nodes = post_order(root)
    all_boxes, box_of = boxes.gather(clusters or {}, nodes, {node: i for i, node in enumerate(nodes)})
    return boxes.Units(nodes, box_of).assign(boxes.named(all_boxes, collapse or ()))


def backward_has_run(root: Node) -> bool:
    """Whether ``root`` carries a gradient: it requires one and it is set and not all zero.

    Before ``backward()`` a `Value`'s gradient is 0.0 and a tensor's is None;
    afterwards the output's own gradient is the seed (1 for a scalar). A
    backward pass seeded with zero is therefore drawn without gradients.
    """
    return root.requires_grad and root.grad is not None and bool(np.any(root.grad))


def contribution(source: Node, target: Node | None, slot: int) -> Any:
    """What ``target`` sends back to ``source`` through argument ``slot``: its share of ``source.grad``.

    It is the target op's vector-Jacobian product for that argument, not
    ``source.grad`` itself: a node feeding two ops gets a different number on
    each arrow, as in the book's softmax figure. None when no gradient flows.
    """
    if not source.requires_grad:
        return None
    if target is None:
        return source.grad
    if target.grad is None:
        return None
    return target.op.vjps[slot](target.grad, target.data, *[x.data for x in target.inputs])


def post_order(root: Node) -> list[Node]:
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


def _check_known(keys: Iterable[Any], known: Container[Any], option: str, what: str) -> None:
    """Reject keys that match nothing in the graph: they are almost always mistakes."""
    for key in keys:
        if key not in known:
            raise ValueError(f"{option}: {key!r} is not {what} of the graph")


def _check_texts(node_labels: Mapping[Node, Any], edge_labels: Mapping[EdgeKey, Any]) -> None:
    """Labels are text: anything else would fail deep inside the writer, or be drawn as its repr."""
    for node, text in node_labels.items():
        if not isinstance(text, str):
            raise TypeError(f"node_labels[{node!r}] must be a str, not {type(text).__name__}")
    for key, texts in edge_labels.items():
        if not (isinstance(texts, tuple) and len(texts) == 2):
            raise TypeError(f"edge_labels[{key!r}] must be a (forward, gradient) pair, not {type(texts).__name__}")
        for text in texts:
            if text is not None and not isinstance(text, str):
                raise TypeError(f"edge_labels[{key!r}] must be a str or None, not {type(text).__name__}")


def _unit_inputs(nodes: Sequence[Node], unit_of: Mapping[Node, Any]) -> dict[Any, list[Any]]:
    """Each unit's input units, in argument order, each once."""
    inputs: dict[Any, dict[Any, None]] = {}
    for node in nodes:
        unit = unit_of[node]
        seen = inputs.setdefault(unit, {})
        for x in node.inputs:
            if unit_of[x] is not unit:
                seen[unit_of[x]] = None
    return {unit: list(xs) for unit, xs in inputs.items()}


class _Vertices:
    """Makes each vertex once: for a node, a collapsed box or a marker, whichever a node is drawn as."""

    def __init__(
        self, root: Node, node_labels: Mapping[Node, str], box_of: Mapping[Node, Box], cover: Mapping[Box, Box],
        marker_parts: Sequence[int],
    ) -> None:
        self.root = root
        self.node_labels = node_labels
        self.box_of = box_of
        self.cover = cover
        self.made: dict[Any, Vertex] = {}
        self.marker_parts = marker_parts
        self.marker_ops: list[Counter[str]] = [Counter() for _ in marker_parts]
        self.marker_nodes = [0] * len(marker_parts)

    def of(self, node: Node, position: int, unit: Node | Box, marker: int | None) -> Vertex:
        if marker is not None:
            self.marker_nodes[marker] += 1
            if node.op is not None:
                self.marker_ops[marker][node.op.glyph] += 1
            key: Any = ("marker", marker)
        else:
            key = unit
        vertex = self.made.get(key)
        if vertex is None:
            vertex = self.made[key] = self._new(node, position, unit, marker)
        return vertex

    def _new(self, node: Node, position: int, unit: Node | Box, marker: int | None) -> Vertex:
        if marker is not None:
            return Vertex(f"m{marker}", "", "marker", None)
        if isinstance(unit, Box):
            return Vertex(f"b{position}", unit.title, "box", self._drawn_in(unit.parent))
        text = self.node_labels.get(node)
        if text is None:
            text = _node_text(node)
        kind: Kind = "op" if node.op is not None else "leaf"
        return Vertex(f"n{position}", text, kind, self._drawn_in(self.box_of.get(node)))

    def _drawn_in(self, box: Box | None) -> Box | None:
        """Where something in ``box`` is drawn: beside the collapsed box that hides ``box``, if any."""
        hidden = self.cover.get(box) if box is not None else None
        return box if hidden is None else hidden.parent

    def output(self) -> Vertex:
        name = str(self.root.name) if self.root.op is not None and self.root.name is not None else ""
        return Vertex("out", name, "out", None)

    def all(self) -> list[Vertex]:
        """Every vertex, in order of first use; markers get their texts now that they are counted."""
        for key, vertex in self.made.items():
            if vertex.kind == "marker":
                m = key[1]
                vertex.text = summary.marker_text(self.marker_nodes[m], self.marker_ops[m], self.marker_parts[m])
        return list(self.made.values())


def _node_text(node: Node) -> str:
    """An op's glyph; a leaf's name or value. An op's name goes on its arrow (`_texts`), not in its circle."""
    if node.op is None:
        name = "" if node.name is None else str(node.name)  # a name set by hand may be any object: drawn as its text
        return name or fmt.data(node.data)
    return node.op.glyph


def _merged(
    connections: Sequence[Connection], vertex_of: Mapping[Node, Vertex], out: Vertex
) -> dict[Any, list[Connection]]:
    """The connections of each drawn arrow, in drawing order; connections inside a box or marker vanish.

    Connections meeting a collapsed box or marker merge when they come from
    the same node (or marker) into the same vertex, and so do more than
    `summary.MAX_PARALLEL` uses of one node by one op; others stay one arrow each.
    """
    uses = Counter((source, target) for source, target, _ in connections)
    arrows: dict[Any, list[Connection]] = {}
    for connection in connections:
        source, target, _ = connection
        sv, tv = vertex_of[source], out if target is None else vertex_of[target]
        if sv is tv:
            continue
        if sv.kind in ("box", "marker") or tv.kind in ("box", "marker") or uses[source, target] > summary.MAX_PARALLEL:
            key: Any = (sv if sv.kind == "marker" else source, tv)
        else:
            key = len(arrows)
        arrows.setdefault(key, []).append(connection)
    return arrows


def _texts(
    members: Sequence[Connection], edge_labels: Mapping[EdgeKey, EdgeText], show_gradients: bool, root: Node
) -> tuple[str, str | None]:
    """The forward and gradient texts of one arrow standing for ``members``.

    An intermediate node's name is written with its value (``t = 3``): inside
    its circle it would squash the glyph. The output's name ends its arrow.
    """
    sources = dict.fromkeys(source for source, _, _ in members)
    if len(sources) > 1:
        return f"{len(sources):,} values", None
    source, target, _ = members[0]
    forward, gradient = edge_labels.get((source, target), (None, None)) if len(members) == 1 else (None, None)
    if forward is None:
        forward = fmt.data(source.data)
        if source.op is not None and source.name and source is not root:
            forward = f"{source.name} = {forward}"
        if len(members) > summary.MAX_PARALLEL and all(t is target for _, t, _ in members):
            forward += f" ({len(members):,} uses)"
    if not show_gradients:
        return forward, None
    total = _total(members)
    if total is None:
        return forward, None
    return forward, gradient if gradient is not None else fmt.data(total)


def _total(members: Iterable[Connection]) -> Any:
    """The sum of the gradients the connections send back to their sources; None when none flows."""
    shares = [g for g in (contribution(*member) for member in members) if g is not None]
    return sum(shares[1:], shares[0]) if shares else None


class _Forks:
    """Branch points: where a node's value goes to several ops, its gradients add up.

    The node's arrow runs to a point (the trunk, carrying the node's total
    gradient) and splits there into one arrow per use, each with its share:
    ``x*x`` at 3 draws 3 and 3 on the branches and 6 on the trunk, the chain
    rule's sum made visible. ``edge_labels[node, None]`` relabels a trunk.
    """

    def __init__(
        self, arrows: Sequence[Arrow], branches: Sequence[Sequence[Connection]],
        edge_labels: Mapping[EdgeKey, EdgeText], replay: _Replay | None,
    ) -> None:
        self.vertices: list[Vertex] = []
        self.trunks: list[Arrow] = []
        uses: dict[Node, list[int]] = {}
        for k, (arrow, members) in enumerate(zip(arrows, branches)):
            sources = {source for source, _, _ in members}
            if arrow.gradient is not None and len(sources) == 1 and arrow.source.kind != "marker":
                uses.setdefault(members[0][0], []).append(k)
        for source, ks in uses.items():
            if len(ks) > 1:
                self._split(source, [arrows[k] for k in ks], [m for k in ks for m in branches[k]], edge_labels, replay,
                            len(arrows))

    def _split(
        self, source: Node, split: Sequence[Arrow], members: Sequence[Connection],
        edge_labels: Mapping[EdgeKey, EdgeText], replay: _Replay | None, count: int,
    ) -> None:
        start = split[0].source
        box = start.box
        for arrow in split:
            box = boxes.common_box(box, arrow.target.box)
        fork = Vertex(f"f{len(self.vertices)}", "", "fork", box)
        forward, gradient = edge_labels.get((source, None), (None, None))
        trunk = Arrow(
            f"c{count + len(self.trunks)}", start, fork, forward or split[0].forward,
            gradient if gradient is not None else fmt.data(_total(members)), boxes.common_box(start.box, box),
        )
        trunk.highlighted = any(arrow.highlighted for arrow in split)
        if replay is not None:
            trunk.state = replay.state(members)
        for arrow in split:
            arrow.source = fork
            arrow.box = boxes.common_box(box, arrow.target.box)
        self.vertices.append(fork)
        self.trunks.append(trunk)


class _Replay:
    """The state of the backward pass when it visits ``order[step]`` (``order``: `autograd.toposort`)."""

    def __init__(self, root: Node, step: int) -> None:
        order = toposort(root)
        if not order:
            raise ValueError("step: the output is a leaf: the backward pass visits no node, so there is no step")
        if not 0 <= step < len(order):
            raise ValueError(f"step: the backward pass visits {len(order)} nodes, so step is 0 to {len(order) - 1}")
        self.current = order[step]
        self.visited = set(order[: step + 1])
        self.here = {self.current}  # the nodes drawn as the current vertex: all of a collapsed box's

    def state(self, members: Sequence[Connection]) -> GradientState:
        if any(target is not None and target not in self.visited for _, target, _ in members):
            return "pending"
        if any(target in self.here for _, target, _ in members):
            return "computed"
        if any(source in self.here for source, _, _ in members):
            return "arriving"
        return "done"


def _downstream(starts: Iterable[Node], connections: Sequence[Connection]) -> set[Node]:
    """``starts`` and every node computed from them: the sources of the arrows on their paths to the output."""
    consumers: dict[Node, list[Node]] = {}
    for source, target, _ in connections:
        if target is not None:
            consumers.setdefault(source, []).append(target)
    reach = set(starts)
    stack = list(reach)
    while stack:
        for target in consumers.get(stack.pop(), ()):
            if target not in reach:
                reach.add(target)
                stack.append(target)
    return reach


def _drawn_boxes(boxes: Sequence[Box], vertices: Iterable[Vertex], arrows: Iterable[Arrow]) -> list[Box]:
    """The boxes that hold a vertex or an arrow, directly or through a box inside them, in ``boxes`` order."""
    used: set[Box] = set()
    for item in [*vertices, *arrows]:
        if item.box is not None:
            used.update(item.box.chain())
    return [box for box in boxes if box in used]
