"""What a drawing shows: collapsed boxes, nested boxes, highlighted paths, named nodes.

The DOT text is read back into vertices, arrows and boxes by `read`, which
the summary and replay tests use too.
"""

import inspect
import re

import numpy as np
import pytest
from dot_reading import read

from scratchgrad import viz
from scratchgrad.autograd import Tensor, Value
from scratchgrad.viz import book
from scratchgrad.viz import format as fmt
from scratchgrad.viz.dot import DotOptions, to_dot
from scratchgrad.viz.view import ViewOptions, build


def members(box):
    """The ids of the vertices and arrows written in a box line (in it or in a box inside it)."""
    return re.findall(r"(?<=[{;] )\w+(?=;| \})", box)


# -- collapsed boxes ------------------------------------------------------------------


def test_collapsed_softmax_with_loss_is_figure_5_30():
    figure = book.softmax_with_loss()
    drawing = read(viz.to_dot(figure.root, collapse=["Softmax", "Cross Entropy Error"], **figure.options()))
    assert drawing.kinds("b") == ["Cross Entropy Error", "Softmax"]
    assert drawing.kinds("n") == ["a₁", "a₂", "a₃", "t₁", "t₂", "t₃"]  # no op is left, the -1 went into the box
    assert drawing.boxes == []
    into_softmax = [(a.source, a.forward, a.gradient) for a in drawing.arrows if a.target == "Softmax"]
    assert into_softmax == [("a₁", "0.3", "0.01821"), ("a₂", "2.9", "0.2452"), ("a₃", "4", "-0.2634")]  # y - t
    y = drawing.arrows_between("Softmax", "Cross Entropy Error")
    assert [(a.forward, a.gradient) for a in y] == [("0.01821", "0"), ("0.2452", "0"), ("0.7366", "-1.358")]
    t = sorted((a.source, a.forward, a.gradient) for a in drawing.arrows if a.source.startswith("t"))
    assert t == [("t₁", "0", None), ("t₂", "0", None), ("t₃", "1", None)]
    assert [(a.source, a.forward, a.gradient) for a in drawing.arrows if a.target == "L"] == [
        ("Cross Entropy Error", "0.3057", "1")]
    assert len(drawing.arrows) == 10


def test_collapsed_symbolic_figure_keeps_the_algebra_on_the_boundary():
    figure = book.softmax_with_loss(symbolic=True)
    drawing = read(viz.to_dot(figure.root, collapse=["Softmax", "Cross Entropy Error"], **figure.options()))
    assert [(a.forward, a.gradient) for a in drawing.arrows if a.target == "Softmax"] == [
        ("a₁", "y₁ - t₁"), ("a₂", "y₂ - t₂"), ("a₃", "y₃ - t₃")]
    assert [(a.forward, a.gradient) for a in drawing.arrows_between("Softmax", "Cross Entropy Error")] == [
        ("y₁", "-t₁/y₁"), ("y₂", "-t₂/y₂"), ("y₃", "-t₃/y₃")]


def test_collapsing_one_box_leaves_the_other_open():
    figure = book.softmax_with_loss()
    dot = viz.to_dot(figure.root, collapse=["Softmax"], **figure.options())
    drawing = read(dot)
    assert drawing.kinds("b") == ["Softmax"]
    assert len(drawing.boxes) == 1 and drawing.boxes[0].startswith("subgraph cluster0 { label=<Cross Entropy Error>;")
    assert sorted(a.gradient for a in drawing.arrows_between("Softmax", "log")) == ["-1.358", "0", "0"]


def test_collapse_names_must_be_boxes():
    figure = book.apple_tax()
    with pytest.raises(ValueError, match=r"collapse: no box is called 'Softmax' \(the boxes are: none\)"):
        viz.to_dot(figure.root, collapse=["Softmax"])


def test_arrows_into_a_collapsed_box_from_one_node_merge_and_add_their_gradients():
    x = Value(3.0, name="x")
    with viz.scope("Square plus x", x) as box:
        y = box.output(x * x + x)
    y.backward()
    drawing = read(viz.to_dot(y, collapse=["Square plus x"]))
    assert [(a.source, a.forward, a.gradient) for a in drawing.arrows_between("x", "Square plus x")] == [
        ("x", "3", "7")]  # 3 + 3 + 1, one arrow: the box as one op


# -- nested boxes, scopes with clusters ---------------------------------------------------------


