"""A safe arithmetic-expression reader that builds the expression as a `Value` graph.

User text is never evaluated as Python: ``ast.parse`` only reads it into a
tree, and only numbers, names, ``+ - * / **``, unary minus and plus,
parentheses and calls of a few known functions are accepted. Anything else
(attributes, subscripts, strings, lambdas, comparisons...) is rejected with a
message naming it. The tree is walked without recursion and with a depth
limit, and the text with a length limit, so hostile input cannot exhaust the
interpreter.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping

from scratchgrad.autograd import Value

MAX_LENGTH = 2000
"""Longest expression accepted, in characters."""

MAX_DEPTH = 100
"""Deepest expression tree accepted (operators and calls nested in each other)."""

FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "abs": Value.abs,
}

_BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}

_UNARY: dict[type[ast.unaryop], Callable[[Value], Value]] = {
    ast.USub: operator.neg,
    ast.UAdd: lambda x: x,
}

_SYMBOLS = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}

_CONSTRUCTS = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.Compare: "comparisons", ast.BoolOp: "'and'/'or'", ast.IfExp: "conditional expressions",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets",
    ast.Dict: "dicts", ast.JoinedStr: "strings", ast.NamedExpr: "assignments", ast.Starred: "'*' unpacking",
    ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield'", ast.Slice: "slices",
}


class ExpressionError(ValueError):
    """The text is not an expression this reader accepts; the message says why, on one line."""


class UnknownName(ExpressionError):  # noqa: N818 - a kind of ExpressionError, named for what went wrong
    """The expression uses a name that was given no value; ``name`` is the name as typed."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown name {_typed_and_read(name)}")
        self.name = name


def build(text: str, values: Mapping[str, float | Value]) -> tuple[Value, dict[str, Value]]:
    """The `Value` graph of ``text`` and its named inputs, by name.

    Each name in ``text`` becomes one leaf `Value` named after it as first
    typed (used twice, it is the same leaf twice), with its number from
    ``values`` (or the `Value` given there, used as it is); numbers in the
    text become constants. Names match as Python
    reads them, in NFKC form: ``ｘ`` (fullwidth) and ``x`` are one name, in
    ``text`` and in ``values``. Raises `ExpressionError` (or `UnknownName`)
    for text that is not accepted, and `autograd.DomainError` when the
    arithmetic itself fails (``log(-1)``).
    """
    tree = _parse(text)
    source = text.lstrip()
    order = _checked_pre_order(tree.body, source)
    inputs = _inputs(order, source, values)
    results: dict[ast.expr, Value] = {}
    for node in reversed(order):  # children before parents
        results[node] = _evaluate(node, results, inputs)
    return results[tree.body], {leaf.name: leaf for leaf in dict.fromkeys(inputs.values())}


def _leaf(name: str, value: float | Value) -> Value:
    """A name's leaf: a given `Value` as it is (`autograd.nudge` recomputes from its own leaves), else a new one."""
    return value if isinstance(value, Value) else Value(value, name=name)


def _parse(text: str) -> ast.Expression:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} characters; the limit is {MAX_LENGTH})")
    source = text.lstrip()  # leading blanks would be an "unexpected indent"
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as error:
        where = f" at column {error.offset + len(text) - len(source)}" if error.offset else ""
        raise ExpressionError(f"syntax error{where}: {error.msg}") from None
    except (RecursionError, MemoryError):  # newer Pythons check the depth while building the tree
        raise ExpressionError("expression is nested too deeply") from None


def _checked_pre_order(root: ast.expr, source: str) -> list[ast.expr]:
    """Every node of the tree, parents before children, after checking each is allowed."""
    order: list[ast.expr] = []
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression is nested too deeply (more than {MAX_DEPTH} levels)")
        order.append(node)
        stack.extend((child, depth + 1) for child in reversed(_children(node, source)))
    return order


