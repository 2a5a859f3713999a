"""`Tensor`: a NumPy-array node on the same graph core as `Value`."""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from scratchgrad.autograd import array_ops, losses, versions
from scratchgrad.autograd import elementwise as ew
from scratchgrad.autograd.errors import ShapeError
from scratchgrad.autograd.graph import Node, Op, record

ArrayLike = Any


class _NumPySpelling:
    """A PyTorch method that a Tensor spells as NumPy does: reading it says what to write instead.

    A descriptor, not ``__getattr__``: every other lookup (NumPy asks for
    ``__array_interface__`` on each ``np.asarray``) stays as fast as before.
    """

    def __init__(self, name: str, hint: str) -> None:
        self.name, self.hint = name, hint

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        raise AttributeError(
            f"'Tensor' object has no attribute '{self.name}'; scratchgrad follows NumPy here: {self.hint}",
            name=self.name,
            obj=obj,
        )


class Tensor(Node, ew.Arithmetic):
    """An ndarray that remembers how it was computed (PyTorch habits, NumPy semantics).

    ``Tensor(data, requires_grad=False, name=None, dtype=None)``: lists and
    numbers become float32 unless ``dtype`` says otherwise; a floating ndarray
    keeps its dtype and is wrapped without a copy. A float32 graph stays
    float32 forward and backward: Python numbers and arrays combined with a
    tensor take its dtype, and two tensors of different dtypes are refused
    rather than silently promoted.

    Data changed between the forward pass and ``backward()`` is an error naming
    the tensor, never a silently wrong gradient: optimizer steps and
    ``load_state_dict`` bump a version counter, and raw writes through ``.data``,
    ``numpy()`` or ``detach()`` of a leaf are compared at backward. Not detected:
    writes through an array obtained before that forward pass (e.g. the array
    given to ``Tensor(...)``), into intermediate results or views of them, and
    raw writes between two backward passes through one graph (see `autograd.versions`).
    """

    # _version: see autograd/versions.py; _snapshot: the copy of a watched leaf's data handed out;
    # _saves: how many recorded ops saved the watched leaf since it last changed
    __slots__ = ("_saves", "_snapshot", "_version")
    _grad_zero = None
    # Make NumPy hand `ndarray <op> Tensor` to our reflected operators.
    __array_ufunc__ = None

    def __init__(
        self, data: ArrayLike, requires_grad: bool = False, name: str | None = None, dtype: Any = None
    ) -> None:
        if isinstance(data, Node):
            raise TypeError("Tensor(): data is already a node; use .detach() or .data")
        try:
            array = np.asarray(data)
        except ValueError as error:  # NumPy refuses ragged nesting
            raise ShapeError(f"Tensor(): data is a ragged nested sequence ({error})") from None
        if array.dtype.kind not in "biuf":  # None, strings, objects, complex, dates: no float to take
            what = f"an array of {array.dtype}" if isinstance(data, np.ndarray) else type(data).__name__
            raise TypeError(f"Tensor(): data must be real numbers (bool, int or float), got {what}")
        if dtype is None and not (array.dtype.kind == "f" and isinstance(data, np.ndarray | np.floating)):
            dtype = np.float32
        if dtype is not None:
            array = np.asarray(array, dtype=dtype)
        if array.dtype.kind != "f":
            raise TypeError(f"Tensor(): dtype must be floating, got {array.dtype}")
        super().__init__(array, requires_grad, name)
        self._version = versions.clock
        self._snapshot = None

    # -- NumPy-like properties ----------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(versions.data_of(self))

    def item(self) -> float:
        """The one element as a Python float (ValueError for any other size, as NumPy)."""
        return self._only_element("item()", ValueError)

    # -- handing the data to NumPy, matplotlib and Python (as PyTorch does) ----
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(t)`` is the data itself (no copy); NumPy 2's ``dtype``/``copy`` rules apply.

        This is also what lets matplotlib, ``np.concatenate`` and friends take a
        tensor. What they return is plain data: it leaves the graph.
        """
        return np.array(self.data, dtype=dtype, copy=copy)

    def __iter__(self) -> Iterator[Tensor]:
        """The rows ``t[0], t[1], ...`` as tensors in the graph (gradients flow back), as in PyTorch."""
        if self.data.ndim == 0:  # checked here, not on the first next(): iter() itself must fail
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __float__(self) -> float:
        return self._only_element("float()", TypeError)

    def __int__(self) -> int:
        return int(self._only_element("int()", TypeError))  # truncated towards zero, as int(2.7)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of {self._elements()} is ambiguous; "
                "compare first, then use .any() or .all() of the boolean array, e.g. (t > 0).all()"
            )
        return bool(self.data)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats the one element as a float; without a spec, the repr."""
        if not spec:
            return str(self)
        if self.data.size != 1:
            raise TypeError(f"format spec {spec!r} needs a tensor of one element, this one has {self._elements()}")
        return format(self.data.item(), spec)

    def tolist(self) -> Any:
        """The data as nested Python lists of floats (a float for a 0-d tensor)."""
        return self.data.tolist()

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the maxima along ``axis`` (of the flattened data when None): an integer array, no graph."""
        return np.asarray(self.data.argmax(axis=axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the minima along ``axis``, as `argmax`."""
        return np.asarray(self.data.argmin(axis=axis, keepdims=keepdims))

    # -- comparisons: elementwise, NumPy's broadcasting, boolean arrays outside the graph ------
    # The graph core keys dicts and sets by node; with __eq__ defined Python would drop the
    # inherited hash, so it is restored: a node's hash (and dict/set membership) is its identity.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        return self._compare(other, "==", operator.eq)

    def __ne__(self, other: object) -> np.ndarray:  # type: ignore[override]
        return self._compare(other, "!=", operator.ne)

    def __lt__(self, other: Any) -> np.ndarray:
        return self._compare(other, "<", operator.lt)

    def __le__(self, other: Any) -> np.ndarray:
        return self._compare(other, "<=", operator.le)

    def __gt__(self, other: Any) -> np.ndarray:
        return self._compare(other, ">", operator.gt)

    def __ge__(self, other: Any) -> np.ndarray:
        return self._compare(other, ">=", operator.ge)

    def __contains__(self, item: Any) -> bool:
        """``x in t``: whether any element equals ``x`` (as NumPy and PyTorch)."""
        return bool(np.any(self == item))

    def _compare(self, other: Any, symbol: str, compare: Callable[[Any, Any], Any]) -> Any:
        """``compare(self.data, other)`` as NumPy does it, or NotImplemented for what is not numeric.

        No dtype check, unlike arithmetic: a comparison makes no graph, and NumPy compares
        mixed float dtypes exactly. A Python number stays a Python number so that, as in
        NumPy 2, it takes the tensor's dtype (``float32 tensor == 0.1`` compares in float32).
        """
        if isinstance(other, Tensor):
            other = other.data
        elif isinstance(other, Node):
            raise TypeError(f"cannot compare a Tensor with a {type(other).__name__}")
        elif not isinstance(other, numbers.Number):
            other = np.asarray(other)
            if other.dtype.kind not in "biuf":  # None, text, objects: Python falls back (== is identity)
                return NotImplemented
        try:
            return np.asarray(compare(self.data, other))  # an array even for 0-d operands: one return type
        except ValueError:
            raise ShapeError(f"{symbol}: cannot broadcast shapes {self.shape} and {np.shape(other)}") from None

    def _only_element(self, what: str, error: type[Exception]) -> float:
        if self.data.size != 1:
            raise error(
                f"{what}: only a tensor of one element converts to a Python number, this one has "
                f"{self._elements()}; use .tolist() for all of them, or index one first"
            )
        return self.data.item()

    def _elements(self) -> str:
        return f"{self.data.size} elements (shape {self.shape})"

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied, as in PyTorch)."""
        return np.asarray(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Switch gradient tracking of a leaf on (or off), in place; returns self, as in PyTorch.

        A computed tensor always requires its gradient (that is why it has a graph):
        asking for that again is fine, switching it off is refused — use ``.detach()``.
        """
        if not isinstance(requires_grad, bool | np.bool_):
            raise TypeError(f"requires_grad_: the flag must be a bool, got {requires_grad!r}")
        if self.op is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False): gradient tracking can be changed only of leaf tensors; "
                "this one was computed. Use y.detach() for the same data outside the graph"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same data as a new leaf outside the graph."""
        return Tensor(self.data, dtype=self.dtype)

    def __repr__(self) -> str:
        body = np.array2string(versions.data_of(self), precision=4, separator=", ", threshold=20)
        extras = "".join(
            [
                f", dtype={self.dtype}" if self.dtype != np.float32 else "",
                f", op={self.op.name}" if self.op else "",
                ", requires_grad=True" if self.requires_grad and not self.op else "",
                f", name={self.name!r}" if self.name else "",
            ]
        )
        return f"Tensor({body}{extras})"

    # -- graph core hooks ---------------------------------------------------
    def _seed(self) -> np.ndarray:
        if self.data.size != 1:
            raise RuntimeError(
                f"backward(): the output has shape {self.shape}; a gradient can be created implicitly "
                "only for a scalar output. Pass the seed, e.g. backward(np.ones_like(out.data))"
            )
        seed = np.array(1, dtype=self.data.dtype)  # C calls only: this is per step
        # A 0-d output (the usual loss) takes it as is: a reshaped view would be copied by _own.
        return seed.reshape(self.data.shape) if self.data.ndim else seed

    def _check_seed(self, grad: Any) -> np.ndarray:
        seed = np.array(ew.raw(grad), dtype=self.dtype)  # a copy: it becomes this node's .grad
        if seed.shape != self.shape:
            raise ShapeError(f"backward(): seed gradient has shape {seed.shape}, output has shape {self.shape}")
        return seed

    _check_unchanged = staticmethod(versions.check_unchanged)

    @staticmethod
    def _accumulate(grads: dict[Node, Any]) -> None:
        totals = Tensor._own([g if node.grad is None else node.grad + g for node, g in grads.items()])
        for node, g in zip(grads, totals):
            node.grad = g

    @staticmethod
    def _own(grads: list[Any]) -> list[Any]:
        """Each gradient itself when no other one handed out can see its memory, else a copy.

        Rules pass gradients on without copying (``+`` hands its own ``g`` to both inputs,
        ``reshape`` and ``transpose`` return views, ``sum`` a read-only broadcast view), which
        is right inside the walk but not for arrays users scale in place. Copied are only
        views, read-only arrays, an array already handed to another node and 0-d NumPy
        scalars; a gradient that is a fresh array (most are) is kept.
        """
        taken: set[int] = set()  # ids of the arrays handed out so far
        owned = []
        for g in grads:  # per node of every backward: kept to plain checks
            i = id(g)
            if g.__class__ is not np.ndarray or g.base is not None or i in taken or not g.flags.writeable:
                g = np.array(g)
                i = id(g)
            taken.add(i)
            owned.append(g)
        return owned

    @classmethod
    def _constant_like(cls, data: Any, like: Node) -> Tensor:
        return cls(data, dtype=like.dtype)

    def _zeros(self, as_node: bool) -> Any:
        zeros = np.zeros_like(versions.data_of(self))
        return Tensor(zeros) if as_node else zeros

    @classmethod
    def _result(cls, data: Any, op: Op, inputs: tuple[Node, ...]) -> Tensor:
        """The node for an op's result; every Tensor result is made here.

        NumPy gives a 0-d result as a scalar (``np.float64`` is even a Python float, so
        rules would take it for a `Value`'s data): it is made a 0-d array, so a Tensor's
        ``.data`` is always an ndarray.
        """
        if data.__class__ is not np.ndarray:
            data = np.asarray(data)
        node = record(Tensor, data, op, inputs)
        if node.op is not None:
            for x in inputs:
                if x.op is None:  # a leaf: its data is read again in backward, by this node's rules
                    versions.saved(x)
        node._version = versions.clock  # after `saved`, which may bump an input's version
        node._snapshot = None
        return node

    # -- elementwise operations (rules shared with Value) -------------------
    def _unary(self, prim: ew.Elementwise) -> Tensor:
        return self._result(prim.array_forward(versions.data_of(self)), prim.tensor, (self,))

    def _binary(self, prim: ew.Elementwise, other: Any) -> Tensor:
        if not isinstance(other, Tensor):  # a Parameter passes as it is
            other = lift(other, self)
        a, b = versions.data_of(self), versions.data_of(other)  # an op's read: not a hand-out
        array_ops.check_same_dtype(prim.tensor.name, a, b)
        try:
            data = prim.array_forward(a, b)
        except ValueError:
            raise ShapeError(f"{prim.tensor.name}: cannot broadcast shapes {a.shape} and {b.shape}") from None
        return self._result(data, prim.tensor, (self, other))

    def _reflected(self, prim: ew.Elementwise, other: Any) -> Tensor:
        return lift(other, self)._binary(prim, self)

    # -- array operations (autograd/array_ops.py) and losses -----------------
    def __matmul__(self, other: Any) -> Tensor:
        return array_ops.matmul(self, lift(other, self))

    def __rmatmul__(self, other: Any) -> Tensor:
        return array_ops.matmul(lift(other, self), self)

    def __getitem__(self, index: Any) -> Tensor:
        return array_ops.index(self, index)

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return array_ops.sum(self, axis, keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return array_ops.mean(self, axis, keepdims)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return array_ops.max(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        return array_ops.reshape(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)

    def transpose(self, *axes: Any) -> Tensor:
        return array_ops.transpose(self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes)

    @property
    def T(self) -> Tensor:
        return array_ops.transpose(self, ())

    @property
    def mT(self) -> Tensor:
        """Transpose of the last two axes (matrix transpose of each batch element)."""
        axes = (*range(self.ndim - 2), self.ndim - 1, self.ndim - 2)
        return array_ops.transpose(self, axes)

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return array_ops.broadcast_to(self, tuple(shape))

    def clip(self, low: float | None, high: float | None) -> Tensor:
        return array_ops.clip(self, low, high)

    def astype(self, dtype: Any) -> Tensor:
        return array_ops.astype(self, np.dtype(dtype))

    def softmax(self, axis: int = -1) -> Tensor:
        return losses.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return losses.log_softmax(self, axis)


# Set after the class body, where a class attribute named `float` would shadow the type in annotations.
for _name, _hint in {
    "view": "use .reshape(...)",
    "dim": "use .ndim",
    "numel": "use .size",
    "unsqueeze": "index with None, e.g. x[:, None], or use .reshape(...)",
    "squeeze": "use .reshape(...) or index the axis with 0",
    "permute": "use .transpose(*axes)",
    "float": "use .astype(np.float32)",
    "double": "use .astype(np.float64)",
    "cpu": "the data is always a NumPy array in memory; call .numpy() directly",
    "cuda": "tensors live on the CPU only (NumPy)",
}.items():
    setattr(Tensor, _name, _NumPySpelling(_name, _hint))
del _name, _hint


def lift(x: Any, like: Tensor) -> Tensor:
    """Numbers and arrays become constant tensors of ``like``'s dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Node):
        raise TypeError(f"cannot combine a Tensor with a {type(x).__name__}")
    return Tensor(x, dtype=like.dtype)