def _two_layer_net():
    x = Value(0.5, name="x")
    w1, w2 = Value(2.0, name="w1"), Value(-1.0, name="w2")
    with viz.scope("Net", x) as net:
        with viz.scope("Layer 1", x) as layer:
            h = layer.output((x * w1).tanh())
        with viz.scope("Layer 2", h) as layer:
            y = layer.output(h * w2 + 1)
        y = net.output(y)
    y.name = "y"
    y.backward()
    return y


def test_nested_scopes_are_nested_boxes():
    dot = viz.to_dot(_two_layer_net())
    [net] = read(dot).boxes
    assert re.fullmatch(
        r"subgraph cluster2 \{ label=<Net>; [^{}]*"
        r"subgraph cluster0 \{ label=<Layer 1>; style=rounded; color=gray50; [^{}]* \}; "
        r"subgraph cluster1 \{ label=<Layer 2>; style=rounded; color=gray50; [^{}]* \} \}",
        net,
    ), net


def test_collapsing_an_inner_box_keeps_it_inside_the_outer_one():
    drawing = read(viz.to_dot(_two_layer_net(), collapse=["Layer 1"]))
    layer = next(i for i, (t, _) in drawing.vertices.items() if t == "Layer 1")
    [net] = drawing.boxes
    assert layer in members(net)
    into_layer = drawing.arrows_between("w1", "Layer 1")
    assert [(a.source, a.gradient) for a in into_layer] == [("w1", "-0.21")]  # w2 (1 - tanh²(x w1)) x


def test_collapsing_the_outer_box_hides_the_inner_ones():
    drawing = read(viz.to_dot(_two_layer_net(), collapse=["Net"]))
    assert drawing.kinds("b") == ["Net"] and drawing.boxes == []
    assert drawing.kinds("n") == ["w1", "w2", "x"]  # the leaves that need gradients stay outside


def test_clusters_and_scopes_together_and_clusters_win():
    y = _two_layer_net()
    h = y.inputs[0].inputs[0]  # the tanh node, inside Layer 1
    dot = viz.to_dot(y, clusters={"Picked": [h]})
    boxes = read(dot).boxes
    assert boxes[0].startswith("subgraph cluster0 { label=<Picked>;")
    assert "label=<Layer 1>" in boxes[1] and "label=<Net>" in boxes[1]
    tanh_id = next(i for i, (t, _) in read(dot).vertices.items() if t == "tanh")
    assert tanh_id in members(boxes[0]) and tanh_id not in members(boxes[1])


# -- highlighted paths, names, fonts ----------------------------------------------------------------


def test_highlight_draws_every_path_from_the_output_to_a_node_bold():
    x, y, z = Value(2.0, name="x"), Value(3.0, name="y"), Value(4.0, name="z")
    out = x * y + x * z
    out.backward()
    drawing = read(viz.to_dot(out, highlight=[y]))
    bold = sorted((a.source, a.target) for a in drawing.arrows if a.highlighted)
    assert bold == [("+", ""), ("y", "×"), ("×", "+")]
    drawing = read(viz.to_dot(out, highlight=[x]))
    assert sum(a.highlighted for a in drawing.arrows) == 6  # its trunk, both branches, both products, the output
    with pytest.raises(ValueError, match=r"^highlight: "):  # the message names the option that was wrong
        viz.to_dot(out, keep=[x], highlight=[Value(1.0)])
    with pytest.raises(ValueError, match=r"^keep: "):
        viz.to_dot(out, keep=[Value(1.0)], highlight=[x])


def test_named_intermediate_nodes_show_their_names_on_their_arrow_not_in_the_circle():
    x = Value(2.0, name="x")
    h = x.exp()
    h.name = "h"
    out = h * 2
    out.name = "out"
    drawing = read(viz.to_dot(out))
    texts = {t: attributes for t, attributes in drawing.vertices.values()}
    assert texts["exp"].startswith(", shape=circle")  # the glyph alone: not squashed beside a name
    assert [a.forward for a in drawing.arrows if a.source == "exp"] == ["h = 7.389"]
    assert "×" in texts  # the output's name is at the end of its arrow, not in its circle
    assert drawing.vertices["out"][0] == "out"


def test_fontname_reaches_every_label():
    x = Value(2.0, name="x")
    dot = viz.to_dot(x.exp(), fontname="DejaVu Serif")
    assert dot.count('fontname="DejaVu Serif"') == 2  # graph (box titles, captions) and nodes


