"""Trace a step once, then run it as straight-line NumPy: the engine writes the book's backward code.

``traced = trace(loss_fn, *example_inputs)`` calls ``loss_fn`` once, reads the graph it
recorded (as `viz` does: the eager core is not changed) and writes one Python function,
forward then backward, in plain NumPy: ``print(traced.source)`` for the two-layer net shows
``dW1 = x.T @ dmatmul1``, the bias sums and the ReLU mask, each line commented with the node
it comes from. ``traced(*inputs)`` runs it on new inputs, returns the loss as a float and
leaves in every leaf that requires a gradient the ``.grad`` that ``loss_fn(*inputs).backward()``
after zeroing would leave: the same NumPy calls in the same order, so the same rounding.
Parameters are read at call time, so an optimizer's in-place update between calls is seen.

What a trace cannot see. A trace is the one path ``loss_fn`` took for the example inputs:

- Every call checks that the inputs and parameters have the traced shapes and dtypes, and
  that inputs which are not arrays (numbers, flags) equal the traced ones — they are baked in.
- Control flow that depends on the data (``if loss > 1``, a loop until convergence) and arrays
  computed from the inputs outside the graph (``Tensor(x / 255)``) are invisible to a trace:
  the program repeats the traced path and the traced constants. ``traced(*inputs, check=True)``
  re-runs ``loss_fn`` eagerly on those inputs and raises if its graph differs (ops, shapes,
  dtypes, connections) or if its loss does (a baked-in constant), so a changed graph is found
  on the calls that check; deciding when to check and when to trace again is the caller's call.
- The gradients are set on the parameters as ``backward()`` would; intermediate nodes get none.
"""

from __future__ import annotations

import inspect
import keyword
import reprlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from scratchgrad.autograd import losses
from scratchgrad.autograd.graph import Node, toposort
from scratchgrad.autograd.tensor import Tensor

# How each supported op is written: forward from its inputs' names, one backward per input
# from the upstream gradient ``g``, the output ``y`` and the inputs. These spell out the
# NumPy calls of the eager rules (elementwise.py, array_ops.py), in the same order.
_BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
_BINARY_GRADS = {
    "add": ("{g}", "{g}"),
    "sub": ("{g}", "-{g}"),
    "mul": ("{g} * {b}", "{g} * {a}"),
    "div": ("{g} / {b}", "-{g} * {y} / {b}"),
}
_UNARY = {
    "neg": ("-{a}", "-{g}"),
    "exp": ("np.exp({a})", "{g} * {y}"),
    "log": ("np.log({a})", "{g} / {a}"),
    "tanh": ("np.tanh({a})", "{g} * (1 - {y} * {y})"),
    "relu": ("np.maximum({a}, 0)", "np.where({y} > 0, {g}, {y})"),  # the ReLU mask; nan stays nan
    "abs": ("np.abs({a})", "np.where({a} != 0, {g}, 0.0) * np.sign({a})"),
    "reciprocal": ("np.reciprocal({a})", "-{g} * {y} * {y}"),
}
SUPPORTED = sorted([*_BINARY, *_UNARY, "matmul", "sum", "reshape", "transpose", "broadcast", "softmax_with_loss"])


class TraceError(RuntimeError):
    """A function could not be traced, or a call does not fit its trace."""


