"""Every chapter-5 figure: the engine's numbers on the arrows are the chapter's, numeric and symbolic, ko and en."""

import numpy as np
import pytest
from dot_reading import read

from scratchgrad import viz
from scratchgrad.autograd import Tensor
from scratchgrad.viz import book


def drawing(name, **kwargs):
    figure = book.figure(name, **kwargs)
    return read(viz.to_dot(figure.root, **figure.options())), figure


def arrow(d, source, target):
    [found] = d.arrows_between(source, target)
    return found.forward, found.gradient


def test_chain_rule_z_t_squared_t_x_plus_y():
    d, _ = drawing("chain-rule")
    assert arrow(d, "x", "+") == ("2", "6") and arrow(d, "y", "+") == ("1", "6")  # ∂z/∂x = 2t · 1 = 6
    assert arrow(d, "+", "**") == ("t = 3", "6")  # ∂z/∂t = 2t
    assert arrow(d, "**", "z") == ("9", "1")
    d, _ = drawing("chain-rule", symbolic=True)
    assert arrow(d, "+", "**") == ("t", "∂z/∂t = 2t")
    assert arrow(d, "x", "+") == ("x", "∂z/∂t · ∂t/∂x = 2t · 1")


def test_add_node_passes_the_gradient_on():
    d, _ = drawing("add-node")
    assert arrow(d, "x", "+") == ("10", "1.3") and arrow(d, "y", "+") == ("5", "1.3")
    assert arrow(d, "+", "z") == ("15", "1.3")
    d, _ = drawing("add-node", symbolic=True)
    assert arrow(d, "x", "+") == ("x", "∂L/∂z · 1")


def test_mul_node_swaps_the_inputs():
    d, _ = drawing("mul-node")
    assert arrow(d, "x", "×") == ("10", "6.5") and arrow(d, "y", "×") == ("5", "13")
    assert arrow(d, "×", "z") == ("50", "1.3")
    d, _ = drawing("mul-node", symbolic=True)
    assert (arrow(d, "x", "×"), arrow(d, "y", "×")) == (("x", "∂L/∂z · y"), ("y", "∂L/∂z · x"))


@pytest.mark.parametrize(("lang", "apple", "count", "tax"), [("ko", "사과", "사과의 개수", "소비세"),
                                                            ("en", "apple", "apple count", "tax")])
def test_apple_then_tax_with_the_notes_loss(lang, apple, count, tax):
    d, figure = drawing("apple-loss", lang=lang)
    assert figure.root.data == pytest.approx(0.5)  # ½(220 - 219)²
    assert arrow(d, apple, "×") == ("100", "2.2") and arrow(d, count, "×") == ("2", "110")
    assert arrow(d, tax, "×") == ("1.1", "200")
    [into_sub] = [a for a in d.arrows if a.target == "-" and a.source == "×"]
    assert (into_sub.forward, into_sub.gradient) == ("f = 220", "1")  # ∂L/∂f = f - 219
    d, _ = drawing("apple-loss", lang=lang, symbolic=True)
    assert ("f", "∂L/∂f = f - 219") in [(a.forward, a.gradient) for a in d.arrows]


def test_relu_is_a_mask_the_books_example():
    d, _ = drawing("relu")
    forward, gradient = arrow(d, "x", "ReLU")
    assert forward == "(2, 2) float64\n[[1, -0.5],\n [-2, 3]]"
    assert gradient == "(2, 2) float64\n[[1, 0],\n [0, 4]]"  # passes where x > 0, stops where x ≤ 0
    assert arrow(d, "ReLU", "y")[0] == "(2, 2) float64\n[[1, 0],\n [0, 3]]"
    d, _ = drawing("relu", symbolic=True)
    assert arrow(d, "x", "ReLU") == ("x", "∂L/∂y where x > 0\n0 where x ≤ 0")


def test_relu_stops_the_gradient_at_zero_too():
    x = Tensor(np.array([0.0, 1e-300]), requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0])