def _children(node: ast.expr, source: str) -> list[ast.expr]:
    """The operands of an allowed node; raises for anything not allowed."""
    match node:
        case ast.Constant(value=bool() | str() | bytes() | None):
            raise ExpressionError(f"only numbers are allowed, not {node.value!r}")
        case ast.Constant(value=int() | float()) | ast.Name():
            return []
        case ast.Constant():
            raise ExpressionError(f"only real numbers are allowed, not {node.value!r}")
        case ast.BinOp(op=op) if type(op) not in _BINARY:
            raise ExpressionError(f"operator {_SYMBOLS.get(type(op), type(op).__name__)!r} is not supported")
        case ast.BinOp():
            return [node.left, node.right]
        case ast.UnaryOp(op=op) if type(op) not in _UNARY:
            raise ExpressionError(f"operator {_SYMBOLS.get(type(op), type(op).__name__)!r} is not supported")
        case ast.UnaryOp():
            return [node.operand]
        case ast.Call(func=ast.Name(id=name) as function) if name not in FUNCTIONS:
            typed = _typed_and_read(_typed(function, source))
            raise ExpressionError(f"unknown function {typed} (known: {', '.join(FUNCTIONS)})")
        case ast.Call(func=ast.Name(id=name), args=[argument], keywords=[]) if not isinstance(argument, ast.Starred):
            return [argument]
        case ast.Call(func=ast.Name(id=name)):
            raise ExpressionError(f"{name}() takes exactly one argument, without keywords")
        case ast.Call():
            raise ExpressionError(f"only the functions {', '.join(FUNCTIONS)} can be called")
    what = _CONSTRUCTS.get(type(node), type(node).__name__)
    raise ExpressionError(f"{what} not allowed in an expression")


def _inputs(order: list[ast.expr], source: str, values: Mapping[str, float | Value]) -> dict[str, Value]:
    """One leaf per distinct name (as Python reads it), named as first typed; raises for the first without a value."""
    known: dict[str, str] = {}
    for key in values:
        other = known.setdefault(read_as(key), key)
        if other != key:
            raise ExpressionError(f"{other!r} and {key!r} are the same name (Python reads both as {read_as(key)!r})")
    inputs: dict[str, Value] = {}
    for node in order:
        if isinstance(node, ast.Name) and node.id not in inputs:
            typed = _typed(node, source)
            if node.id not in known:
                raise UnknownName(typed)
            inputs[node.id] = _leaf(typed, values[known[node.id]])
    return inputs


def _typed(node: ast.Name, source: str) -> str:
    """A name as the user typed it: ``ast`` keeps only its NFKC form, so it is cut from the text.

    Offsets count UTF-8 bytes within a line, and lines end as Python's tokenizer ends them.
    """
    line = _LINE_END.split(source)[node.lineno - 1].encode("utf-8")
    typed = line[node.col_offset:node.end_col_offset].decode("utf-8", errors="replace")
    return typed if read_as(typed) == node.id else node.id  # never name something else


_LINE_END = re.compile(r"\r\n|\r|\n")


def read_as(name: str) -> str:
    """A name as Python reads it (identifiers are NFKC-normalised): ``ｘ`` is ``x``."""
    return unicodedata.normalize("NFKC", name)


def _typed_and_read(typed: str) -> str:
    """``'ｘ' (read as 'x')``: a name as typed, and as read when that differs."""
    read = read_as(typed)
    return repr(typed) + (f" (read as {read!r})" if read != typed else "")


def _evaluate(node: ast.expr, results: Mapping[ast.expr, Value], inputs: Mapping[str, Value]) -> Value:
    """One already-checked node, its operands already in ``results``."""
    match node:
        case ast.Constant(value=number):
            return _constant(number)
        case ast.Name(id=name):
            return inputs[name]
        case ast.BinOp(left=left, op=op, right=right):
            return _BINARY[type(op)](results[left], results[right])
        case ast.UnaryOp(op=op, operand=operand):
            return _UNARY[type(op)](results[operand])
        case ast.Call(func=ast.Name(id=name), args=[argument]):
            return FUNCTIONS[name](results[argument])
    raise AssertionError(f"unchecked node {node!r}")  # _children admits nothing else


def _constant(number: float) -> Value:
    """A number from the text as a constant leaf, as the engine makes of Python numbers."""
    try:
        x = float(number)
    except OverflowError:  # an integer literal with hundreds of digits
        x = math.inf
    if not math.isfinite(x):
        raise ExpressionError(f"number too large (the limit is about {sys.float_info.max:.1e})")
    return Value(x, requires_grad=False)
