"""The book's chapter-5 figures, built with `Value` and ready to draw.

Each builder runs the forward and backward pass for real, so the numbers on
the drawing come from the engine, not from the book: a figure that matches the
book is a check on the engine. Only presentation (names, algebraic labels) is
figure data, handed to the general options of `viz.to_dot`; the boxes are
`viz.scope` blocks around the layers' code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scratchgrad.autograd import Node, Value
from scratchgrad.viz.dot import DotOptions
from scratchgrad.viz.scopes import scope
from scratchgrad.viz.view import EdgeKey, EdgeText

_NAMES = {
    "ko": {
        "apple": "사과", "apple_count": "사과의 개수", "orange": "귤", "orange_count": "귤의 개수",
        "tax": "소비세", "price": "지불 금액",
    },
    "en": {
        "apple": "apple", "apple_count": "apple count", "orange": "orange", "orange_count": "orange count",
        "tax": "tax", "price": "total price",
    },
}
LANGUAGES = tuple(_NAMES)


@dataclass(frozen=True)
class Figure:
    """A computed graph (``root``, after backward) and how the book presents it.

    Boxes are not listed here: the figures open `viz.scope` boxes while they compute.
    """

    root: Value
    edge_labels: dict[EdgeKey, EdgeText] = field(default_factory=dict)
    node_labels: dict[Node, str] = field(default_factory=dict)

    def options(self) -> DotOptions:
        """The presentation as keyword options for `viz.to_dot`, `viz.draw` and `viz.render`."""
        return {"edge_labels": self.edge_labels, "node_labels": self.node_labels}


def apple_tax(lang: str = "ko") -> Figure:
    """Fig. 5-14: two apples at 100 each with 10% consumption tax: 220 to pay."""
    names = _names(lang)
    apple, count = Value(100, name=names["apple"]), Value(2, name=names["apple_count"])
    tax = Value(1.1, name=names["tax"])
    return Figure(_backward(apple * count * tax, names["price"]))


def apple_orange(lang: str = "ko") -> Figure:
    """Fig. 5-17: two apples at 100 and three oranges at 150, with tax: 715 to pay."""
    names = _names(lang)
    apple, apple_count = Value(100, name=names["apple"]), Value(2, name=names["apple_count"])
    orange, orange_count = Value(150, name=names["orange"]), Value(3, name=names["orange_count"])
    tax = Value(1.1, name=names["tax"])
    return Figure(_backward((apple * apple_count + orange * orange_count) * tax, names["price"]))


def softmax_with_loss(symbolic: bool = False) -> Figure:
    """Fig. 5-29: the Softmax-with-Loss layer for 3 classes, from elementary ops.

    Scores a = (0.3, 2.9, 4.0), one-hot label t = (0, 0, 1). The gradient that
    reaches each aₖ is yₖ - tₖ. With ``symbolic`` the arrows carry the book's
    algebra instead of numbers. The two layers are `viz.scope` boxes: drawn
    with ``collapse=["Softmax", "Cross Entropy Error"]`` they give fig. 5-30.
    """
    a = [Value(x, name=f"a{k}") for k, x in enumerate((0.3, 2.9, 4.0), 1)]
    t = [Value(x, name=f"t{k}", requires_grad=False) for k, x in enumerate((0.0, 0.0, 1.0), 1)]
    with scope("Softmax", a) as softmax:
        exps = [ak.exp() for ak in a]
        total = Value.sum(exps)
        inverse = total.reciprocal()
        y = softmax.output([e * inverse for e in exps])
    with scope("Cross Entropy Error", y) as cross_entropy:
        logs = [yk.log() for yk in y]
        products = [tk * log for tk, log in zip(t, logs)]
        log_likelihood = Value.sum(products)
        minus_one = Value(-1, requires_grad=False)
        loss = _backward(cross_entropy.output(log_likelihood * minus_one), "L")
    node_labels = {x: _subscript(x.name) for x in (*a, *t)}
    if not symbolic:
        return Figure(loss, node_labels=node_labels)
    labels: dict[EdgeKey, EdgeText] = {}
    for k, (ak, tk, e, yk, log, product) in enumerate(zip(a, t, exps, y, logs, products), 1):
        a_, t_, y_ = node_labels[ak], node_labels[tk], _subscript(f"y{k}")
        e_ = f"exp({a_})"
        labels[ak, e] = (a_, f"{y_} - {t_}")
        labels[e, total] = (e_, "1/S")
        labels[e, yk] = (e_, f"-{t_}/{e_}")
        labels[inverse, yk] = ("1/S", f"-{t_}S")
        labels[yk, log] = (y_, f"-{t_}/{y_}")
        labels[tk, product] = (t_, None)
        labels[log, product] = (f"log {y_}", f"-{t_}")
        labels[product, log_likelihood] = (f"{t_} log {y_}", "-1")
        labels[e, None] = (e_, f"1/S - {t_}/{e_}")  # the two shares add up before exp
    labels[inverse, None] = ("1/S", f"-S({' + '.join(node_labels[tk] for tk in t)})")
    labels[total, inverse] = ("S", "1/S")
    labels[log_likelihood, loss] = ("-L", "-1")
    labels[minus_one, loss] = ("-1", None)
    labels[loss, None] = ("L", "1")
    return Figure(loss, edge_labels=labels, node_labels=node_labels)


FIGURES: dict[str, Callable[..., Figure]] = {
    "apple-tax": apple_tax,
    "apple-orange": apple_orange,
    "softmax-with-loss": softmax_with_loss,
}


def figure(name: str, lang: str = "ko", symbolic: bool = False) -> Figure:
    """The figure called ``name`` (a key of `FIGURES`).

    ``lang`` chooses the labels of the apple figures (the softmax figure's
    labels are algebra, the same in every language); ``symbolic`` (algebra on
    the arrows instead of numbers) exists for the softmax figure only.
    """
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; choose one of: {', '.join(FIGURES)}")
    if name == "softmax-with-loss":
        return softmax_with_loss(symbolic)
    if symbolic:
        raise ValueError(f"symbolic labels exist only for softmax-with-loss, not {name!r}")
    return FIGURES[name](lang)


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _subscript(name: str) -> str:
    """``a1`` -> ``a₁``: the book's typesetting of indexed names."""
    return name.translate(_SUBSCRIPTS)


def _names(lang: str) -> dict[str, str]:
    if lang not in _NAMES:
        raise ValueError(f"unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
    return _NAMES[lang]


def _backward(output: Value, name: str) -> Value:
    output.name = name
    output.backward()
    return output
