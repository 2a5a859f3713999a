"""From DOT text to something you can look at: a Jupyter cell or a file.

Laying out the graph needs Graphviz's ``dot`` program, which pip cannot
install. When it is missing, `render` still saves the DOT text (so the work is
not lost and can be rendered elsewhere; never over an existing file) and
raises `GraphvizNotFound`, which says how to install it.

Files are written whole or not at all (`write_files`): a failure never leaves
a half-written file, or a new file beside a stale one, as if it were complete.

``dot`` is run with a time limit (`RenderTimeout`), and text too big to lay
out in that time is refused before it starts (`GraphTooLarge`): a drawing
never hangs. The node budget of `viz.to_dot` keeps ordinary drawings far
below both limits.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Unpack

import graphviz

from scratchgrad.autograd import Node
from scratchgrad.viz.dot import DotOptions, to_dot
from scratchgrad.viz.svgtext import flow_runs

FORMATS = ("svg", "png", "pdf", "dot")
"""Output formats, chosen by the file extension."""

DEFAULT_TIMEOUT = 30.0
"""Seconds ``dot`` may take before `RenderTimeout`."""

DEFAULT_DPI = 96
"""Graphviz's resolution for bitmaps: a PNG at ``dpi=DEFAULT_DPI`` is as large as without ``dpi``."""

MIN_DPI, MAX_DPI = 10, 1200
"""Resolutions a PNG may have: beyond 1200 dpi a big graph's bitmap would take gigabytes."""

MAX_DOT_BYTES = 4_000_000
"""Longest DOT text handed to ``dot`` under a time limit: about 8,000 drawn nodes, which take minutes."""


class GraphvizNotFound(RuntimeError):  # noqa: N818 - named like graphviz.ExecutableNotFound, which it replaces
    """Graphviz's ``dot`` program is not installed (or not on PATH)."""

    def __init__(self, dot_file: Path | None = None, existing: Path | None = None) -> None:
        """``dot_file``: where the DOT text was saved; ``existing``: the file that was there, so it was not saved."""
        saved = f" (the DOT text was saved to {dot_file})" if dot_file else ""
        if existing is not None:
            saved = f" (the DOT text was not saved: {existing} already exists)"
        super().__init__(
            "the Graphviz 'dot' program was not found; install it with 'apt-get install graphviz', "
            f"'brew install graphviz' or 'conda install graphviz'{saved}"
        )
        self.dot_file = dot_file


class RenderTimeout(RuntimeError):  # noqa: N818 - what happened, as subprocess.TimeoutExpired
    """``dot`` did not finish within the time limit (it was stopped)."""


class GraphTooLarge(RenderTimeout):
    """The DOT text is too big for ``dot`` to finish within the time limit; it was not started."""


class RenderFailed(RuntimeError):  # noqa: N818 - what happened, as RenderTimeout
    """``dot`` ran but exited with an error; the message is what it printed, on one line."""


