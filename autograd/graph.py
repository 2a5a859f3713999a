"""The graph core shared by `Value` and `Tensor`.

A node records the op that made it and the nodes it was made from. The walk
below knows nothing about ops: it asks each op for one vector-Jacobian product
per input (autodidact's `defvjp` style) and applies the chain rule.

Nothing here points from an op back at the node it produced, so a graph holds
no reference cycles and is freed by reference counting as soon as the last
node is dropped — no work left for the cyclic garbage collector.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from scratchgrad.autograd.errors import DomainError

VJP = Callable[..., Any]


class Op:
    """One kind of differentiable operation.

    ``vjps[i](g, y, *xs)`` returns the gradient for input ``i`` given the
    upstream gradient ``g``, the output ``y`` and the inputs ``xs``. During a
    plain backward pass these are raw data (floats or ndarrays); with
    ``create_graph=True`` they are nodes, so the same rule builds a
    differentiable graph of the gradient.
    """

    __slots__ = ("glyph", "name", "vjps")

    def __init__(self, name: str, glyph: str, *vjps: VJP) -> None:
        self.name = name
        self.glyph = glyph
        self.vjps = vjps

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


class Node:
    """A vertex of the computational graph: data, gradient, and how it was made.

    Leaves have ``op is None`` and no inputs. Subclasses hold the data
    (`Value`: a float, `Tensor`: an ndarray).
    """

    # The inputs live in two slots rather than in a tuple: a tuple would be a
    # second object per node for Python's cyclic garbage collector to track and
    # traverse, which measured as a quarter of a scalar training step. An op
    # with more than two inputs keeps them all as a tuple in the first slot.
    __slots__ = ("_x0", "_x1", "data", "grad", "name", "op", "requires_grad")

    def __init__(self, data: Any, requires_grad: bool, name: str | None) -> None:
        self.data = data
        self.grad = self._grad_zero
        self.requires_grad = requires_grad
        self.op: Op | None = None
        self._x0 = self._x1 = None
        self.name = name

    @property
    def inputs(self) -> tuple[Node, ...]:
        """The nodes this one was computed from, in argument order (empty for a leaf)."""
        first, second = self._x0, self._x1
        if second is None:
            return () if first is None else (first,)
        return first if second is _MANY else (first, second)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if Node in cls.__bases__:  # a node kind (Value, Tensor); its subclasses (e.g. Parameter) inherit it
            cls._kind = cls

    _kind: type[Node]

    @classmethod
    def _result(cls, data: Any, op: Op, inputs: tuple[Node, ...]) -> Node:
        """A new node of this kind for ``data``; records ``op`` when any input needs a gradient.

        Results are always of the plain kind: an op on a ``Parameter`` gives a ``Tensor``.
        """
        return record(cls._kind, data, op, inputs)

    # Called with the nodes about to be walked, before any rule runs: refuses if data they
    # saved has changed since the forward pass (Tensor: autograd/versions.py). None: no check.
    _check_unchanged: Callable[[list[Node]], None] | None = None
    # What `.grad` holds before any backward pass; subclasses choose.
    _grad_zero: Any = None
    # Errors that mean a rule met a point outside its domain, reported as DomainError. NumPy
    # signals those with nan/inf, so for a Tensor a ValueError is a shape bug and propagates as is.
    _domain_errors: tuple[type[Exception], ...] = ()

    def zero_grad(self) -> None:
        """Reset this node's gradient (as before any backward pass)."""
        self.grad = self._grad_zero

    def _seed(self) -> Any:
        """The gradient of this node with respect to itself (d out / d out)."""
        raise NotImplementedError

    def backward(self, grad: Any = None, retain_graph: bool | None = None) -> None:
        """Backpropagate from this node, accumulating into ``.grad``.

        Every node of the graph that requires a gradient — leaves and
        intermediate nodes alike, so the graph can be drawn with its gradients —
        has the new gradient *added* to its ``.grad``. Calling ``backward()``
        twice therefore adds the same amount twice (the graph is kept); call
        ``zero_grad()`` in between to start afresh.

        ``retain_graph`` is accepted for PyTorch's sake and changes nothing: the
        graph is always kept (it is freed when its last node is dropped).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this node does not require a gradient and has no graph "
                "(it was made from constants only, or inside no_grad())"
            )
        seed = self._seed() if grad is None else self._check_seed(grad)
        self._accumulate(backprop(self, seed, create_graph=False))

    @staticmethod
    def _accumulate(grads: dict[Node, Any]) -> None:
        """Add each new gradient to its node's ``.grad``.

        Gradients that are floats are immutable, so nothing can be shared; `Tensor`
        overrides this to give every node an array of its own.
        """
        for node, g in grads.items():
            node.grad = g if node.grad is None else node.grad + g

    @staticmethod
    def _own(grads: list[Any]) -> list[Any]:
        """``grad()``'s results made safe to hand out (floats: as they are; see `_accumulate`)."""
        return grads

    def _check_seed(self, grad: Any) -> Any:
        """``grad`` as a seed of this node's kind; kinds with mutable data copy it (the caller keeps theirs)."""
        return grad


