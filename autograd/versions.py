"""Data changed between forward and backward: detected, never silently used.

A backward rule reads its inputs' data when it runs, not when the forward did; if that data
changed in between, the gradient is silently wrong. Two mechanisms catch the changes:

**Versions** (PyTorch's version counter). Every tensor carries ``_version``: the value of a
global clock when it was made, or when its data last changed by a path the library owns —
an optimizer step, `Module.load_state_dict`, gradcheck's perturbation, or rebinding
``t.data = ...`` of a leaf that a graph saved. An op made at clock time ``c`` was computed
from its inputs as they were at ``c``, so an input whose version is later than the op's own
was changed after the op read it: backward refuses.

**Watching.** A raw NumPy write (``w.data[...] = 0``, ``w.data += 1``, ``out=w.data``) goes
through no code of ours, and copying or hashing every saved array in every forward would cost
more than the step. So when a recorded op saves a *leaf* tensor, the leaf's class is switched
to a twin whose ``data`` property (and ``numpy()``/``detach()``, which read it) keeps a copy of
the array the first time it is handed out; backward compares that copy with the data and
refuses if they differ. The leaf is switched back only by a backward pass through every op
that saved it since it was last changed (the leaf counts them), so a graph still alive keeps
it watched; an optimizer step or other bump restarts the count, since older graphs refuse
by version anyway. Training loops never read ``.data`` between forward and backward (the
optimizer and layers read the slot), so they copy nothing; reading or printing costs one
copy and never raises; nothing is ever made read-only.

**Not detected** (documented in `Tensor` too): writes through an array obtained *before* the
forward that saved the tensor (the array you passed to ``Tensor(...)``, a ``p.data`` kept from
earlier, ``net.params[...]``); writes into the data of an *intermediate* result, or through a
view of a leaf that an op returned (``reshape``, ``transpose``, indexing); raw writes made
after the backward passes through all the ops that saved the leaf (it is no longer watched),
then backward through one of those graphs again; and `Value` (``v.data = 5.0``):
intercepting a float's assignment would slow every scalar op. Writes by the library's own
paths (versions) are detected in all these cases.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

from scratchgrad.autograd.graph import _MANY, Node

_DATA = Node.__dict__["data"]  # the slot itself: read and written here without watching
data_of, _set_data = _DATA.__get__, _DATA.__set__

clock = 0  # bumped by every modification; a new tensor's _version is its current value
_ticking = threading.Lock()  # two threads bumping at once must get distinct, increasing times


def bump(*tensors: Any) -> None:
    """Record that the tensors' data changed in place: graphs recorded before refuse to backpropagate through them."""
    global clock
    with _ticking:
        clock += 1
        now = clock
    for tensor in tensors:
        tensor._version = now
        tensor._snapshot = None
        tensor._saves = 0  # graphs that saved it before now refuse by version: no longer counted


class _Watched:
    """Mixed into a leaf's class while a recorded op may read its data in backward."""

    __slots__ = ()

    @property
    def data(self) -> np.ndarray:
        array = data_of(self)
        # Handed out: keep a copy, to tell at backward whether it was written. Not when an op
        # of the engine reads it to compute a result (a weight used again before backward):
        # ops never write their inputs, and copying there would tax every such op.
        if self._snapshot is None and sys._getframe(1).f_globals.get("__name__") not in _ENGINE_OPS:
            self._snapshot = _snapshot_of(array)
        return array

    @data.setter
    def data(self, array: np.ndarray) -> None:
        _set_data(self, array)
        bump(self)

    def __reduce_ex__(self, protocol: Any) -> Any:  # pickled and copied as the class itself, not this twin
        dict_state, slot_state = super().__reduce_ex__(2)[2]
        return object.__new__, (_BASE[type(self)],), (dict_state, {**slot_state, "_snapshot": None, "_saves": 0})

    # Metadata reads do not hand the array out.
    shape = property(lambda self: data_of(self).shape)
    ndim = property(lambda self: data_of(self).ndim)
    dtype = property(lambda self: data_of(self).dtype)
    size = property(lambda self: data_of(self).size)


_ENGINE_OPS = frozenset(f"scratchgrad.autograd.{name}" for name in ("array_ops", "elementwise", "graph", "losses"))
_TWIN: dict[type, type] = {}  # a tensor class -> its watched twin
_BASE: dict[type, type] = {}  # a watched twin -> its class


def _snapshot_of(array: np.ndarray) -> np.ndarray:
    """The copy a watched leaf keeps of data handed out (the only copy this module takes)."""
    return array.copy()


# Held while a leaf is switched to or from its twin and its saves are counted: a backward in
# one thread must not switch back a leaf that another thread's forward has just saved.
_watching = threading.Lock()


def saved(leaf: Any) -> None:
    """``leaf`` is an input of an op just recorded: watch it for raw writes until backward."""
    with _watching:
        cls = leaf.__class__
        if cls in _BASE:  # watched already, for an older graph
            snapshot = leaf._snapshot
            if snapshot is not None and not _same(snapshot, data_of(leaf)):
                bump(leaf)  # written since it was handed out: stale for the older graphs, fine for this one
            leaf._saves += 1
            return
        twin = _TWIN.get(cls)
        if twin is None:
            # Named as the class itself: type(p).__name__ and error messages show "Parameter".
            names = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
            twin = _TWIN[cls] = type(cls.__name__, (_Watched, cls), {"__slots__": (), **names})
            _BASE[twin] = cls
        leaf.__class__ = twin
        leaf._snapshot = None
        leaf._saves = 1


def check_unchanged(order: list[Any]) -> None:
    """Refuse to backpropagate through ``order`` (interior nodes) if any input changed since its op read it."""
    saves: dict[Any, int] = {}  # watched leaf -> how many ops of this graph saved it
    for node in order:
        # A node built by graph.record directly rather than Tensor._result has no stamp: unchecked.
        version = getattr(node, "_version", None)
        if version is None:
            continue
        first, second = node._x0, node._x1  # node.inputs, without building a tuple for the common cases
        for x in first if second is _MANY else (first,) if second is None else (first, second):
            if getattr(x, "_version", 0) > version:
                raise _modified(x, node)
            if x.__class__ in _BASE:
                snapshot = x._snapshot
                if snapshot is not None and not _same(snapshot, data_of(x)):
                    raise _modified(x, node)
                saves[x] = saves.get(x, 0) + 1
    with _watching:
        for x, count in saves.items():
            # Saved by ops of this graph only: backward reads it now, no other graph needs it
            # watched. Saved by others too (a graph still alive, or one dropped: no telling), it
            # stays watched, snapshot and all: an array handed out earlier may still be written.
            if x._saves == count and x.__class__ in _BASE:
                x.__class__ = _BASE[x.__class__]
                x._snapshot = None


def _same(snapshot: np.ndarray, array: np.ndarray) -> bool:
    return snapshot.shape == array.shape and np.array_equal(snapshot, array, equal_nan=True)


def _modified(x: Any, node: Any) -> RuntimeError:
    what = f"tensor {x.name!r}" if x.name else "a leaf tensor" if x.op is None else f"the result of {x.op.name}"
    return RuntimeError(
        f"backward(): {what} of shape {data_of(x).shape} was modified after the forward pass used it "
        f"(an input of {node.op.name}), so the gradient would be computed from the wrong data. "
        "Change data only after backward(), or run the forward pass again after changing it."
    )