def run_dot(text: str, kind: str, timeout: float | None = DEFAULT_TIMEOUT, dpi: float | None = None) -> bytes:
    """``text`` laid out by Graphviz's ``dot`` in format ``kind`` (svg, png, pdf).

    ``timeout`` seconds (None: no limit, and no size check) before ``dot`` is
    stopped and `RenderTimeout` raised. Raises `GraphvizNotFound` without
    ``dot`` and `RenderFailed` when it reports an error. ``dpi`` sets the
    resolution of a PNG (`DEFAULT_DPI` unless given); SVG and PDF stay vector.
    """
    if dpi is not None and not (isinstance(dpi, int | float) and MIN_DPI <= dpi <= MAX_DPI):
        raise ValueError(f"dpi must be a number from {MIN_DPI} to {MAX_DPI}, got {dpi!r}")
    data = text.encode("utf-8")
    if timeout is not None and len(data) > MAX_DOT_BYTES:
        raise GraphTooLarge(
            f"the DOT text is {len(data) / 1e6:.1f} MB (limit {MAX_DOT_BYTES / 1e6:g} MB): dot would not finish in "
            f"{timeout:g} s; draw fewer nodes (max_nodes=, collapse=), write a .dot file, or pass timeout=None"
        )
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound()
    try:
        resolution = [f"-Gdpi={dpi:g}"] if dpi is not None and kind == "png" else []
        done = subprocess.run([program, f"-T{kind}", *resolution], input=data, capture_output=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise RenderTimeout(
            f"dot did not finish within {timeout:g} s (graph of {text.count(' [label=')} drawn nodes and arrows) and "
            "was stopped; draw fewer nodes (max_nodes=, collapse=) or allow more time (timeout=, None: no limit)"
        ) from None
    if done.returncode != 0:
        complaint = " ".join(done.stderr.decode(errors="replace").split()) or f"exit status {done.returncode}"
        raise RenderFailed(f"dot failed: {complaint}")
    return flow_runs(done.stdout.decode("utf-8")).encode("utf-8") if kind == "svg" else done.stdout


class Drawing(graphviz.Source):
    """A `graphviz.Source` that Jupyter shows inline, laid out under `viz`'s time limit."""

    def __init__(self, source: str, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        super().__init__(source)
        self.timeout = timeout

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, str]:
        return {"image/svg+xml": run_dot(self.source, "svg", self.timeout).decode("utf-8")}


def draw(node: Node, *, timeout: float | None = DEFAULT_TIMEOUT, **options: Unpack[DotOptions]) -> Drawing:
    """The graph behind ``node`` as a `graphviz.Source`; it shows itself inline in Jupyter (as SVG)."""
    return Drawing(to_dot(node, **options), timeout)


def render(
    node: Node, path: str | Path, *, timeout: float | None = DEFAULT_TIMEOUT, dpi: float | None = None,
    **options: Unpack[DotOptions],
) -> Path:
    """Draw the graph behind ``node`` into ``path``; the extension picks the format (see `FORMATS`).

    ``.dot`` writes the DOT text and needs no Graphviz. For the other formats a
    missing ``dot`` program raises `GraphvizNotFound` after writing the DOT
    text next to ``path`` (``out.svg`` -> ``out.dot``) unless a file of that
    name exists, which is left alone; ``timeout`` and ``dpi`` (a PNG's
    resolution, e.g. 300 for slides) are as in `run_dot`.
    """
    path = Path(path)
    kind = output_format(path)
    text = to_dot(node, **options)
    if kind == "dot":
        write_files({path: text.encode("utf-8")})
        return path
    try:
        image = run_dot(text, kind, timeout, dpi)
    except GraphvizNotFound:
        dot_file = path.with_suffix(".dot")
        try:
            with dot_file.open("x", encoding="utf-8") as file:  # "x": fails if it exists, even if made just now
                file.write(text)
        except FileExistsError:
            raise GraphvizNotFound(existing=dot_file) from None
        raise GraphvizNotFound(dot_file) from None
    write_files({path: image})
    return path


def write_files(contents: Mapping[Path, bytes]) -> None:
    """Write every file whole, or none: each goes to a temporary file beside it, all are moved in place at the end.

    A failure (a full disk, a folder where a file should go) removes the
    temporary files and leaves what was there before; the error names the
    file that was meant. A rename within a folder is atomic, so a reader
    never sees a half-written file.
    """
    for path in contents:  # the one failure a rename would meet halfway through: checked before anything is written
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    staged: dict[Path, Path] = {}
    try:
        for path, data in contents.items():
            staged[path] = temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
            _write_new(temporary, data, path)
        for path, temporary in staged.items():
            try:
                os.replace(temporary, path)
            except OSError as error:
                raise OSError(error.errno, error.strerror, str(path)) from None
    finally:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)


def _write_new(temporary: Path, data: bytes, meant: Path) -> None:
    """Create ``temporary`` (with the umask's usual permissions, as open() would) holding ``data``."""
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(meant)) from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(meant)) from None
    finally:
        os.close(fd)


def output_format(path: str | Path) -> str:
    """The format `render` writes for ``path`` (one of `FORMATS`); raises ValueError for other extensions."""
    kind = Path(path).suffix.lower().removeprefix(".")
    if kind not in FORMATS:
        raise ValueError(f"cannot draw to {str(path)!r}: the file name must end in " + ", ".join(
            f".{f}" for f in FORMATS))
    return kind


def install_notebook_display() -> None:
    """Make Jupyter show every `Value` and `Tensor` as its drawn graph (with `draw`'s defaults).

    It gives the node classes a ``_repr_svg_`` method, the hook IPython looks
    for; outside Jupyter nothing changes. Without Graphviz a node falls back
    to its text form. For per-drawing options, display ``viz.draw(node, ...)``.

    In IPython it also shows matplotlib figures, such as the network view's
    (`viz.network`), as pictures: they are made without pyplot (no global
    state), and IPython shows a Figure only through the formatter that
    pyplot's inline backend registers, so they would print as text.
    """
    Node._repr_svg_ = _node_svg  # type: ignore[attr-defined]
    _show_figures_in_ipython()


def _show_figures_in_ipython() -> None:
    """Register a PNG formatter for matplotlib Figures with the running IPython, if any (importing neither)."""
    ipython = sys.modules.get("IPython")  # not imported: no IPython is running, nothing to register with
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    from IPython.core.pylabtools import print_figure

    # by name: matplotlib is imported only when a figure is drawn
    shell.display_formatter.formatters["image/png"].for_type_by_name(
        "matplotlib.figure", "Figure", lambda fig: print_figure(fig, "png", bbox_inches="tight"))


def _node_svg(node: Node) -> str | None:
    """The node's graph as SVG, or None (IPython then shows the text form) when it cannot be drawn.

    A notebook must keep working when Graphviz is missing, slow or failing;
    `RenderTimeout` covers `GraphTooLarge`.
    """
    try:
        return run_dot(to_dot(node), "svg").decode("utf-8")
    except (GraphvizNotFound, RenderTimeout, RenderFailed):
        return None
