"""The book's chapter-5 figures, built with `Value` and `Tensor` and ready to draw.

Each builder runs the forward and backward pass for real, so the numbers on
the drawing come from the engine, not from the book: a figure that matches the
book is a check on the engine. Only presentation (names, algebraic labels) is
figure data, handed to the general options of `viz.to_dot`; the boxes are
`viz.scope` blocks around the layers' code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scratchgrad.autograd import Node, Tensor, Value
from scratchgrad.viz.dot import DotOptions
from scratchgrad.viz.scopes import scope
from scratchgrad.viz.view import EdgeKey, EdgeText

_NAMES = {
    "ko": {
        "apple": "사과", "apple_count": "사과의 개수", "orange": "귤", "orange_count": "귤의 개수",
        "tax": "소비세", "price": "지불 금액", "over_batch": "∂L/∂Y를 배치(N)에 대해 합함",
    },
    "en": {
        "apple": "apple", "apple_count": "apple count", "orange": "orange", "orange_count": "orange count",
        "tax": "tax", "price": "total price", "over_batch": "∂L/∂Y summed over the batch (N)",
    },
}
LANGUAGES = tuple(_NAMES)

_TITLES = {  # name: (ko, en); the figure numbers of the book's chapter 5
    "chain-rule": ("연쇄법칙: z = t², t = x + y (그림 5-7, 5-8)", "The chain rule: z = t², t = x + y (fig. 5-7, 5-8)"),
    "add-node": ("덧셈 노드의 역전파: 10 + 5 (그림 5-11)", "Backward of an add node: 10 + 5 (fig. 5-11)"),
    "mul-node": ("곱셈 노드의 역전파: 10 × 5 (그림 5-13)", "Backward of a multiply node: 10 × 5 (fig. 5-13)"),
    "apple-tax": ("사과 쇼핑의 역전파 (그림 5-14)", "Buying apples, backward (fig. 5-14)"),
    "apple-orange": ("사과와 귤 쇼핑의 역전파 (그림 5-17)", "Buying apples and oranges, backward (fig. 5-17)"),
    "apple-loss": ("사과 ×2, 소비세, 손실 L = ½(f − 219)²", "Apples ×2, tax, and a loss L = ½(f − 219)²"),
    "relu": ("ReLU 계층: x > 0인 곳만 기울기가 흐른다 (그림 5-18)",
             "The ReLU layer: the gradient flows only where x > 0 (fig. 5-18)"),
    "sigmoid": ("Sigmoid 계층의 계산 그래프 (그림 5-20)", "The Sigmoid layer, node by node (fig. 5-20)"),
    "sigmoid-simple": ("Sigmoid 계층의 간소화 버전: y(1 − y) (그림 5-21, 5-22)",
                       "The Sigmoid layer as one node: y(1 − y) (fig. 5-21, 5-22)"),
    "affine": ("Affine 계층의 역전파: 행렬의 형상 (그림 5-25)",
               "Backward of the Affine layer, with shapes (fig. 5-25)"),
    "affine-batch": ("배치용 Affine 계층 (그림 5-27)", "The Affine layer for a batch (fig. 5-27)"),
    "softmax-with-loss": ("Softmax-with-Loss 계층의 계산 그래프 (그림 5-29)",
                          "The Softmax-with-Loss layer, node by node (fig. 5-29)"),
    "softmax-with-loss-simple": ("Softmax-with-Loss 계층의 간소화 버전 (그림 5-30)",
                                 "The Softmax-with-Loss layer, simplified (fig. 5-30)"),
}


@dataclass(frozen=True)
class Experiment:
    """A "what if I nudge it?" table of a figure: rebuild the output from ``inputs``, nudged by ``deltas``.

    ``function(*inputs)`` recomputes the figure's output; `autograd.nudge` re-runs it.
    """

    function: Callable[..., Node]
    inputs: tuple[Node, ...]
    deltas: dict[Node, float]


@dataclass(frozen=True)
class Figure:
    """A computed graph (``root``, after backward) and how the book presents it.

    Boxes are opened by the figures as `viz.scope` blocks while they compute; ``collapse``
    names those the book draws as one node. ``title`` is the figure's caption in the gallery.
    """

    root: Node
    edge_labels: dict[EdgeKey, EdgeText] = field(default_factory=dict)
    node_labels: dict[Node, str] = field(default_factory=dict)
    collapse: tuple[str, ...] = ()
    title: str = ""
    experiment: Experiment | None = None

    def options(self) -> DotOptions:
        """The presentation as keyword options for `viz.to_dot`, `viz.draw` and `viz.render`.

        ``collapse`` is among them only for a figure that collapses boxes, so that
        ``to_dot(f.root, collapse=[...], **f.options())`` still works for the others.
        """
        options: DotOptions = {"edge_labels": self.edge_labels, "node_labels": self.node_labels}
        if self.collapse:
            options["collapse"] = self.collapse
        return options


def chain_rule(lang: str = "ko", symbolic: bool = False) -> Figure:
    """Fig. 5-7: z = t², t = x + y at x = 2, y = 1; backward, ∂z/∂x = ∂z/∂t · ∂t/∂x = 2t · 1 = 6.

    Its `Experiment` nudges x and y by 1: the gradient predicts 6, z grows by 7 (the rest is δ²).
    """
    x, y = Value(2, name="x"), Value(1, name="y")

    def square_of_sum(x: Value, y: Value) -> Value:
        t = x + y
        t.name = "t"
        return t**2

    z = _backward(square_of_sum(x, y), "z")
    t = z.inputs[0]
    labels: dict[EdgeKey, EdgeText] = {}
    if symbolic:
        labels = {
            (x, t): ("x", "∂z/∂t · ∂t/∂x = 2t · 1"), (y, t): ("y", "∂z/∂t · ∂t/∂y = 2t · 1"),
            (t, z): ("t", "∂z/∂t = 2t"), (z.inputs[1], z): ("2", None), (z, None): ("z", "∂z/∂z = 1"),
        }
    experiment = Experiment(square_of_sum, (x, y), {x: 1.0, y: 1.0})
    return Figure(z, labels, title=_title("chain-rule", lang), experiment=experiment)


def add_node(lang: str = "ko", symbolic: bool = False) -> Figure:
    """Fig. 5-11: z = x + y sends the gradient from above (1.3) to both inputs unchanged."""
    x, y = Value(10, name="x"), Value(5, name="y")
    z = _backward(x + y, "z", 1.3)
    labels: dict[EdgeKey, EdgeText] = {}
    if symbolic:
        labels = {(x, z): ("x", "∂L/∂z · 1"), (y, z): ("y", "∂L/∂z · 1"), (z, None): ("z", "∂L/∂z")}
    return Figure(z, labels, title=_title("add-node", lang))


def mul_node(lang: str = "ko", symbolic: bool = False) -> Figure:
    """Fig. 5-13: z = x × y sends each input the gradient from above times the *other* input: 6.5 and 13."""
    x, y = Value(10, name="x"), Value(5, name="y")
    z = _backward(x * y, "z", 1.3)
    labels: dict[EdgeKey, EdgeText] = {}
    if symbolic:
        labels = {(x, z): ("x", "∂L/∂z · y"), (y, z): ("y", "∂L/∂z · x"), (z, None): ("z", "∂L/∂z")}
    return Figure(z, labels, title=_title("mul-node", lang))


def apple_tax(lang: str = "ko") -> Figure:
    """Fig. 5-14: two apples at 100 each with 10% consumption tax: 220 to pay."""
    names = _names(lang)
    apple, count = Value(100, name=names["apple"]), Value(2, name=names["apple_count"])
    tax = Value(1.1, name=names["tax"])
    return Figure(_backward(apple * count * tax, names["price"]), title=_title("apple-tax", lang))


def apple_orange(lang: str = "ko") -> Figure:
    """Fig. 5-17: two apples at 100 and three oranges at 150, with tax: 715 to pay."""
    names = _names(lang)
    apple, apple_count = Value(100, name=names["apple"]), Value(2, name=names["apple_count"])
    orange, orange_count = Value(150, name=names["orange"]), Value(3, name=names["orange_count"])
    tax = Value(1.1, name=names["tax"])
    price = _backward((apple * apple_count + orange * orange_count) * tax, names["price"])
    return Figure(price, title=_title("apple-orange", lang))


def apple_loss(lang: str = "ko", symbolic: bool = False) -> Figure:
    """The notes' apple ×2 then tax, with a loss: L = ½(f − 219)² where f = 220 is the price.

    ∂L/∂f = f − 219 = 1, so the apples' gradients are those of fig. 5-14 (2.2, 110, 200). The
    figure's `Experiment` nudges each input as the notes do: the price of an apple and the count
    by 1, the tax by 0.01 (`autograd.nudge`; ``python -m scratchgrad.viz book apple-loss --whatif``).
    """
    names = _names(lang)
    apple, count = Value(100, name=names["apple"]), Value(2, name=names["apple_count"])
    tax = Value(1.1, name=names["tax"])

    def loss(apple: Value, count: Value, tax: Value) -> Value:
        price = apple * count * tax
        price.name = "f"
        return 0.5 * (price - 219) ** 2

    L = _backward(loss(apple, count, tax), "L")
    labels: dict[EdgeKey, EdgeText] = {}
    if symbolic:
        half, square = L.inputs
        difference, two = square.inputs
        price, target = difference.inputs
        labels = {
            (L, None): ("L", "1"), (half, L): ("½", None), (square, L): ("(f - 219)^2", "½"),
            (two, square): ("2", None), (difference, square): ("f - 219", "½ · 2(f - 219)"),
            (target, difference): ("219", None), (price, difference): ("f", "∂L/∂f = f - 219"),
        }
    experiment = Experiment(loss, (apple, count, tax), {apple: 1.0, count: 1.0, tax: 0.01})
    return Figure(L, labels, title=_title("apple-loss", lang), experiment=experiment)


def relu(lang: str = "ko", symbolic: bool = False) -> Figure:
    """Fig. 5-18 with the book's x: ReLU passes the gradient from above where x > 0 and stops it where x ≤ 0.

    The book's mask: x = [[1, -0.5], [-2, 3]] lets through only the first and last of the
    gradient from above [[1, 2], [3, 4]].
    """
    x = Tensor(np.array([[1.0, -0.5], [-2.0, 3.0]]), requires_grad=True, name="x")
    y = _backward(x.relu(), "y", np.array([[1.0, 2.0], [3.0, 4.0]]))
    labels: dict[EdgeKey, EdgeText] = {}
    if symbolic:
        labels = {(x, y): ("x", "∂L/∂y where x > 0\n0 where x ≤ 0"), (y, None): ("y", "∂L/∂y")}
    return Figure(y, labels, title=_title("relu", lang))


def sigmoid(lang: str = "ko", symbolic: bool = False) -> Figure:
    """Fig. 5-20: y = 1 / (1 + exp(−x)) as the book builds it, ×(−1), exp, +1 and /, at x = 1.

    Backward, node by node, it sends x the gradient from above times y²·exp(−x); `sigmoid_simple`
    gets the same number from one node and its y(1 − y).
    """
    x = Value(1, name="x")
    negated = x * -1
    e = negated.exp()
    denominator = e + 1
    y = _backward(denominator.reciprocal(), "y")
    labels: dict[EdgeKey, EdgeText] = {}
    if symbolic:
        labels = {
            (y, None): ("y", "∂L/∂y"),
            (denominator, y): ("1 + exp(-x)", "-∂L/∂y · y^2"),
            (denominator.inputs[1], denominator): ("1", None),
            (e, denominator): ("exp(-x)", "-∂L/∂y · y^2"),
            (negated, e): ("-x", "-∂L/∂y · y^2 · exp(-x)"),
            (negated.inputs[1], negated): ("-1", None),
            (x, negated): ("x", "∂L/∂y · y^2 · exp(-x)"),
        }
    return Figure(y, labels, title=_title("sigmoid", lang))


def sigmoid_simple(lang: str = "ko", symbolic: bool = False) -> Figure:
    """Fig. 5-22: the sigmoid as one node, at x = 1: it sends back the gradient from above times y(1 − y)."""
    x = Value(1, name="x")
    y = _backward(x.sigmoid(), "y")
    labels: dict[EdgeKey, EdgeText] = {}
    if symbolic:
        labels = {(x, y): ("x", "∂L/∂y · y(1 - y)"), (y, None): ("y", "∂L/∂y")}
    return Figure(y, labels, title=_title("sigmoid-simple", lang))


def affine(lang: str = "ko", symbolic: bool = False) -> Figure:
    """Fig. 5-25: Y = X·W + B for one sample, X (2,), W (2, 3), B (3,), with ∂L/∂Y = (1, 2, 3) from above.

    ∂L/∂X = ∂L/∂Y·Wᵀ (2,) and ∂L/∂W = Xᵀ·∂L/∂Y (2, 3): the gradient of each has its shape.
    A vector times a matrix is a row times the matrix, so the engine reshapes X there and back;
    the book's dot node is those steps, drawn as one box.
    """
    X = Tensor(np.array([1.0, 2.0]), requires_grad=True, name="X")
    W = Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True, name="W")
    B = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, name="B")
    with scope("dot", (X, W)) as dot:
        XW = dot.output(X @ W)
    Y = _backward(XW + B, "Y", np.array([1.0, 2.0, 3.0]))
    labels: dict[EdgeKey, EdgeText] = {}
    if symbolic:
        matmul = XW.inputs[0]
        labels = {
            (matmul.inputs[0].inputs[0], matmul.inputs[0]): ("X (2,)", "∂L/∂X = ∂L/∂Y · Wᵀ\n(2,) = (3,) · (3, 2)"),
            (W, matmul): ("W (2, 3)", "∂L/∂W = Xᵀ · ∂L/∂Y\n(2, 3) = (2, 1) · (1, 3)"),
            (XW, Y): ("X · W (3,)", "∂L/∂Y (3,)"), (B, Y): ("B (3,)", "∂L/∂Y (3,)"),
            (Y, None): ("Y (3,)", "∂L/∂Y (3,)"),
        }
    return Figure(Y, labels, collapse=("dot",), title=_title("affine", lang))


def affine_batch(lang: str = "ko", symbolic: bool = False) -> Figure:
    """Fig. 5-27 with the book's numbers (5.6.2): a batch of N = 2, X·W = [[0, 0, 0], [10, 10, 10]], B = (1, 2, 3).

    The bias is added to every row, so its gradient is the sum of ∂L/∂Y = [[1, 2, 3], [4, 5, 6]]
    over the batch: (5, 7, 9).
    """
    X = Tensor(np.array([[0.0, 0.0], [5.0, 5.0]]), requires_grad=True, name="X")
    W = Tensor(np.ones((2, 3)), requires_grad=True, name="W")
    B = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, name="B")
    XW = X @ W
    Y = _backward(XW + B, "Y", np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    labels: dict[EdgeKey, EdgeText] = {}
    if symbolic:
        labels = {
            (X, XW): ("X (N, 2)", "∂L/∂X = ∂L/∂Y · Wᵀ\n(N, 2) = (N, 3) · (3, 2)"),
            (W, XW): ("W (2, 3)", "∂L/∂W = Xᵀ · ∂L/∂Y\n(2, 3) = (2, N) · (N, 3)"),
            (XW, Y): ("X · W (N, 3)", "∂L/∂Y (N, 3)"), (Y, None): ("Y (N, 3)", "∂L/∂Y (N, 3)"),
            (B, Y): ("B (3,)", f"∂L/∂B (3,) =\n{_names(lang)['over_batch']}"),
        }
    return Figure(Y, labels, node_labels={XW: "dot"}, title=_title("affine-batch", lang))


def softmax_with_loss(lang: str = "ko", symbolic: bool = False) -> Figure:
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
    title = _title("softmax-with-loss", lang)
    if not symbolic:
        return Figure(loss, node_labels=node_labels, title=title)
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
    return Figure(loss, edge_labels=labels, node_labels=node_labels, title=title)


def softmax_with_loss_simple(lang: str = "ko", symbolic: bool = False) -> Figure:
    """Fig. 5-30: fig. 5-29 with its two layers collapsed: Softmax receives −t/y and sends y − t."""
    full = softmax_with_loss(lang, symbolic)
    return Figure(full.root, full.edge_labels, full.node_labels, collapse=("Softmax", "Cross Entropy Error"),
                  title=_title("softmax-with-loss-simple", lang))


FIGURES: dict[str, Callable[..., Figure]] = {
    "chain-rule": chain_rule,
    "add-node": add_node,
    "mul-node": mul_node,
    "apple-tax": apple_tax,
    "apple-orange": apple_orange,
    "apple-loss": apple_loss,
    "relu": relu,
    "sigmoid": sigmoid,
    "sigmoid-simple": sigmoid_simple,
    "affine": affine,
    "affine-batch": affine_batch,
    "softmax-with-loss": softmax_with_loss,
    "softmax-with-loss-simple": softmax_with_loss_simple,
}
"""Every figure, in the chapter's order."""