def test_sigmoid_node_by_node_and_as_one_node_agree():
    d, full = drawing("sigmoid")
    y = 1 / (1 + np.exp(-1.0))
    e = np.exp(-1.0)
    assert arrow(d, "/", "y") == ("0.7311", "1")
    assert arrow(d, "+", "/") == ("1.368", "-0.5344")  # -∂L/∂y · y² = -1/(1 + exp(-x))²
    assert arrow(d, "exp", "+") == ("0.3679", "-0.5344")
    assert arrow(d, "×", "exp") == ("-1", "-0.1966")  # × exp(-x)
    assert arrow(d, "x", "×") == ("1", "0.1966")  # ∂L/∂y · y² exp(-x)
    d, simple = drawing("sigmoid-simple")
    assert arrow(d, "x", "σ") == ("1", "0.1966")  # ∂L/∂y · y(1 - y)
    x_full = full.root.inputs[0].inputs[0].inputs[0].inputs[0]
    assert x_full.grad == pytest.approx(y * y * e) == pytest.approx(simple.root.inputs[0].grad, rel=1e-15)
    assert x_full.grad == pytest.approx(y * (1 - y), rel=1e-15)
    d, _ = drawing("sigmoid", symbolic=True)
    assert arrow(d, "x", "×") == ("x", "∂L/∂y · y^2 · exp(-x)")
    d, _ = drawing("sigmoid-simple", symbolic=True)
    assert arrow(d, "x", "σ") == ("x", "∂L/∂y · y(1 - y)")


def test_affine_gradients_have_the_shapes_of_their_inputs():
    d, _ = drawing("affine")
    assert d.kinds("b") == ["dot"]  # the reshapes of a vector times a matrix, drawn as the book's dot node
    assert arrow(d, "X", "dot") == ("(2,) float64\n[1, 2]", "(2,) float64\n[14, 32]")  # ∂L/∂Y·Wᵀ
    assert arrow(d, "W", "dot")[1] == "(2, 3) float64\n[[1, 2, 3],\n [2, 4, 6]]"  # Xᵀ·∂L/∂Y
    assert arrow(d, "+", "Y") == ("(3,) float64\n[10, 14, 18]", "(3,) float64\n[1, 2, 3]")
    d, _ = drawing("affine", symbolic=True)
    assert arrow(d, "X", "dot") == ("X (2,)", "∂L/∂X = ∂L/∂Y · Wᵀ\n(2,) = (3,) · (3, 2)")
    assert arrow(d, "W", "dot") == ("W (2, 3)", "∂L/∂W = Xᵀ · ∂L/∂Y\n(2, 3) = (2, 1) · (1, 3)")


def test_affine_batch_sums_the_bias_gradient_over_the_batch_the_books_numbers():
    d, _ = drawing("affine-batch")
    assert arrow(d, "dot", "+")[0] == "(2, 3) float64\n[[0, 0, 0],\n [10, 10, 10]]"
    assert arrow(d, "+", "Y") == ("(2, 3) float64\n[[1, 2, 3],\n [11, 12, 13]]",
                                  "(2, 3) float64\n[[1, 2, 3],\n [4, 5, 6]]")
    assert arrow(d, "B", "+")[1] == "(3,) float64\n[5, 7, 9]"  # dB = np.sum(dY, axis=0)
    d, _ = drawing("affine-batch", symbolic=True, lang="en")
    assert arrow(d, "B", "+") == ("B (3,)", "∂L/∂B (3,) =\n∂L/∂Y summed over the batch (N)")
    assert arrow(d, "W", "dot")[1] == "∂L/∂W = Xᵀ · ∂L/∂Y\n(2, 3) = (2, N) · (N, 3)"


def test_softmax_with_loss_simplified_is_the_collapsed_figure():
    d, _ = drawing("softmax-with-loss-simple")
    assert d.kinds("b") == ["Cross Entropy Error", "Softmax"]
    assert [a.gradient for a in d.arrows if a.target == "Softmax"] == ["0.01821", "0.2452", "-0.2634"]  # y - t


@pytest.mark.parametrize("name", book.FIGURES)
@pytest.mark.parametrize("lang", book.LANGUAGES)
def test_every_figure_draws_numeric_and_symbolic_with_a_title(name, lang):
    figure = book.figure(name, lang=lang)
    assert figure.title and viz.backward_has_run(figure.root)
    read(viz.to_dot(figure.root, **figure.options()))
    if name in book.SYMBOLIC:
        symbolic = book.figure(name, lang=lang, symbolic=True)
        assert symbolic.edge_labels
        read(viz.to_dot(symbolic.root, **symbolic.options()))
    else:
        with pytest.raises(ValueError, match="symbolic labels exist for: chain-rule"):
            book.figure(name, lang=lang, symbolic=True)


def test_titles_follow_the_language():
    assert book.figure("relu", lang="ko").title.startswith("ReLU 계층")
    assert book.figure("relu", lang="en").title.startswith("The ReLU layer")
