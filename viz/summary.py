"""Keeping a drawing within a node budget, honestly.

Graphviz's layout grows much faster than linearly: micrograd's drawing of a
2,284-node graph takes 8-16 s, one of 7,498 nodes does not finish in four
minutes. So a drawing over its budget is summarised, in two steps:

1. `collapse_levels`: boxes (scopes, layers) become single nodes, the
   innermost level first, until the drawing fits or no box is left;
2. `elide`: the nodes nearest the output are kept (breadth-first, plus the
   shortest path from the output to every node the caller wants to keep,
   even if those paths alone exceed the budget) and everything else is
   folded into "… N nodes (ops) …" markers, one per connected part of what
   was left out.

Both steps depend only on the graph's order, never on ``id()`` or hashing, so
the same graph always gives the same summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

Unit = TypeVar("Unit", bound=Hashable)
Box = TypeVar("Box", bound=Hashable)

KEPT_SHARE = 0.8
"""Share of the budget given to kept nodes; the rest is for the markers that stand for the others."""

MARKER_OPS = 4
"""Most op glyphs a marker names (the most frequent first)."""

MAX_PARALLEL = 3
"""Most arrows drawn from one node into one op (``x * x`` has two); more uses are one arrow saying how many.

Otherwise a graph of two nodes, ``sum([x] * 20_000)``, drew 20,000 arrows.
"""

MAX_KEPT = 1000
"""Most units the kept paths may hold beyond the budget: a summary keeps at most ``max(budget, MAX_KEPT)``.

Without a bound, keeping one node at the far end of a 200,000-node chain
kept the whole chain (129 MB of DOT text).
"""


class TooManyKept(ValueError):  # noqa: N818 - what went wrong, as GraphTooLarge
    """The paths to the units to keep alone exceed what a summary may keep."""


def collapse_levels(
    count: Callable[[frozenset[Box]], int], depth: Mapping[Box, int], collapsed: frozenset[Box], budget: int
) -> frozenset[Box]:
    """``collapsed`` plus whole levels of boxes, deepest first, until ``count(collapsed) <= budget``.

    ``depth[box]`` is how deeply a box is nested (0 for an outermost box);
    ``count`` says how many nodes are drawn when a given set of boxes is collapsed.
    """
    for level in sorted(set(depth.values()), reverse=True):
        if count(collapsed) <= budget:
            break
        collapsed = collapsed | {box for box, d in depth.items() if d == level}
    return collapsed


def elide(
    inputs: Mapping[Unit, Sequence[Unit]], root: Unit, keep: Sequence[Unit], budget: int
) -> tuple[dict[Unit, int], list[int]]:
    """Which units to fold into which marker, so that kept units plus markers stay within ``budget``.

    ``inputs`` gives every unit's inputs in argument order (every unit must be
    upstream of ``root``). The shortest paths from ``root`` to the ``keep``
    units are kept even beyond ``budget``, up to ``max(budget, MAX_KEPT)``
    units; more raise `TooManyKept`. Returns the marker index of each folded unit and,
    per marker, how many separate parts of the graph it stands for (more than
    one only for the last marker, when there were more parts than room). A
    part of a single unit is drawn as itself: that takes no more room.
    """
    parent: dict[Unit, Unit | None] = {root: None}
    order = [root]
    for unit in order:  # breadth-first: grows while it is walked
        for x in inputs.get(unit, ()):
            if x not in parent:
                parent[x] = unit
                order.append(x)
    kept: dict[Unit, None] = {root: None}
    limit = max(budget, MAX_KEPT)
    for target in keep:
        step: Unit | None = target
        while step is not None and step not in kept:
            kept[step] = None
            step = parent[step]
        if len(kept) > limit:  # checked per path: a path can be walked, its size only known at its end
            raise TooManyKept(
                f"the paths from the output to the nodes to keep hold {_path_units(parent, kept, keep):,} nodes, "
                f"more than {limit:,} (a summary keeps at most max(max_nodes, {MAX_KEPT:,})); keep nodes nearer "
                "the output, raise max_nodes (--max-nodes), or draw everything with max_nodes=None (--max-nodes all)"
            )
    quota = max(len(kept), int(budget * KEPT_SHARE))
    for unit in order:
        if len(kept) >= quota:
            break
        kept[unit] = None
    folded = [unit for unit in order if unit not in kept]
    parts = _connected_parts(folded, inputs)
    room = max(1, budget - len(kept))
    counts = [1] * len(parts)
    if len(parts) > room:
        largest = set(sorted(range(len(parts)), key=lambda i: -len(parts[i]))[: room - 1])
        rest = [unit for i, part in enumerate(parts) if i not in largest for unit in part]
        counts = [1] * len(largest) + [len(parts) - len(largest)]
        parts = [part for i, part in enumerate(parts) if i in largest] + [rest]
    markers = [(part, count) for part, count in zip(parts, counts) if len(part) > 1]  # one unit costs one marker
    return {unit: i for i, (part, _) in enumerate(markers) for unit in part}, [count for _, count in markers]


def _path_units(parent: Mapping[Unit, Unit | None], kept: Mapping[Unit, None], keep: Sequence[Unit]) -> int:
    """How many units all the paths to ``keep`` hold (``kept`` is where the walk stopped)."""
    units = dict(kept)
    for target in keep:
        step: Unit | None = target
        while step is not None and step not in units:
            units[step] = None
            step = parent[step]
    return len(units)


def _connected_parts(units: Sequence[Unit], inputs: Mapping[Unit, Sequence[Unit]]) -> list[list[Unit]]:
    """``units`` split into the parts that arrows among them connect, each in the order of ``units``."""
    members = set(units)
    root_of: dict[Unit, Unit] = {unit: unit for unit in units}

    def find(unit: Unit) -> Unit:
        while root_of[unit] is not unit:
            root_of[unit] = root_of[root_of[unit]]
            unit = root_of[unit]
        return unit

    for unit in units:
        for x in inputs.get(unit, ()):
            if x in members:
                a, b = find(unit), find(x)
                if a is not b:
                    root_of[b] = a
    parts: dict[Unit, list[Unit]] = {}
    for unit in units:
        parts.setdefault(find(unit), []).append(unit)
    return list(parts.values())


def marker_text(nodes: int, ops: Counter[str], parts: int = 1) -> str:
    """``… 12,345 nodes (×, +, ReLU) …``: how much a marker hides, and of what."""
    names = [glyph for glyph, _ in sorted(ops.items(), key=lambda item: (-item[1], item[0]))]
    shown = ", ".join(names[:MARKER_OPS]) + (", …" if len(names) > MARKER_OPS else "")
    where = f" in {parts:,} parts" if parts > 1 else ""
    return f"… {nodes:,} nodes{where}" + (f" ({shown})" if shown else "") + " …"
