"""``python -m viz``: draw any expression's graph or one of the book's figures, or replay its backward pass.

    python -m viz "EXPR" --set x=2 y=3 z=4 -o graph.svg [--highlight x]
    python -m viz book apple-tax -o out.svg [--lang en]
    python -m viz book softmax-with-loss -o out.svg [--symbolic] [--collapse Softmax "Cross Entropy Error"]
    python -m viz replay "EXPR" --set x=2 y=3 -o replay.html [--frames DIR]
    python -m viz replay --book apple-tax -o replay.html

The expression comes first so that one starting with a minus sign (``-x*y``)
is not taken for an option. Every mistake in the input is reported as one
``error: ...`` line on stderr with exit status 2, never a traceback; a missing
Graphviz, or a drawing Graphviz cannot finish in time, gives status 1.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, NoReturn

from autograd import DomainError, Node, Value
from viz import book
from viz.dot import DEFAULT_FONT, DEFAULT_MAX_NODES
from viz.expression import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionError, UnknownName, build
from viz.render import DEFAULT_TIMEOUT, FORMATS, GraphvizNotFound, RenderTimeout, output_format, render
from viz.replay import FRAME_FORMATS, replay
from viz.view import post_order

USAGE_ERROR = 2
NOT_DRAWN = 1
"""Exit status when Graphviz is missing or could not finish in time."""


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
        if args[:1] == ["replay"]:
            return _replay(args[1:])
        return _expression(args)
    except (UsageError, ExpressionError, DomainError) as error:
        hint = f" (set it with --set {error.name}=...)" if isinstance(error, UnknownName) else ""
        print(f"error: {error}{hint}", file=sys.stderr)
        return USAGE_ERROR
    except (GraphvizNotFound, RenderTimeout) as error:
        print(f"error: {error}", file=sys.stderr)
        return NOT_DRAWN


_EXPRESSION_HELP = (
    f"EXPR uses numbers, names, + - * / **, parentheses and {', '.join(FUNCTIONS)} "
    f"(at most {MAX_LENGTH} characters, {MAX_DEPTH} levels deep)."
)


def _expression(args: list[str]) -> int:
    parser = _parser(
        "python -m viz EXPR [--set NAME=NUMBER ...] -o FILE",
        "Draw the computational graph of EXPR with forward values and gradients.",
        _EXPRESSION_HELP + " Use 'book' instead of EXPR for the book's figures (python -m viz book --help), "
        "'replay' for a step-by-step backward pass (python -m viz replay --help).",
    )
    _add_set(parser)
    if _wants_help(args, parser):
        return 0
    options = parser.parse_args(args[1:])
    return _draw(_expression_graph(args[0], options.set), options, {})


def _book(args: list[str]) -> int:
    parser = _parser(
        "python -m viz book FIGURE -o FILE [--lang ko|en] [--symbolic] [--collapse BOX ...]",
        "Draw one of the book's figures (Deep Learning from Scratch, ch. 5).",
    )
    parser.add_argument("figure", choices=book.FIGURES)
    _add_figure_options(parser)
    options = parser.parse_args(args)
    figure = _figure(options.figure, options)
    return _draw(figure.root, options, figure.options())


def _replay(args: list[str]) -> int:
    usage = ("python -m viz replay EXPR [--set NAME=NUMBER ...] -o FILE.html [--frames DIR]\n"
             "       python -m viz replay --book FIGURE [--lang ko|en] -o FILE.html [--frames DIR]")
    description = "Replay the backward pass one node at a time, as a self-contained HTML page."
    parser = _parser(usage, description, _EXPRESSION_HELP, output=_html_path)
    parser.add_argument("--frames", type=Path, metavar="DIR", help="also write each frame as a numbered image here")
    parser.add_argument("--frames-format", choices=FRAME_FORMATS, default="svg", help="format of those images")
    if args[:1] == ["--book"]:
        parser.add_argument("--book", required=True, choices=book.FIGURES, metavar="FIGURE",
                            help="one of: " + ", ".join(book.FIGURES))
        _add_figure_options(parser)
        options = parser.parse_args(args)
        figure = _figure(options.book, options)
        root, drawing = figure.root, figure.options()
    else:
        _add_set(parser)
        if _wants_help(args, parser):
            return 0
        options = parser.parse_args(args[1:])
        root, drawing = _expression_graph(args[0], options.set), {}
    if not root.requires_grad:
        raise UsageError("the expression has no variable: there is no backward pass to replay")
    try:
        path = replay(root, options.output, frames_dir=options.frames, frame_format=options.frames_format,
                      timeout=options.timeout, **_drawing_options(root, options), **drawing)
    except ValueError as error:
        raise UsageError(str(error)) from None
    print(f"wrote {path}" + (f" and {options.frames}/" if options.frames else ""))
    return 0


def _wants_help(args: list[str], parser: _Parser) -> bool:
    """Handle what can come instead of the expression: help, nothing, or an option by mistake."""
    if not args:
        raise UsageError("give an expression, e.g. python -m viz 'x*y' --set x=2 y=3 -o graph.svg")
    if args[0] in ("-h", "--help"):
        parser.print_help()
        return True
    if args[0].partition("=")[0] in parser._option_string_actions:  # an option where EXPR belongs ("--x" is an EXPR)
        raise UsageError("give the expression first: EXPR [--set NAME=NUMBER ...] -o FILE")
    return False


def _expression_graph(text: str, assignments: list[tuple[str, float]]) -> Value:
    """The graph of ``text`` with the --set values, after backward (when it has a variable)."""
    values: dict[str, float] = {}
    for name, value in assignments:
        if name in values:
            raise UsageError(f"{name!r} is set twice with --set")
        values[name] = value
    output, _ = build(text, values)
    if output.requires_grad:  # a lone number is a constant: it has no gradient to draw
        output.backward()
    return output


def _figure(name: str, options: argparse.Namespace) -> book.Figure:
    try:
        return book.figure(name, lang=options.lang, symbolic=options.symbolic)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _parser(usage: str, description: str, epilog: str | None = None, output: Any = None) -> _Parser:
    parser = _Parser(prog="python -m viz", usage=usage, description=description, epilog=epilog)
    if output is None:
        parser.add_argument("-o", "--output", required=True, type=_output_path, metavar="FILE",
                            help="the drawing; its extension picks the format: " + ", ".join(f".{f}" for f in FORMATS))
    else:
        parser.add_argument("-o", "--output", required=True, type=output, metavar="FILE.html", help="the page")
    parser.add_argument("--fontname", default=DEFAULT_FONT, help=f"font of all labels (default: {DEFAULT_FONT})")
    parser.add_argument("--collapse", nargs="+", action="extend", default=[], metavar="BOX",
                        help="draw these boxes (by title) as one node each")
    parser.add_argument("--highlight", nargs="+", action="extend", default=[], metavar="NAME",
                        help="draw the paths from the output to these named nodes in bold")
    parser.add_argument("--keep", nargs="+", action="extend", default=[], metavar="NAME",
                        help="keep the paths to these named nodes when a big graph is summarised")
    parser.add_argument("--max-nodes", type=_budget, default=DEFAULT_MAX_NODES, metavar="N",
                        help=f"summarise graphs of more nodes (default: {DEFAULT_MAX_NODES}; 'all': never)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop Graphviz after this long (default: {DEFAULT_TIMEOUT:g}; 'none': no limit)")
    return parser


def _add_set(parser: _Parser) -> None:
    parser.add_argument("--set", nargs="+", action="extend", default=[], type=_assignment, metavar="NAME=NUMBER",
                        help="the value of each name in EXPR")


def _add_figure_options(parser: _Parser) -> None:
    parser.add_argument("--lang", choices=book.LANGUAGES, default="ko", help="labels of the apple figures")
    parser.add_argument("--symbolic", action="store_true", help="algebra instead of numbers (softmax-with-loss)")


def _drawing_options(root: Node, options: argparse.Namespace) -> dict[str, Any]:
    """The to_dot options given on the command line; names become the nodes so named."""
    named = {}
    for node in post_order(root):
        if node.name:
            named.setdefault(node.name, node)
    for name in [*options.highlight, *options.keep]:
        if name not in named:
            raise UsageError(f"no node is named {name!r} (the names are: {', '.join(map(repr, named)) or 'none'})")
    return {
        "fontname": options.fontname, "collapse": options.collapse, "max_nodes": options.max_nodes,
        "highlight": [named[n] for n in options.highlight], "keep": [named[n] for n in options.keep],
    }


def _draw(root: Node, options: argparse.Namespace, drawing: dict[str, Any]) -> int:
    try:
        path = render(root, options.output, timeout=options.timeout, **_drawing_options(root, options), **drawing)
    except ValueError as error:  # an option that does not fit the graph, e.g. an unknown box
        raise UsageError(str(error)) from None
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


def _budget(text: str) -> int | None:
    if text.lower() == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of nodes (at least 1) or 'all', got {text!r}")
    return int(text)


def _seconds(text: str) -> float | None:
    if text.lower() == "none":
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not seconds > 0 or math.isinf(seconds):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0 or 'none', got {text!r}")
    return seconds


def _output_path(text: str) -> Path:
    try:
        output_format(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return Path(text)


def _html_path(text: str) -> Path:
    if not text.lower().endswith(".html"):
        raise argparse.ArgumentTypeError(f"the replay is a web page: the file name must end in .html, not {text!r}")
    return Path(text)
