"""Boxes: which box each node is drawn in, and what collapsing a box hides.

A box is an entry of ``clusters=`` or a `viz.scope` (nested as the scopes
were opened). Collapsing a box makes it one unit of the drawing that stands
for the nodes inside it; `viz.view` draws units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scratchgrad.autograd import Node
from scratchgrad.viz.scopes import scope_boxes


@dataclass(eq=False)
class Box:
    """A titled box: an entry of ``clusters=`` or a `viz.scope`; ``parent`` is the box around it."""

    title: str
    parent: Box | None = None

    def chain(self) -> Iterable[Box]:
        """This box and the boxes around it, innermost first."""
        box: Box | None = self
        while box is not None:
            yield box
            box = box.parent


def gather(
    clusters: Mapping[str, Iterable[Node]], nodes: Sequence[Node], position: Mapping[Node, int]
) -> tuple[list[Box], dict[Node, Box]]:
    """The boxes of the graph — ``clusters`` first, then scopes as they closed — and each boxed node's box.

    A node listed in ``clusters`` is drawn in that box even when a scope holds it.
    """
    records, owner = scope_boxes(nodes)
    scoped = {record: Box(record.title) for record in records}
    for record, box in scoped.items():
        parent = record.parent
        while parent is not None and parent not in scoped:
            parent = parent.parent
        box.parent = scoped.get(parent) if parent is not None else None
    box_of = {node: scoped[record] for node, record in owner.items()}
    explicit = []
    listed: dict[Node, str] = {}
    for title, members in clusters.items():
        if not isinstance(title, str):
            raise TypeError(f"clusters: a box title must be a str, not {type(title).__name__}")
        box = Box(title)
        explicit.append(box)
        for node in members:
            if node not in position:
                raise ValueError(f"clusters[{title!r}]: {node!r} is not in the graph")
            other = listed.setdefault(node, title)
            if other != title:
                raise ValueError(f"clusters[{title!r}]: {node!r} is already in the box {other!r}")
            box_of[node] = box
    return explicit + list(scoped.values()), box_of


def named(boxes: Sequence[Box], names: Iterable[str]) -> frozenset[Box]:
    """The boxes to collapse: every box with one of the titles ``names``."""
    names = list(names)
    titles = dict.fromkeys(box.title for box in boxes)
    for name in names:
        if name not in titles:
            known = ", ".join(repr(t) for t in titles) or "none"
            raise ValueError(f"collapse: no box is called {name!r} (the boxes are: {known})")
    return frozenset(box for box in boxes if box.title in names)


class Units:
    """The units a graph is drawn with: nodes, and collapsed boxes standing for the nodes inside.

    A collapsed box keeps its named leaves, the leaves that need a gradient
    and data arrays (a label t, a weight W, a batch x) outside as its inputs;
    unnamed scalar constants (the -1 of a loss) disappear into it.
    """

    def __init__(self, nodes: Sequence[Node], box_of: Mapping[Node, Box]) -> None:
        self.nodes = nodes
        self.box_of = box_of
        self.cover: dict[Box, Box] = {}

    def assign(self, collapsed: frozenset[Box]) -> dict[Node, Node | Box]:
        """Each node's unit; also sets ``cover``: the outermost collapsed box around each hidden box."""
        self.cover = {}
        for box in dict.fromkeys(self.box_of.values()):
            for outer in box.chain():
                if outer in collapsed:
                    self.cover[box] = outer
        unit_of: dict[Node, Node | Box] = {}
        for node in self.nodes:
            box = self.box_of.get(node)
            hidden = self.cover.get(box) if box is not None else None
            unit_of[node] = hidden if hidden is not None and not _stays_outside(node) else node
        return unit_of

    def count(self, collapsed: frozenset[Box]) -> int:
        """How many units there are when ``collapsed`` are collapsed (what the node budget counts)."""
        return len(set(self.assign(collapsed).values()))


def _stays_outside(node: Node) -> bool:
    """A leaf a reader looks for (a named one, a parameter, a data array): drawn as an input of its collapsed box."""
    return node.op is None and bool(node.name or node.requires_grad or np.size(node.data) > 1)


def common_box(a: Box | None, b: Box | None) -> Box | None:
    """The innermost box holding both ``a`` and ``b`` (where an arrow between them is drawn)."""
    if a is None or b is None:
        return None
    around_a = set(a.chain())
    return next((box for box in b.chain() if box in around_a), None)