class Traced:
    """A traced loss function: ``traced(*inputs)`` runs the generated program (see `trace`)."""

    def __init__(
        self,
        loss_fn: Callable[..., Any],
        source: str,
        run: Callable[..., Any],
        examples: list[Any],
        arg_names: list[str],
        leaves: list[Tensor],
        grad_leaves: list[tuple[str, int]],
        structure: list[tuple[Any, ...]],
    ) -> None:
        self.loss_fn = loss_fn
        self.source = source
        self._run = run
        self._arg_names = arg_names
        # What each input must look like: (shape, dtype) of an array, or the value itself
        self._expected = [_signature(x) for x in examples]
        self._leaves = leaves  # parameters and constants, read at call time
        self._leaf_shapes = [(leaf.data.shape, leaf.data.dtype) for leaf in leaves]
        self._grad_leaves = grad_leaves  # ("leaf", i) or ("input", i), in the order the program returns
        self._structure = structure

    def __call__(self, *inputs: Any, check: bool = False) -> float:
        """Run the traced step on ``inputs``; returns the loss and sets ``.grad`` of every leaf that needs one.

        With ``check=True`` ``loss_fn`` is also run eagerly once on the same inputs: a graph
        that differs from the trace (data-dependent control flow) is an error.
        """
        arrays = self._arrays(inputs)
        leaves = self._leaves
        for leaf, (shape, dtype) in zip(leaves, self._leaf_shapes):
            data = leaf.data
            if data.shape != shape or data.dtype != dtype:
                raise TraceError(
                    f"traced step: parameter {_label(leaf, shape)} is now {data.dtype} of shape {data.shape}, "
                    f"traced as {dtype} of shape {shape}; trace again"
                )
        eager = self._check(inputs) if check else None
        loss, *grads = self._run(*arrays, *[leaf.data for leaf in leaves])
        if eager is not None and not np.array_equal(loss, eager, equal_nan=True):
            raise TraceError(
                f"traced step, check=True: the traced loss {float(loss)!r} differs from eager's {float(eager)!r} "
                "on the same graph: a value computed from the inputs outside the graph was baked into the trace; "
                "trace again"
            )
        for (kind, i), g in zip(self._grad_leaves, Tensor._own(grads)):
            (leaves[i] if kind == "leaf" else inputs[i]).grad = g
        return float(loss)

    def _arrays(self, inputs: Sequence[Any]) -> list[Any]:
        """The inputs' data, after checking that each one fits the trace."""
        if len(inputs) != len(self._expected):
            raise TraceError(f"traced step: takes {len(self._expected)} inputs, got {len(inputs)}")
        arrays = []
        for name, x, expected in zip(self._arg_names, inputs, self._expected):
            got = _signature(x)
            if got != expected:
                raise TraceError(
                    f"traced step: input {name} is {_describe(got)}, traced with {_describe(expected)}; trace again"
                )
            arrays.append(x.data if isinstance(x, Tensor) else x)
        return arrays

    def _check(self, inputs: Sequence[Any]) -> np.ndarray:
        """Run ``loss_fn`` eagerly on ``inputs``, refuse if its graph is not the traced one; returns its loss."""
        root = self.loss_fn(*inputs)
        if not isinstance(root, Tensor) or root.op is None:
            raise TraceError("traced step, check=True: loss_fn no longer returns a Tensor with a graph")
        structure = _structure(root, inputs)
        if structure != self._structure:
            where = next(
                (i for i, (a, b) in enumerate(zip(structure, self._structure)) if a != b),
                min(len(structure), len(self._structure)),
            )
            now = structure[where] if where < len(structure) else "nothing"
            then = self._structure[where] if where < len(self._structure) else "nothing"
            raise TraceError(
                f"traced step, check=True: the graph changed (data-dependent control flow?): node {where} "
                f"is now {now}, traced as {then}; trace again"
            )
        return root.data


def trace(loss_fn: Callable[..., Any], *example_inputs: Any) -> Traced:
    """Call ``loss_fn(*example_inputs)`` once and compile its graph to straight-line NumPy.

    ``loss_fn`` must return a Tensor of one element with a graph. Inputs are Tensors,
    arrays (e.g. class labels) or other values (baked in, checked on every call);
    every other leaf of the graph (the parameters) is read when the traced step runs.
    See the module docstring for what a trace cannot see.
    """
    arrays = [i for i, x in enumerate(example_inputs) if isinstance(x, Node | np.ndarray)]
    for k, i in enumerate(arrays):
        for j in arrays[k + 1 :]:
            if example_inputs[i] is example_inputs[j]:  # the program could not tell which use is which
                raise TraceError(f"trace: inputs {i} and {j} are the same object; pass two distinct arrays")
    root = loss_fn(*example_inputs)
    if isinstance(root, Node) and not isinstance(root, Tensor):
        raise TraceError(f"trace: loss_fn returned a {type(root).__name__}; only Tensor graphs can be traced")
    if not isinstance(root, Tensor) or root.op is None or root.data.size != 1:
        raise TraceError("trace: loss_fn must return a Tensor of one element that has a graph (requires a gradient)")
    return _Writer(loss_fn, example_inputs, root).traced()