SYMBOLIC = tuple(name for name in FIGURES if name not in ("apple-tax", "apple-orange"))
"""The figures with algebra for the arrows (``symbolic=True``); the apple figures are numbers in the book."""

WHAT_IF = ("chain-rule", "apple-loss")
"""The figures with an `Experiment`: a "what if I nudge it?" table (``--whatif``)."""


def figure(name: str, lang: str = "ko", symbolic: bool = False) -> Figure:
    """The figure called ``name`` (a key of `FIGURES`), with the names and title in ``lang``.

    ``symbolic`` writes the book's algebra on the arrows instead of numbers
    (the figures of `SYMBOLIC`).
    """
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; choose one of: {', '.join(FIGURES)}")
    _names(lang)
    if not symbolic:
        return FIGURES[name](lang)
    if name not in SYMBOLIC:
        raise ValueError(f"{name!r} has numbers only; symbolic labels exist for: {', '.join(SYMBOLIC)}")
    return FIGURES[name](lang, symbolic=True)


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _subscript(name: str) -> str:
    """``a1`` -> ``a₁``: the book's typesetting of indexed names."""
    return name.translate(_SUBSCRIPTS)


def _names(lang: str) -> dict[str, str]:
    if lang not in _NAMES:
        raise ValueError(f"unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
    return _NAMES[lang]


def _title(name: str, lang: str) -> str:
    return _TITLES[name][LANGUAGES.index(lang)]


def _backward(output: Node, name: str, upstream: Any = None) -> Node:
    """Name the output and backpropagate from it; ``upstream`` is the gradient arriving from above (default 1)."""
    output.name = name
    output.backward(upstream)
    return output