def test_tensor_layers_collapse_with_their_parameters_outside():
    x = Tensor(np.ones((4, 3)), name="x")
    W = Tensor(np.full((3, 2), 0.5), requires_grad=True, name="W")
    b = Tensor(np.zeros(2), requires_grad=True, name="b")
    out = viz.scoped("Affine", lambda v: v @ W + b, x).sum()
    out.backward()
    drawing = read(viz.to_dot(out, collapse=["Affine"]))
    assert drawing.kinds("b") == ["Affine"] and drawing.kinds("n") == ["W", "b", "x", "Σ"]
    into = {a.source: (a.forward.split("\n")[0], a.gradient and a.gradient.split("\n")[0])
            for a in drawing.arrows if a.target == "Affine"}
    assert into == {"x": ("(4, 3) float64", None), "W": ("(3, 2) float64", "(3, 2) float64"),
                    "b": ("(2,) float64", "(2,) float64")}


def test_a_collapsed_box_keeps_data_arrays_outside_and_hides_scalar_constants():
    W = Tensor(np.full((3, 2), 0.5), requires_grad=True, name="W")
    batch = np.ones((4, 3))  # lifted to a constant tensor inside the box
    out = viz.scoped("Layer", lambda v: (v @ W) * 2.0, batch).sum()
    out.backward()
    drawing = read(viz.to_dot(out, collapse=["Layer"]))
    assert drawing.kinds("n") == ["(4, 3) float64", "W", "Σ"]  # the 2.0 is gone into the box


def test_the_option_types_list_exactly_the_keyword_parameters():
    """`ViewOptions` and `DotOptions` type ``**options``: a parameter missing from them would be rejected there."""

    def keyword_only(function):
        return {p.name for p in inspect.signature(function).parameters.values() if p.kind is p.KEYWORD_ONLY}

    assert keyword_only(build) == set(ViewOptions.__annotations__)
    assert keyword_only(to_dot) | keyword_only(build) == set(DotOptions.__annotations__)


def test_a_step_outside_the_backward_pass_says_which_steps_exist():
    x = Value(2.0, name="x")
    y = x.exp()
    y.backward()
    with pytest.raises(ValueError, match=r"^step: the backward pass visits 1 nodes, so step is 0 to 0$"):
        viz.to_dot(y, step=1)
    with pytest.raises(ValueError, match=r"^step: the output is a leaf"):
        viz.to_dot(x, step=0)


# -- gradients add at a branch ------------------------------------------------------------------------


def test_a_node_used_twice_shows_each_share_and_the_total_on_its_trunk():
    x = Value(3.0, name="x")
    y = x * x
    y.backward()
    drawing = read(viz.to_dot(y))
    [fork] = [i for i, (_, attributes) in drawing.vertices.items() if "shape=point" in attributes]
    trunk = [a for a in drawing.arrows if a.ends == ("n0", fork)]
    assert [(a.forward, a.gradient) for a in trunk] == [("3", "6")]  # the total: x.grad
    branches = [(a.forward, a.gradient, a.target) for a in drawing.arrows if a.ends[0] == fork]
    assert branches == [("3", "3", "×"), ("3", "3", "×")]  # each use's share
    assert x.grad == 6


def test_an_interior_branch_and_a_leaf_branch_in_tensor_graphs_too():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True, name="x")
    h = x.exp()
    h.name = "h"
    out = (h * h + h).sum()
    out.backward()
    drawing = read(viz.to_dot(out))
    forks = [i for i, (_, attributes) in drawing.vertices.items() if "shape=point" in attributes]
    [trunk] = [a for a in drawing.arrows if a.target == "" and a.ends[1] in forks]
    assert trunk.forward.startswith("h = (2,) float64")  # the name beside the value, not in the circle
    assert trunk.gradient == fmt.data(h.grad) == fmt.data(2 * h.data + 1)
    shares = [a.gradient for a in drawing.arrows if a.ends[0] in forks]
    assert len(shares) == 3  # h twice into ×, once into +
    assert x.grad == pytest.approx((2 * h.data + 1) * h.data)


def test_trunks_take_edge_labels_and_no_gradients_means_no_fork():
    x = Value(3.0, name="x")
    y = x * x
    assert all("shape=point" not in a for _, a in read(viz.to_dot(y)).vertices.values())  # before backward
    y.backward()
    drawing = read(viz.to_dot(y, edge_labels={(x, None): ("x", "2x")}))
    assert [(a.forward, a.gradient) for a in drawing.arrows if a.source == "x"] == [("x", "2x")]
    with pytest.raises(ValueError, match="edge_labels"):
        viz.to_dot(y, edge_labels={(Value(1.0), None): ("a", "b")})


def test_collapse_none_collapses_nothing():
    figure = book.softmax_with_loss()
    assert viz.to_dot(figure.root, collapse=None) == viz.to_dot(figure.root)
    viz.draw(figure.root, collapse=None)
