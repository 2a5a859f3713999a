"""``python -m viz``: draw any expression's graph, or one of the book's figures.

    python -m viz "EXPR" --set x=2 y=3 z=4 -o graph.svg
    python -m viz book apple-tax -o out.svg [--lang en]
    python -m viz book softmax-with-loss -o out.svg [--symbolic]

The expression comes first so that one starting with a minus sign (``-x*y``)
is not taken for an option. Every mistake in the input is reported as one
``error: ...`` line on stderr with exit status 2, never a traceback; a missing
Graphviz gives status 1.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import NoReturn

from autograd import DomainError, Value
from viz import book
from viz.dot import DEFAULT_FONT, DotOptions
from viz.expression import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionError, UnknownName, build
from viz.render import FORMATS, GraphvizNotFound, output_format, render

USAGE_ERROR = 2
MISSING_GRAPHVIZ = 1


class UsageError(Exception):
    """A mistake in the command line, reported as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but errors become `UsageError` (one line) instead of usage text and exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    try:
        if args[:1] == ["book"]:
            return _book(args[1:])
        return _expression(args)
    except (UsageError, ExpressionError, DomainError) as error:
        hint = f" (set it with --set {error.name}=...)" if isinstance(error, UnknownName) else ""
        print(f"error: {error}{hint}", file=sys.stderr)
        return USAGE_ERROR
    except GraphvizNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return MISSING_GRAPHVIZ


def _expression(args: list[str]) -> int:
    parser = _parser(
        "python -m viz EXPR [--set NAME=NUMBER ...] -o FILE",
        "Draw the computational graph of EXPR with forward values and gradients.",
        f"EXPR uses numbers, names, + - * / **, parentheses and {', '.join(FUNCTIONS)} "
        f"(at most {MAX_LENGTH} characters, {MAX_DEPTH} levels deep). Use 'book' instead of EXPR for "
        "the book's figures: python -m viz book --help",
    )
    parser.add_argument("--set", nargs="+", action="extend", default=[], type=_assignment, metavar="NAME=NUMBER",
                        help="the value of each name in EXPR")
    if not args:
        raise UsageError("give an expression, e.g. python -m viz 'x*y' --set x=2 y=3 -o graph.svg")
    if args[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    if args[0] in ("-o", "--output", "--set", "--fontname"):
        raise UsageError("give the expression first: python -m viz EXPR [--set NAME=NUMBER ...] -o FILE")
    options = parser.parse_args(args[1:])
    values: dict[str, float] = {}
    for name, value in options.set:
        if name in values:
            raise UsageError(f"{name!r} is set twice with --set")
        values[name] = value
    output, _ = build(args[0], values)
    if output.requires_grad:  # a lone number is a constant: it has no gradient to draw
        output.backward()
    return _render(output, options, {})


def _book(args: list[str]) -> int:
    parser = _parser(
        "python -m viz book FIGURE -o FILE [--lang ko|en] [--symbolic]",
        "Draw one of the book's figures (Deep Learning from Scratch, ch. 5).",
    )
    parser.add_argument("figure", choices=book.FIGURES)
    parser.add_argument("--lang", choices=book.LANGUAGES, default="ko", help="labels of the apple figures")
    parser.add_argument("--symbolic", action="store_true", help="algebra instead of numbers (softmax-with-loss)")
    options = parser.parse_args(args)
    try:
        figure = book.figure(options.figure, lang=options.lang, symbolic=options.symbolic)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return _render(figure.root, options, figure.options())


def _parser(usage: str, description: str, epilog: str | None = None) -> _Parser:
    parser = _Parser(prog="python -m viz", usage=usage, description=description, epilog=epilog)
    parser.add_argument("-o", "--output", required=True, type=_output_path, metavar="FILE",
                        help="the drawing; its extension picks the format: " + ", ".join(f".{f}" for f in FORMATS))
    parser.add_argument("--fontname", default=DEFAULT_FONT, help=f"font of all labels (default: {DEFAULT_FONT})")
    return parser


def _render(root: Value, options: argparse.Namespace, drawing: DotOptions) -> int:
    path = render(root, options.output, fontname=options.fontname, **drawing)
    print(f"wrote {path}")
    return 0


def _assignment(text: str) -> tuple[str, float]:
    name, equals, number = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER (e.g. x=2), got {text!r}")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{number.strip()!r} is not a number (in {text!r})") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"the value must be a finite number (in {text!r})")
    return name, value


def _output_path(text: str) -> Path:
    try:
        output_format(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return Path(text)