def record(kind: type[Node], data: Any, op: Op, inputs: tuple[Node, ...]) -> Node:
    """A new node of ``kind`` for ``data``; records ``op`` when any input needs a gradient."""
    node = object.__new__(kind)
    node.data = data
    node.grad = kind._grad_zero
    node.name = None
    # Grad mode is per thread; the thread-local is read only while some thread has it off.
    if not _threads_off or _mode.enabled:
        if len(inputs) == 2:  # one and two inputs spelled out: this runs for every node
            first, second = inputs
            recording = first.requires_grad or second.requires_grad
        elif len(inputs) == 1:
            first, second = inputs[0], None
            recording = first.requires_grad
        else:
            first, second = inputs, _MANY
            recording = any(x.requires_grad for x in inputs)
        if recording:
            node.requires_grad = True
            node.op = op
            node._x0 = first
            node._x1 = second
            return node
    # nothing to differentiate: a constant, as a leaf
    node.requires_grad = False
    node.op = node._x0 = node._x1 = None
    return node


def toposort(root: Node) -> list[Node]:
    """Interior nodes reachable from ``root`` that need gradients, outputs first.

    Iterative depth-first search, so graph depth is not limited by Python's
    recursion limit. The stack holds only nodes and a shared marker — no
    per-node tuple or iterator — so even a million-deep chain allocates
    nothing for the garbage collector to chase.
    """
    if root.op is None:  # a leaf: nothing to walk
        return []
    order: list[Node] = []
    visited = set()
    stack: list[Any] = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is _DONE:  # all inputs of the node below the marker are listed
            order.append(pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        push(node)
        push(_DONE)
        first, second = node._x0, node._x1  # an interior node always has a first input
        if second is _MANY:
            for x in first:
                if x.op is not None and x not in visited:
                    push(x)
            continue
        if first.op is not None and first not in visited:
            push(first)
        if second is not None and second.op is not None and second not in visited:
            push(second)
    order.reverse()
    return order


def backprop(root: Node, seed: Any, create_graph: bool) -> dict[Node, Any]:
    """Gradients of ``root`` (seeded with ``seed``) for every node that needs one.

    With ``create_graph`` the op rules receive nodes instead of raw data, so the
    returned gradients are themselves differentiable nodes.
    """
    grads: dict[Node, Any] = {root: seed}
    get = grads.get
    order = toposort(root)
    if root._check_unchanged is not None:
        root._check_unchanged(order)
    # A plain pass runs the rules on raw data, which records nothing whatever the mode, so the
    # mode is left alone; only building a graph of the gradient needs recording on.
    previous = _set_grad_mode(True) if create_graph else None
    try:
        for node in order:
            g = grads[node]
            try:
                b = node._x1
                if b is not _MANY and not create_graph:
                    # Fast paths for one and two inputs, by far the most common nodes: they
                    # spare the argument tuple and zip of the general loop (~30% of the walk).
                    a = node._x0
                    if b is None:
                        if a.requires_grad:
                            ga = node.op.vjps[0](g, node.data, a.data)
                            prev = get(a)
                            grads[a] = ga if prev is None else prev + ga
                        continue
                    y, a_data, b_data = node.data, a.data, b.data
                    vjp_a, vjp_b = node.op.vjps
                    if a.requires_grad:
                        ga = vjp_a(g, y, a_data, b_data)
                        prev = get(a)
                        grads[a] = ga if prev is None else prev + ga
                    if b.requires_grad:
                        gb = vjp_b(g, y, a_data, b_data)
                        prev = get(b)
                        grads[b] = gb if prev is None else prev + gb
                    continue
                xs = node.inputs
                args = (g, node, *xs) if create_graph else (g, node.data, *[x.data for x in xs])
                for x, vjp in zip(xs, node.op.vjps):
                    if x.requires_grad:
                        gx = vjp(*args)
                        prev = get(x)
                        grads[x] = gx if prev is None else prev + gx
            except Exception as error:
                if isinstance(error, node._domain_errors):
                    raise _domain_error(node, error) from error
                raise
    finally:
        if create_graph:
            _set_grad_mode(previous)
    return grads


def _domain_error(node: Node, error: Exception) -> DomainError:
    if isinstance(error, DomainError):
        return error
    values = ", ".join(_short(x.data) for x in node.inputs)
    return DomainError(f"backward of {node.op.name}({values}): derivative is undefined ({error})")


def _short(data: Any) -> str:
    shape = getattr(data, "shape", None)
    return f"<array {shape}>" if shape else repr(data)


def grad(
    output: Node,
    inputs: Node | Sequence[Node],
    grad_output: Any = None,
    create_graph: bool = False,
) -> Any:
    """Gradients of ``output`` with respect to ``inputs``, without touching ``.grad``.

    Returns one gradient per input (a single one when ``inputs`` is a node).
    With ``create_graph=True`` the gradients are nodes that can be
    differentiated again, e.g. ``grad(grad(y, x, create_graph=True), x)``.
    An input that ``output`` does not depend on gets a zero gradient.
    """
    single = isinstance(inputs, Node)
    targets = [inputs] if single else list(inputs)
    if not output.requires_grad:
        raise RuntimeError("grad(): the output does not require a gradient and has no graph")
    seed = output._seed() if grad_output is None else output._check_seed(grad_output)
    if create_graph:
        seed = type(output)._constant_like(seed, output)
    grads = backprop(output, seed, create_graph)
    results = [grads[x] if x in grads else x._zeros(create_graph) for x in targets]
    if not create_graph:
        results = output._own(results)
    return results[0] if single else results


_DONE = object()  # on the toposort stack: the node below it is finished
_MANY = object()  # in a node's second input slot: all its inputs are a tuple in the first


class _GradMode(threading.local):
    enabled = True  # the class default: every thread starts with grad mode on, as in PyTorch


_mode = _GradMode()
# How many threads have grad mode off. While it is 0, `record` needs no thread-local lookup
# (~40 ns a node). A thread that ends with the mode off keeps it above 0: slower, still right.
_threads_off = 0
_switching = threading.Lock()


def _set_grad_mode(enabled: bool) -> bool:
    """Set this thread's grad mode; returns the previous one."""
    global _threads_off
    previous = _mode.enabled
    if enabled is not previous:
        # The count may run high (slower) but never low (wrong): it goes up before a thread's
        # mode goes off and down only after it is back on, even if interrupted in between.
        with _switching:
            if enabled:
                _mode.enabled = True
                _threads_off -= 1
            else:
                _threads_off += 1
                _mode.enabled = False
    return previous


def is_grad_enabled() -> bool:
    """Whether operations in this thread record a graph (each thread has its own mode, on at start)."""
    return _mode.enabled


F = TypeVar("F", bound=Callable[..., Any])


class _GradModeContext:
    """Sets this thread's grad mode inside a ``with`` block or a decorated function, then restores it.

    What to restore is kept per thread (and per nesting level), so one object may be
    shared by threads and entered recursively.
    """

    _inside: bool

    def __init__(self) -> None:
        self._saved: dict[int, list[bool]] = {}

    def __enter__(self) -> None:
        self._saved.setdefault(threading.get_ident(), []).append(_set_grad_mode(self._inside))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        ident = threading.get_ident()
        stack = self._saved[ident]
        _set_grad_mode(stack.pop())
        if not stack:
            del self._saved[ident]

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def with_mode(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return with_mode  # type: ignore[return-value]


class no_grad(_GradModeContext):  # noqa: N801 -- named as torch.no_grad
    """Operations inside record no graph, in this thread only (as ``torch.no_grad``).

    A context manager (``with no_grad(): ...``) or a decorator (``@no_grad()``).
    """

    _inside = False


class enable_grad(_GradModeContext):  # noqa: N801 -- named as torch.enable_grad
    """Operations inside record a graph even within ``no_grad`` (as ``torch.enable_grad``)."""

    _inside = True


class set_grad_enabled:  # noqa: N801 -- named as torch.set_grad_enabled
    """Switch recording on or off for this thread (as ``torch.set_grad_enabled``).

    As a function, ``set_grad_enabled(False)`` switches it off until switched on
    again; as a context manager, ``with set_grad_enabled(training): ...`` restores
    the mode from before the call on leaving the block (also on an exception).
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): mode must be a bool, got {type(mode).__name__} {mode!r}")
        self._previous = _set_grad_mode(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        _set_grad_mode(self._previous)