class _Writer:
    """Writes the program for one recorded graph: names, forward lines, backward lines."""

    def __init__(self, loss_fn: Callable[..., Any], examples: Sequence[Any], root: Tensor) -> None:
        self.loss_fn, self.examples, self.root = loss_fn, list(examples), root
        self.order = toposort(root)  # outputs first, as backprop walks them
        self.names: dict[Node, str] = {}
        # the names the program itself uses: an argument called `float` or `np` is renamed
        self.taken = {"np", "float", "sum_to", "softmax_cross_entropy_arrays", "step", "loss"}
        self.counts: dict[str, int] = {}
        self.arg_names = self._input_names()
        self.leaves: list[Tensor] = []  # leaves that are not inputs: program arguments after the inputs
        self.loss_parts: dict[Node, tuple[str, str]] = {}  # each fused loss: its delta's and its 1/N's names

    def _unique(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def _numbered(self, base: str) -> str:
        """``matmul1``, ``matmul2``, ...: intermediate results named by the op that made them."""
        k = self.counts[base] = self.counts.get(base, 0) + 1
        return self._unique(f"{base}{k}")

    def _input_names(self) -> list[str]:
        try:
            params = [
                p.name
                for p in inspect.signature(self.loss_fn).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError):  # builtins and some callables have no signature
            params = []
        names = []
        for i in range(len(self.examples)):
            base = params[i] if i < len(params) and _usable(params[i]) else f"input{i}"
            names.append(self._unique(base))
        return names

    def _leaf(self, node: Node) -> str:
        """The name of a leaf in the program: an input, a parameter argument or a literal."""
        if node in self.names:
            return self.names[node]
        for i, x in enumerate(self.examples):
            if x is node or (isinstance(x, np.ndarray) and node.data is x):
                if node.requires_grad and not isinstance(x, Tensor):
                    raise TraceError(f"trace: input {self.arg_names[i]} needs a gradient: pass it as a Tensor")
                self.names[node] = self.arg_names[i]
                return self.arg_names[i]
        for i, x in enumerate(self.examples):
            if isinstance(x, np.ndarray | Tensor) and _same_values(node.data, x):
                raise TraceError(
                    f"trace: input {self.arg_names[i]} enters the graph as a converted copy "
                    f"({np.asarray(x).dtype} → {node.data.dtype}); pass it with the graph's dtype"
                )
        if node.data.ndim == 0 and node.name is None and not node.requires_grad:
            literal = repr(node.data[()])  # NumPy 2: np.float32(0.01), the shortest text that reads back exactly
            self.names[node] = literal
            return literal
        name = self._unique(node.name if node.name is not None and _usable(node.name) else "param")
        self.leaves.append(node)
        self.names[node] = name
        return name

    def _name(self, node: Node) -> str:
        if node.op is None:
            return self._leaf(node)
        if node not in self.names:
            self.names[node] = "loss" if node is self.root else self._numbered(node.op.name)
        return self.names[node]

    def traced(self) -> Traced:
        forward, backward = [], []
        for node in reversed(self.order):  # inputs before outputs
            forward.append(self._forward(node))
        grads: dict[Node, str] = {}
        seed = self._unique(f"d{self.names[self.root]}")
        backward.append(
            _line(f"{seed} = np.ones({self.root.data.shape}, np.{self.root.data.dtype.name})", "d loss / d loss = 1")
        )
        grads[self.root] = seed
        for node in self.order:
            backward.extend(self._backward(node, grads))
        grad_leaves, returned = [], []
        leaf_index = {leaf: i for i, leaf in enumerate(self.leaves)}  # by identity: == is elementwise
        for node, g in grads.items():
            if node.op is None:
                if node in leaf_index:
                    grad_leaves.append(("leaf", leaf_index[node]))
                else:
                    grad_leaves.append(("input", self.arg_names.index(self.names[node])))
                returned.append(g)
        args = ", ".join(self.arg_names + [self.names[leaf] for leaf in self.leaves])
        source = "\n".join(
            [
                f'"""Forward and backward of {_safe_comment(getattr(self.loss_fn, "__qualname__", "loss_fn"))}, '
                "traced by scratchgrad.autograd.trace."
                ' Returns the loss, then the gradients of the leaves that need one."""',
                "",
                "import numpy as np",
                "",
                "from scratchgrad.autograd.elementwise import sum_to",
                "from scratchgrad.autograd.losses import softmax_cross_entropy_arrays",
                "",
                "",
                f"def step({args}):",
                "    # forward",
                *forward,
                "    # backward: the chain rule, outputs first",
                *backward,
                f"    return {', '.join([self.names[self.root], *returned])}",
                "",
            ]
        )
        namespace: dict[str, Any] = {"__name__": "scratchgrad_traced"}
        exec(compile(source, "<traced step>", "exec"), namespace)
        return Traced(
            self.loss_fn,
            source,
            namespace["step"],
            self.examples,
            self.arg_names,
            self.leaves,
            grad_leaves,
            _structure(self.root, self.examples),
        )

    def _forward(self, node: Node) -> str:
        op, xs, y = node.op.name, node.inputs, node.data
        names = [self._name(x) for x in xs]
        out = self._name(node)
        shapes = " ".join(str(x.data.shape) for x in xs)
        named = f" {_safe_comment(node.name)!r}" if node.name is not None else ""  # the user's name for the node
        note = f"{op}{named}: {shapes} → {y.shape}"
        if op in _BINARY:
            return _line(f"{out} = {names[0]} {_BINARY[op]} {names[1]}", note)
        if op in _UNARY:
            return _line(f"{out} = {_UNARY[op][0].format(a=names[0])}", note)
        if op == "matmul":
            if xs[0].data.ndim != 2 or xs[1].data.ndim != 2:
                shapes = f"{xs[0].data.shape} @ {xs[1].data.shape}"
                raise TraceError(f"trace: matmul of {shapes}: only 2-D @ 2-D is supported")
            return _line(f"{out} = {names[0]} @ {names[1]}", note)
        if op == "sum":
            return _line(f"{out} = {self._sum_forward(node, names[0])}", note)
        if op == "reshape":
            return _line(f"{out} = {names[0]}.reshape({y.shape})", note)
        if op == "transpose":
            order = tuple(np.argsort(_captured(node, "inverse")).tolist())
            spelled = ".T" if order == tuple(reversed(range(len(order)))) else f".transpose({order})"
            return _line(f"{out} = {names[0]}{spelled}", note)
        if op == "broadcast":
            return _line(f"{out} = np.broadcast_to({names[0]}, {y.shape})", note)
        if op == "softmax_with_loss":
            target = self._target(node)
            # softmax·Σt − t (the book's y − t, unscaled) and 1/N
            delta, scale = self.loss_parts[node] = self._unique(f"delta_{out}"), self._unique(f"scale_{out}")
            return _line(
                f"{out}, {delta}, _, {scale} = softmax_cross_entropy_arrays({names[0]}, {target})",
                f"Softmax-with-Loss: {xs[0].data.shape} → loss",
            )
        raise TraceError(f"trace: op {op!r} is not supported (supported: {', '.join(SUPPORTED)})")

    def _sum_forward(self, node: Node, a: str) -> str:
        keepdims, kept, shape = _captured(node, "keepdims"), _captured(node, "kept"), _captured(node, "shape")
        axes = tuple(i for i, (k, n) in enumerate(zip(kept, shape)) if k == 1)
        y = node.data
        if not keepdims and y.ndim == 0:
            return f"{a}.sum()"
        if keepdims or len(shape) - y.ndim == len(axes):
            return f"{a}.sum(axis={axes}{', keepdims=True' if keepdims else ''})"
        # Axes of length 1 were among those summed or not: the shape says which.
        return f"{a}.sum(axis={axes}, keepdims=True).reshape({y.shape})"

    def _target(self, node: Node) -> str:
        """Which input is the target: the one that gives the recorded loss and gradient."""
        logits = node.inputs[0].data
        delta = _captured(node, "delta")
        fits = []
        for i, x in enumerate(self.examples):
            try:
                loss, d, _, _ = losses.softmax_cross_entropy_arrays(logits, x.data if isinstance(x, Tensor) else x)
            except (ValueError, TypeError):  # not a target for these logits
                continue
            if np.array_equal(loss, node.data, equal_nan=True) and np.array_equal(d, delta, equal_nan=True):
                fits.append(i)
        if len(fits) != 1:
            several = ", ".join(self.arg_names[i] for i in fits)
            reason = f"more than one input ({several})" if fits else "none of the inputs"
            raise TraceError(
                f"trace: softmax_with_loss: {reason} gives the traced loss as its target; "
                "pass the target as one input of loss_fn, unlike every other input"
            )
        return self.arg_names[fits[0]]

    def _backward(self, node: Node, grads: dict[Node, str]) -> list[str]:
        op, xs = node.op.name, node.inputs
        g, y = grads[node], self.names[node]
        names = [self.names[x] for x in xs]
        lines = []
        for i, x in enumerate(xs):
            if not x.requires_grad:
                continue
            expr = self._vjp(node, i, g, y, names)
            note = f"{op} → {names[i]}"
            if op in _BINARY and x.data.shape != node.data.shape:  # broadcast in the forward: summed back
                expr = f"sum_to({expr}, {x.data.shape})"
                note += " (summed over the broadcast axes: a bias over the batch)"
            if x in grads:  # a second use: gradients add at a branch
                lines.append(_line(f"{grads[x]} = {grads[x]} + {expr}", f"{note}, added at the branch"))
            else:
                grads[x] = self._unique(f"d{names[i]}")
                lines.append(_line(f"{grads[x]} = {expr}", note))
        return lines

    def _vjp(self, node: Node, i: int, g: str, y: str, names: list[str]) -> str:
        op = node.op.name
        if op in _BINARY:
            return _BINARY_GRADS[op][i].format(g=g, y=y, a=names[0], b=names[1])
        if op in _UNARY:
            return _UNARY[op][1].format(g=g, y=y, a=names[0])
        if op == "matmul":
            return f"{g} @ {names[1]}.T" if i == 0 else f"{names[0]}.T @ {g}"
        if op == "sum":
            kept, shape = _captured(node, "kept"), _captured(node, "shape")
            spread = g if _captured(node, "keepdims") else f"{g}.reshape({kept})"
            return f"np.broadcast_to({spread}, {shape})"
        if op == "reshape":
            return f"{g}.reshape({node.inputs[0].data.shape})"
        if op == "transpose":
            inverse = tuple(_captured(node, "inverse"))
            return f"{g}.T" if inverse == tuple(reversed(range(len(inverse)))) else f"{g}.transpose({inverse})"
        if op == "broadcast":
            return f"sum_to({g}, {node.inputs[0].data.shape})"
        # softmax_with_loss: the book's (y − t) / N
        delta, scale = self.loss_parts[node]
        return f"{delta} * (float({g}) * {scale})"


def _captured(node: Node, name: str) -> Any:
    """A parameter of an op (an axis, a shape) as its rule captured it."""
    rule = node.op.vjps[0]
    cells = dict(zip(rule.__code__.co_freevars, rule.__closure__ or ()))
    if name not in cells:
        raise TraceError(f"trace: cannot read {name!r} from the recorded {node.op.name} (the op has changed)")
    return cells[name].cell_contents


def _structure(root: Node, inputs: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The graph as a comparable list: each node's op, shape, dtype and where its inputs come from."""
    order = list(reversed(toposort(root)))
    position = {node: i for i, node in enumerate(order)}
    leaves: dict[Node, int] = {}

    def origin(x: Node) -> Any:
        if x in position:
            return position[x]
        for i, given in enumerate(inputs):
            if given is x or (isinstance(given, np.ndarray) and x.data is given):
                return f"input {i}"
        return f"leaf {leaves.setdefault(x, len(leaves))} {x.data.shape}"

    return [(n.op.name, n.data.shape, n.data.dtype.name, tuple(origin(x) for x in n.inputs)) for n in order]


def _signature(x: Any) -> Any:
    if isinstance(x, Tensor):
        return ("Tensor", x.data.shape, x.data.dtype, x.requires_grad)
    if isinstance(x, np.ndarray):
        return ("array", x.shape, x.dtype)
    return ("value", type(x), x)


def _describe(signature: Any) -> str:
    if signature[0] == "value":
        return f"the value {reprlib.repr(signature[2])}"  # bounded: a long list is not printed whole
    text = f"a {signature[0]} of {signature[2]} with shape {signature[1]}"
    return text + (" that requires a gradient" if signature[0] == "Tensor" and signature[3] else "")


def _same_values(data: np.ndarray, x: Any) -> bool:
    other = np.asarray(x.data if isinstance(x, Tensor) else x)
    return other.dtype != data.dtype and other.shape == data.shape and other.size > 1 and np.array_equal(
        other.astype(data.dtype), data
    )


def _usable(name: str) -> bool:
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name) and not name.startswith("_")


def _label(leaf: Node, shape: tuple[int, ...]) -> str:
    return repr(leaf.name) if leaf.name is not None else f"of traced shape {shape}"


def _safe_comment(text: str) -> str:
    """Text that can sit in a docstring or comment of the generated source without ending it."""
    return "".join(c if c.isalnum() or c in "._<>" else "_" for c in text)[:80]


def _line(code: str, note: str) -> str:
    return f"    {code:<52}  # {note}"


__all__ = ["SUPPORTED", "TraceError", "Traced", "trace"]
