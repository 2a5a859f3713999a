"""Book-style computational-graph drawings: values above the arrows, gradients below.

>>> from autograd import Value
>>> import viz
>>> x, y = Value(2.0, name="x"), Value(3.0, name="y")
>>> z = x * y
>>> z.backward()
>>> text = viz.to_dot(z)      # DOT text
>>> # viz.draw(z)             # inline in Jupyter
>>> # viz.render(z, "z.svg")  # or .png, .pdf, .dot
>>> figure = viz.book.apple_tax()   # the book's figures, with their boxes and labels
>>> text = viz.to_dot(figure.root, **figure.options())

From a shell: ``python -m viz "x*y" --set x=2 y=3 -o graph.svg`` (see `viz.cli`).
"""

from viz import book
from viz.dot import DEFAULT_FONT, DotOptions, backward_has_run, to_dot
from viz.render import FORMATS, GraphvizNotFound, draw, render

__all__ = [
    "DEFAULT_FONT",
    "FORMATS",
    "DotOptions",
    "GraphvizNotFound",
    "backward_has_run",
    "book",
    "draw",
    "render",
    "to_dot",
]
