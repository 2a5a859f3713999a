"""Book-style computational-graph drawings: values above the arrows, gradients below.

>>> from scratchgrad.autograd import Value
>>> from scratchgrad import viz
>>> x, y = Value(2.0, name="x"), Value(3.0, name="y")
>>> z = x * y
>>> z.backward()
>>> text = viz.to_dot(z)      # DOT text
>>> # viz.draw(z)             # inline in Jupyter
>>> # viz.render(z, "z.svg")  # or .png, .pdf, .dot
>>> # viz.replay(z, "z.html") # the backward pass, one node at a time (no path: shown inline in Jupyter)
>>> # viz.gallery.write_gallery("out/gallery")  # every figure of the chapter, and index.html
>>> figure = viz.book.apple_tax()   # the book's figures, with their boxes and labels
>>> text = viz.to_dot(figure.root, **figure.options())

Boxes: ``with viz.scope("Softmax", a) as s: y = s.output(...)`` draws what the
block computed in a box; ``collapse=["Softmax"]`` draws that box as one node.
Every output is bounded: a drawing is summarised to ``max_nodes`` (kept paths
to ``max(max_nodes, 1,000)``), each text to 16 lines of 120 characters,
``dot`` runs under a ``timeout`` on at most 4 MB of DOT, and a replay page to
300 frames and 10 MB (``max_frames``, ``max_bytes``). Text is drawn as typed
and only as text; font names are checked (`viz.dot.check_fontname`).

From a shell: ``python -m scratchgrad.viz "x*y" --set x=2 y=3 -o graph.svg`` (see `viz.cli`).
"""

from scratchgrad.viz import book, gallery
from scratchgrad.viz.dot import DEFAULT_FONT, DotOptions, to_dot
from scratchgrad.viz.network import network
from scratchgrad.viz.render import (
    DEFAULT_TIMEOUT,
    FORMATS,
    GraphTooLarge,
    GraphvizNotFound,
    RenderFailed,
    RenderTimeout,
    draw,
    install_notebook_display,
    render,
)
from scratchgrad.viz.replay import Replay, replay
from scratchgrad.viz.scopes import module_boxes, scope, scoped
from scratchgrad.viz.view import DEFAULT_MAX_NODES, backward_has_run

__all__ = [
    "DEFAULT_FONT",
    "DEFAULT_MAX_NODES",
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "DotOptions",
    "GraphTooLarge",
    "GraphvizNotFound",
    "RenderFailed",
    "RenderTimeout",
    "Replay",
    "backward_has_run",
    "book",
    "draw",
    "gallery",
    "install_notebook_display",
    "module_boxes",
    "network",
    "render",
    "replay",
    "scope",
    "scoped",
    "to_dot",
]
