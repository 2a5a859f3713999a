"""From DOT text to something you can look at: a Jupyter cell or a file.

Laying out the graph needs Graphviz's ``dot`` program, which pip cannot
install. When it is missing, `render` still saves the DOT text (so the work is
not lost and can be rendered elsewhere) and raises `GraphvizNotFound`, which
says how to install it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Unpack

import graphviz

from autograd import Node
from viz.dot import DotOptions, to_dot

FORMATS = ("svg", "png", "pdf", "dot")
"""Output formats, chosen by the file extension."""


class GraphvizNotFound(RuntimeError):  # noqa: N818 - named like graphviz.ExecutableNotFound, which it replaces
    """Graphviz's ``dot`` program is not installed (or not on PATH)."""

    def __init__(self, dot_file: Path) -> None:
        super().__init__(
            "the Graphviz 'dot' program was not found; install it with 'apt-get install graphviz', "
            f"'brew install graphviz' or 'conda install graphviz' (the DOT text was saved to {dot_file})"
        )
        self.dot_file = dot_file


def draw(node: Node, **options: Unpack[DotOptions]) -> graphviz.Source:
    """The graph behind ``node`` as a `graphviz.Source`; it shows itself inline in Jupyter."""
    return graphviz.Source(to_dot(node, **options))


def render(node: Node, path: str | Path, **options: Unpack[DotOptions]) -> Path:
    """Draw the graph behind ``node`` into ``path``; the extension picks the format (see `FORMATS`).

    ``.dot`` writes the DOT text and needs no Graphviz. For the other formats a
    missing ``dot`` program raises `GraphvizNotFound` after writing the DOT
    text next to ``path`` (``out.svg`` -> ``out.dot``).
    """
    path = Path(path)
    kind = output_format(path)
    text = to_dot(node, **options)
    if kind == "dot":
        path.write_text(text, encoding="utf-8")
        return path
    try:
        image = graphviz.Source(text).pipe(format=kind)
    except graphviz.ExecutableNotFound:
        dot_file = path.with_suffix(".dot")
        dot_file.write_text(text, encoding="utf-8")
        raise GraphvizNotFound(dot_file) from None
    path.write_bytes(image)
    return path


def output_format(path: str | Path) -> str:
    """The format `render` writes for ``path`` (one of `FORMATS`); raises ValueError for other extensions."""
    kind = Path(path).suffix.lower().removeprefix(".")
    if kind not in FORMATS:
        raise ValueError(f"cannot draw to {str(path)!r}: the file name must end in " + ", ".join(
            f".{f}" for f in FORMATS))
    return kind
