"""Named boxes around a block of code: ``with viz.scope("Softmax", a) as s: y = s.output(...)``.

A scope is told its inputs when it opens and its outputs before it closes;
its box holds every node its outputs were computed from, up to (not
including) those inputs — the ops the block ran, and the constants and
parameters it used. Scopes nest (a model's scope holds its layers' scopes)
and become nested boxes in every drawing of the graph, with no option to pass.

Where the record lives, and why: nodes have ``__slots__`` and no weak
references, so a registry beside the graph would have to hold the nodes
strongly and would keep every graph ever built in a scope alive (a training
loop whose layers open scopes would leak). Instead each output's ``op`` is
replaced, on the node, by a `ScopedOp`: the same name, glyph and derivative
rules — the engine cannot tell the difference and runs exactly as fast — plus
a reference to the scope's `ScopeRecord`. The record lives and dies with the
graph, and opening a scope costs one small object per output: membership is
worked out only when a drawing asks for it (`scope_boxes`).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from scratchgrad.autograd import Node, Op


class ScopeRecord:
    """What a drawing needs to know about one scope: title, enclosing scope, inputs, closing order."""

    __slots__ = ("inputs", "parent", "sequence", "title")

    def __init__(self, title: str, parent: ScopeRecord | None, inputs: tuple[Node, ...]) -> None:
        self.title = title
        self.parent = parent
        self.inputs = inputs
        self.sequence = -1  # set when the scope closes: inner and earlier scopes close first

    def within(self, other: ScopeRecord) -> bool:
        """Whether this scope was opened inside ``other`` (at any depth), or is ``other``."""
        record: ScopeRecord | None = self
        while record is not None:
            if record is other:
                return True
            record = record.parent
        return False

    def __repr__(self) -> str:
        return f"ScopeRecord({self.title!r})"


class ScopedOp(Op):
    """An `Op` that also says which scopes' outputs its node is (innermost first)."""

    __slots__ = ("scopes",)

    def __init__(self, op: Op, scopes: tuple[ScopeRecord, ...]) -> None:
        super().__init__(op.name, op.glyph, *op.vjps)
        self.scopes = scopes


_open: contextvars.ContextVar[ScopeRecord | None] = contextvars.ContextVar("viz_open_scope", default=None)
_closed = itertools.count()


class Scope:
    """The context manager returned by `scope`; call `output` with what the block produces."""

    def __init__(self, title: str, inputs: tuple[Node, ...]) -> None:
        self.title = title
        self._inputs = inputs
        self._record: ScopeRecord | None = None
        self._outputs: list[Node] = []
        self._token: contextvars.Token[ScopeRecord | None] | None = None

    def __enter__(self) -> Self:
        if self._record is not None:
            raise RuntimeError(f"scope {self.title!r} is already in use; open a new one")
        self._record = ScopeRecord(self.title, _open.get(), self._inputs)
        self._token = _open.set(self._record)
        return self

    def output(self, *values: Any) -> Any:
        """Declare what the block produces (nodes, or lists, tuples and dicts of them); returns ``values`` unchanged.

        ``y = s.output(f(x))`` keeps the block readable; several values come
        back as a tuple.
        """
        if self._token is None:  # set only while the block runs
            raise RuntimeError(f"scope {self.title!r}: call output() inside the with block")
        self._outputs.extend(_nodes(values))
        return values[0] if len(values) == 1 else values

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        assert self._record is not None and self._token is not None
        _open.reset(self._token)
        self._token = None
        if kind is not None:
            return
        if not self._outputs:
            raise ValueError(f"scope {self.title!r} was given no outputs: end the block with y = s.output(y)")
        self._record.sequence = next(_closed)
        inputs = set(self._record.inputs)
        for node in dict.fromkeys(self._outputs):  # each output once, in order
            if node.op is not None and node not in inputs:
                scopes = node.op.scopes if isinstance(node.op, ScopedOp) else ()
                node.op = ScopedOp(node.op, (*scopes, self._record))


def scope(title: str, *inputs: Any) -> Scope:
    """A named box around the nodes a ``with`` block computes from ``inputs``.

    ``inputs`` are the nodes the block starts from (lists, tuples and dicts of nodes
    are searched, anything else, e.g. a NumPy array, is ignored); they stay
    outside the box. Name them all: a node the block reads but was not told
    about (a label, a weight) is drawn inside the box — which is right for the
    block's own parameters. Scopes that closed earlier and are not nested in
    this one are never swallowed, so consecutive layers stay separate even
    when an input was forgotten.
    """
    if not isinstance(title, str):
        raise TypeError(f"scope: the title must be a str, not {type(title).__name__}")
    return Scope(title, tuple(_nodes(inputs)))


def scoped(title: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` inside ``scope(title, *args, *kwargs.values())``; returns its result.

    The form a layer's ``__call__`` can use: ``return viz.scoped(type(self).__name__, self.forward, x)``.
    """
    with scope(title, *args, *kwargs.values()) as box:
        return box.output(function(*args, **kwargs))


@contextlib.contextmanager
def module_boxes() -> Iterator[None]:
    """Inside this block every ``nn.Module`` call becomes a box titled with its ``title`` or class (``Affine 0``).

    ``with viz.module_boxes(): loss = net.last_layer(net(x), t)`` then ``viz.render(loss, ...)``
    draws Affine, ReLU and the whole model as nested boxes. Outside the block
    modules run with no scope at all, so training pays nothing for it.
    """
    from scratchgrad.nn.module import Module  # viz draws any graph; it needs nn only for this

    previous = Module.call_hook
    Module.call_hook = _scoped_call
    try:
        yield
    finally:
        Module.call_hook = previous


def _scoped_call(module: Any, *args: Any, **kwargs: Any) -> Any:
    return scoped(module.title or type(module).__name__, module.forward, *args, **kwargs)


def scope_boxes(nodes: Sequence[Node]) -> tuple[list[ScopeRecord], dict[Node, ScopeRecord]]:
    """The scopes with an output among ``nodes`` (in closing order), and the innermost scope of each node in one.

    Scopes are resolved inner and earlier first: a scope's box takes the
    unclaimed nodes reachable from its outputs without passing its inputs,
    walks through the boxes of scopes opened inside it and stops at the boxes
    of any other scope. ``nodes`` must hold everything upstream of them (a
    whole graph, as drawings have).
    """
    outputs: dict[ScopeRecord, list[Node]] = {}
    for node in nodes:
        if isinstance(node.op, ScopedOp):
            for record in node.op.scopes:
                outputs.setdefault(record, []).append(node)
    records = sorted(outputs, key=lambda record: record.sequence)
    owner: dict[Node, ScopeRecord] = {}
    for record in records:
        stop = set(record.inputs)
        seen: set[Node] = set()
        stack = list(reversed(outputs[record]))
        while stack:
            node = stack.pop()
            if node in seen or node in stop:
                continue
            seen.add(node)
            claimed = owner.setdefault(node, record)
            if claimed is record or claimed.within(record):
                stack.extend(reversed(node.inputs))
    return records, owner


def _nodes(values: Any) -> Iterator[Node]:
    """The nodes in ``values``, searching lists, tuples and mapping values, in order."""
    stack = [values]
    while stack:
        value = stack.pop()
        if isinstance(value, Node):
            yield value
        elif isinstance(value, list | tuple):
            stack.extend(reversed(value))
        elif isinstance(value, Mapping):
            stack.extend(reversed(list(value.values())))
