"""``python -m scratchgrad.viz``: draw any expression's graph or one of the book's figures, or replay its backward pass.

    python -m scratchgrad.viz "EXPR" --set x=2 y=3 z=4 -o graph.svg [--highlight x]
    python -m scratchgrad.viz book apple-tax -o out.svg [--lang en] [--dpi 300]
    python -m scratchgrad.viz book --all -o DIR [--lang en]      # every figure, and DIR/index.html
    python -m scratchgrad.viz book softmax-with-loss -o out.svg [--symbolic] [--collapse Softmax "Cross Entropy Error"]
    python -m scratchgrad.viz replay "EXPR" --set x=2 y=3 -o replay.html [--frames DIR]
    python -m scratchgrad.viz replay --book apple-tax -o replay.html [--lang en]
    python -m scratchgrad.viz whatif "x*x" --set x=3 --delta 1 0.1 0.01 [-o graph.svg]
    python -m scratchgrad.viz book apple-loss --whatif [-o graph.svg]

The expression comes first so that one starting with a minus sign (``-x*y``)
is not taken for an option. Every mistake in the input is reported as one
``error: ...`` line on stderr with exit status 2, never a traceback; a drawing
that could not be made or written (no Graphviz, Graphviz too slow or failing,
a file error) gives one such line and status 1.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, NoReturn

from scratchgrad.autograd import DomainError, Node, Value
from scratchgrad.viz import book, whatif
from scratchgrad.viz.dot import DEFAULT_FONT
from scratchgrad.viz.expression import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, UnknownName, build, read_as
from scratchgrad.viz.gallery import write_gallery
from scratchgrad.viz.render import (
    DEFAULT_DPI,
    DEFAULT_TIMEOUT,
    FORMATS,
    MAX_DPI,
    MIN_DPI,
    GraphvizNotFound,
    RenderFailed,
    RenderTimeout,
    output_format,
    render,
)
from scratchgrad.viz.replay import FRAME_FORMATS, MAX_BYTES, MAX_FRAMES, replay
from scratchgrad.viz.summary import MAX_KEPT
from scratchgrad.viz.view import DEFAULT_MAX_NODES, post_order

USAGE_ERROR = 2
NOT_DRAWN = 1
"""Exit status when the drawing could not be made or written: Graphviz missing, too slow or failing, a file error."""


class UsageError(Exception):
    """A mistake in the command line, reported as one line."""


class _HelpShown(Exception):  # noqa: N818 - not an error: --help was answered
    """The help was printed: there is nothing more to do."""


class _Parser(argparse.ArgumentParser):
    """argparse, but errors become `UsageError` (one line) and ``--help`` returns from `main` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _HelpShown  # only --help gets here: error() handles every mistake


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    command, args = (args[0], args[1:]) if args[:1] in (["book"], ["replay"], ["whatif"]) else ("draw", args)
    try:
        options = _parse(command, args)
        if command == "book" and options.all:
            print(_gallery(options))
            return 0
        if options.whatif:
            root, drawing = _what_if(options)
        else:
            root, drawing = _graph(options)
        if command == "replay":
            print(_replay(root, options, drawing))
        elif options.output is not None:
            print(f"wrote {render(root, options.output, timeout=options.timeout, dpi=options.dpi, **drawing)}")
    except _HelpShown:
        return 0
    except (UsageError, ValueError, DomainError) as error:  # ValueError: a bad EXPR, an option unfit for the graph
        hint = f" (set it with --set {error.name}=...)" if isinstance(error, UnknownName) else ""
        print(f"error: {error}{hint}", file=sys.stderr)
        return USAGE_ERROR
    except (GraphvizNotFound, RenderTimeout, RenderFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        return NOT_DRAWN
    except OSError as error:  # the folder is there, but e.g. a folder has the file's name, or no permission
        print(f"error: {error.filename}: {error.strerror}" if error.filename else f"error: {error}", file=sys.stderr)
        return NOT_DRAWN
    return 0


_EXPRESSION_HELP = (
    f"EXPR uses numbers, names, + - * / **, parentheses and {', '.join(FUNCTIONS)} "
    f"(at most {MAX_LENGTH} characters, {MAX_DEPTH} levels deep)."
)

_USAGE = {
    "draw": "python -m scratchgrad.viz EXPR [--set NAME=NUMBER ...] -o FILE",
    "book": "python -m scratchgrad.viz book FIGURE -o FILE [--lang ko|en] [--symbolic] [--collapse BOX ...]\n"
            "       python -m scratchgrad.viz book --all -o DIR [--lang ko|en]",
    "whatif": "python -m scratchgrad.viz whatif EXPR [--set NAME=NUMBER ...] [--delta STEP ...] [-o FILE]",
    "replay": "python -m scratchgrad.viz replay EXPR [--set NAME=NUMBER ...] -o FILE.html [--frames DIR]\n"
              "       python -m scratchgrad.viz replay --book FIGURE [--lang ko|en] [--symbolic] [--collapse BOX ...] "
              "-o FILE.html [--frames DIR]",
}
_DESCRIPTION = {
    "draw": "Draw the computational graph of EXPR with forward values and gradients.",
    "book": "Draw one of the book's figures (Deep Learning from Scratch, ch. 5).",
    "replay": "Replay the backward pass one node at a time, as a self-contained HTML page.",
    "whatif": "Read each gradient as a prediction: nudge every name of EXPR by each step and compare "
              "the predicted change (gradient × step) with the recomputed one.",
}
_EPILOG = {
    "draw": _EXPRESSION_HELP + " Use 'book' instead of EXPR for the book's figures "
    "(python -m scratchgrad.viz book --help), 'replay' for a step-by-step backward pass "
    "(python -m scratchgrad.viz replay --help), 'whatif' to read the gradients as predictions "
    "(python -m scratchgrad.viz whatif --help).",
    "book": None,
    "replay": _EXPRESSION_HELP,
    "whatif": _EXPRESSION_HELP,
}
_NO_SOURCE = {  # the commands that take an EXPR, and what to say when it is missing
    "draw": "give the expression first, e.g. python -m scratchgrad.viz 'x*y' --set x=2 y=3 -o graph.svg",
    "replay": "give the expression first, or --book FIGURE, "
              "e.g. python -m scratchgrad.viz replay 'x*y' --set x=2 y=3 -o r.html",
    "whatif": "give the expression first, e.g. python -m scratchgrad.viz whatif 'x*x' --set x=3 --delta 1 0.1",
}
_FIGURE_ONLY = ("lang", "symbolic", "collapse")
"""Options that only a book figure takes (it has boxes and labels; an expression has neither)."""


def _parse(command: str, args: list[str]) -> argparse.Namespace:
    """The options of ``command`` ("draw", "book" or "replay"), EXPR taken off the front, the output folder checked."""
    parser = _parser(command)
    if not args and command in _NO_SOURCE:
        raise UsageError(_NO_SOURCE[command])
    expression = None
    if command in _NO_SOURCE and args[0].partition("=")[0] not in parser._option_string_actions:  # "--x" is EXPR
        expression, args = args[0], args[1:]
    options = parser.parse_args(args)
    options.expression = expression
    if command == "book":
        _check_book(options)
    if options.output is None:
        if not options.whatif:
            raise UsageError("the following arguments are required: -o/--output")
        for name in ("symbolic", "collapse", "highlight", "keep", "dpi"):  # without -o nothing is drawn
            if getattr(options, name):
                raise UsageError(f"--{name} changes the drawing: give -o FILE too, or leave it out")
        return options
    folder = options.output.parent
    if not folder.is_dir():
        raise UsageError(f"cannot write {options.output}: no folder {folder}")
    return options


def _check_book(options: argparse.Namespace) -> None:
    """One FIGURE to a file, or --all to a folder; the figure's options make no sense for --all."""
    if options.all:
        if options.figure is not None:
            raise UsageError(f"give a FIGURE or --all, not both (--all draws {options.figure} too)")
        for name in ("symbolic", "collapse", "highlight", "keep", "whatif"):  # --all draws symbolic versions itself
            if getattr(options, name):
                raise UsageError(f"--{name} is for one figure, not --all")
        if options.dpi is not None:
            raise UsageError("--dpi and --scale are for one .png figure; --all writes SVG")
        if options.output.exists() and not options.output.is_dir():
            raise UsageError(f"--all writes a folder of figures, and {options.output} is a file")
        return
    if options.figure is None:
        raise UsageError(f"give a FIGURE ({', '.join(book.FIGURES)}) or --all")
    if options.output is None:
        return
    try:
        output_format(options.output)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _what_if(options: argparse.Namespace) -> tuple[Node, dict[str, Any]]:
    """Print the what-if table of EXPR or of the figure; the graph and how to draw it, the rows as its caption."""
    if options.figure is None:
        root, rows = whatif.expression_rows(options.expression, _values(options.set), options.delta)
        drawing: dict[str, Any] = {}
    else:
        figure, drawing = _figure(options)
        root, rows = figure.root, whatif.figure_rows(figure)
    print(whatif.table(rows))
    return root, {**drawing, **_drawing_options(root, options), "caption": whatif.caption(rows)}


def _gallery(options: argparse.Namespace) -> str:
    index = write_gallery(options.output, lang=options.lang or "ko", fontname=options.fontname,
                          max_nodes=options.max_nodes, timeout=options.timeout)
    return f"wrote {index} and the figures beside it"


def _graph(options: argparse.Namespace) -> tuple[Node, dict[str, Any]]:
    """The graph the options name (EXPR and --set, or a book figure), after backward, and how to draw it."""
    if options.figure is None:
        if options.expression is None:
            raise UsageError(_NO_SOURCE[options.command])
        for name in _FIGURE_ONLY:
            if getattr(options, name):
                raise UsageError(f"--{name} is for book figures (--book FIGURE), not expressions")
        root, drawing = _expression_graph(options.expression, options.set), {}
    else:
        if options.expression is not None:
            raise UsageError(f"give an expression or --book {options.figure}, not both")
        if options.set:
            raise UsageError("--set is for expressions: a book figure has its own values")
        figure, drawing = _figure(options)
        root = figure.root
    return root, {**drawing, **_drawing_options(root, options)}


def _figure(options: argparse.Namespace) -> tuple[book.Figure, dict[str, Any]]:
    """The book figure the options name, and its drawing options with the boxes --collapse adds to its own."""
    figure = book.figure(options.figure, lang=options.lang or "ko", symbolic=options.symbolic)
    drawing: dict[str, Any] = {**figure.options(), "collapse": (*figure.collapse, *options.collapse)}
    return figure, drawing


def _replay(root: Node, options: argparse.Namespace, drawing: dict[str, Any]) -> str:
    """Write the replay page (and frames); what to tell the user."""
    if not root.requires_grad:
        raise UsageError("the expression has no variable: there is no backward pass to replay")
    path = replay(root, options.output, frames_dir=options.frames, frame_format=options.frames_format,
                  max_frames=options.max_frames, max_bytes=options.max_bytes, timeout=options.timeout, **drawing)
    return f"wrote {path}" + (f" and {options.frames}/" if options.frames else "")


def _expression_graph(text: str, assignments: list[tuple[str, float]]) -> Value:
    """The graph of ``text`` with the --set values, after backward (when it has a variable)."""
    output, _ = build(text, _values(assignments))
    if output.requires_grad:  # a lone number is a constant: it has no gradient to draw
        output.backward()
    return output


def _values(assignments: list[tuple[str, float]]) -> dict[str, float]:
    values: dict[str, float] = {}
    for name, value in assignments:
        if name in values:
            raise UsageError(f"{name!r} is set twice with --set")
        values[name] = value
    return values


def _drawing_options(root: Node, options: argparse.Namespace) -> dict[str, Any]:
    """The to_dot options given on the command line; names become the nodes so named."""
    named: dict[str, Node] = {}  # by the name as Python reads it, as the expression's names are matched
    for node in post_order(root):
        if isinstance(node.name, str) and node.name:
            named.setdefault(read_as(node.name), node)
    for name in [*options.highlight, *options.keep]:
        if read_as(name) not in named:
            names = ", ".join(repr(node.name) for node in named.values()) or "none"
            raise UsageError(f"no node is named {name!r} (the names are: {names})")
    return {
        "fontname": options.fontname, "max_nodes": options.max_nodes,
        "highlight": [named[read_as(n)] for n in options.highlight], "keep": [named[read_as(n)] for n in options.keep],
    }


def _parser(command: str) -> _Parser:
    """The parser of ``command``; its namespace has every field of the others' too, empty, so one path reads all."""
    parser = _Parser(prog="python -m scratchgrad.viz", usage=_USAGE[command], description=_DESCRIPTION[command],
                     epilog=_EPILOG[command])
    parser.set_defaults(command=command, figure=None, set=[], lang=None, symbolic=False, collapse=[], all=False,
                        dpi=None, whatif=command == "whatif", delta=[1.0])
    if command == "book":
        parser.add_argument("figure", nargs="?", choices=book.FIGURES, metavar="FIGURE",
                            help="one of: " + ", ".join(book.FIGURES))
        parser.add_argument("--all", action="store_true",
                            help="draw every figure (and its symbolic version) into the folder -o, with index.html")
    if command == "replay":
        parser.add_argument("--book", dest="figure", choices=book.FIGURES, metavar="FIGURE",
                            help="replay one of the book's figures instead of EXPR: " + ", ".join(book.FIGURES))
    if command != "book":
        parser.add_argument("--set", nargs="+", action="extend", type=_assignment, metavar="NAME=NUMBER",
                            help="the value of each name in EXPR")
    if command == "whatif":
        parser.add_argument("--delta", nargs="+", type=_step, default=[1.0], metavar="STEP",
                            help="the steps to nudge each name by (default: 1); several show the prediction converge")
    if command == "book":
        parser.add_argument("--whatif", action="store_true",
                            help="print the figure's what-if table (apple-loss: the notes' nudges); -o is optional")
    if command in ("book", "replay"):
        parser.add_argument("--lang", choices=book.LANGUAGES, help="names and titles of the figures (default: ko)")
        parser.add_argument("--symbolic", action="store_true",
                            help="the book's algebra instead of numbers (every figure but the two apple ones)")
        parser.add_argument("--collapse", nargs="+", action="extend", metavar="BOX",
                            help="draw these boxes of the figure (by title) as one node each")
    if command == "replay":
        parser.add_argument("-o", "--output", required=True, type=_html_path, metavar="FILE.html", help="the page")
        parser.add_argument("--frames", type=Path, metavar="DIR", help="also write each frame as a numbered image here")
        parser.add_argument("--frames-format", choices=FRAME_FORMATS, default="svg", help="format of those images")
        parser.add_argument("--max-frames", type=_budget, default=MAX_FRAMES, metavar="N",
                            help=f"refuse graphs whose backward pass visits more nodes (default: {MAX_FRAMES}; 'all': "
                                 "no limit)")
        parser.add_argument("--max-mb", dest="max_bytes", type=_megabytes, default=MAX_BYTES, metavar="MB",
                            help=f"refuse a page (or frames folder) bigger than this (default: {MAX_BYTES / 1e6:g}; "
                                 "'none': no limit)")
    else:  # book checks its -o itself: a file for one figure, a folder for --all
        formats = ", ".join(f".{f}" for f in FORMATS) + (" (a folder with --all)" if command == "book" else "")
        parser.add_argument("-o", "--output", required=command == "draw",
                            type=Path if command == "book" else _output_path,
                            metavar="FILE", help=f"the drawing; its extension picks the format: {formats}")
        resolution = parser.add_mutually_exclusive_group()
        resolution.add_argument("--dpi", type=_dpi, metavar="N",
                                help=f"resolution of a .png (default {DEFAULT_DPI}; 300 for print)")
        resolution.add_argument("--scale", type=_scale, dest="dpi", metavar="F",
                                help="a .png F times as large (--scale 2 is --dpi 192)")
    parser.add_argument("--fontname", default=DEFAULT_FONT, help=f"font of all labels (default: {DEFAULT_FONT})")
    parser.add_argument("--highlight", nargs="+", action="extend", default=[], metavar="NAME",
                        help="draw the paths from the output to these named nodes in bold")
    parser.add_argument("--keep", nargs="+", action="extend", default=[], metavar="NAME",
                        help="keep the paths to these named nodes when a big graph is summarised (at most "
                             f"{MAX_KEPT:,} nodes, or --max-nodes if more)")
    if command == "replay":  # a summary would fold away the nodes the frames visit
        parser.add_argument("--max-nodes", type=_budget, default=None, metavar="N",
                            help="summarise graphs of more nodes (default: all: each frame shows the node it visits)")
    else:
        parser.add_argument("--max-nodes", type=_budget, default=DEFAULT_MAX_NODES, metavar="N",
                            help=f"summarise graphs of more nodes (default: {DEFAULT_MAX_NODES}; 'all': never)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop Graphviz after this long (default: {DEFAULT_TIMEOUT:g}; 'none': no limit)")
    return parser


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


def _float(text: str) -> float:
    """``text`` as a float, nan when it is none: each option's check then refuses it with its own message."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _step(text: str) -> float:
    step = _float(text)
    if not math.isfinite(step):
        raise argparse.ArgumentTypeError(f"expected a finite number to nudge by, got {text!r}")
    return step


def _dpi(text: str) -> float:
    dpi = _float(text)
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise argparse.ArgumentTypeError(f"expected a resolution from {MIN_DPI} to {MAX_DPI} dpi, got {text!r}")
    return dpi


def _scale(text: str) -> float:
    factor = _float(text)
    if not MIN_DPI <= factor * DEFAULT_DPI <= MAX_DPI:
        raise argparse.ArgumentTypeError(
            f"expected a scale from {MIN_DPI / DEFAULT_DPI:g} to {MAX_DPI / DEFAULT_DPI:g}, got {text!r}")
    return factor * DEFAULT_DPI


def _budget(text: str) -> int | None:
    if text.lower() == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of nodes (at least 1) or 'all', got {text!r}")
    return int(text)


def _megabytes(text: str) -> int | None:
    if text.lower() == "none":
        return None
    megabytes = _float(text)
    if not megabytes > 0 or math.isinf(megabytes):
        raise argparse.ArgumentTypeError(f"expected a number of megabytes above 0 or 'none', got {text!r}")
    return int(megabytes * 1e6)


def _seconds(text: str) -> float | None:
    if text.lower() == "none":
        return None
    seconds = _float(text)
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
