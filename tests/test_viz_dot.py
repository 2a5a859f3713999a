"""viz.to_dot and viz.book: the structure and numbers of the DOT text.

The DOT is read back with a few regular expressions into (source label,
target label, forward text, gradient text) tuples, one per drawn connection.
"""

import os
import re
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from dot_reading import parse

from scratchgrad import viz
from scratchgrad.autograd import Tensor, Value, softmax_cross_entropy
from scratchgrad.viz import book
from scratchgrad.viz import format as fmt


def figure_dot(figure):
    return viz.to_dot(figure.root, **figure.options())


# -- generic graphs ---------------------------------------------------------------------


def test_operators_are_circles_leaves_and_output_aretext():
    x, y = Value(2.0, name="x"), Value(3.0, name="y")
    z = x * y + 1
    z.name = "z"
    dot = viz.to_dot(z)
    assert '\tn0 [label=<x>]\n' in dot
    assert re.search(r"\t\w+ \[label=<×>, shape=circle", dot)
    assert '\tout [label=<z>]\n' in dot
    assert "rankdir=LR" in dot
    ops, edges = parse(dot)
    assert ops == {"×": 1, "+": 1}
    assert ("1", "+", "1", None) in edges  # the unnamed constant shows its value, forward only


def test_forward_row_only_before_backward_then_gradients_below():
    x, y = Value(2.0, name="x"), Value(3.0, name="y")
    z = x * y
    assert not viz.backward_has_run(z)
    assert [e[3] for e in parse(viz.to_dot(z))[1]] == [None, None, None]
    z.backward()
    assert viz.backward_has_run(z)
    assert parse(viz.to_dot(z))[1] == [("x", "×", "2", "3"), ("y", "×", "3", "2"), ("×", "", "6", "1")]


def test_gradient_rows_can_be_forced_off_and_on():
    x = Value(2.0, name="x")
    z = x * x
    assert [e[3] for e in parse(viz.to_dot(z, gradients=True))[1]] == ["0", "0", "0", "0"]  # with x's trunk
    z.backward()
    assert [e[3] for e in parse(viz.to_dot(z, gradients=False))[1]] == [None, None, None]  # no branch point


def test_each_arrow_carries_its_own_share_of_the_gradient():
    x = Value(3.0, name="x")
    z = x * 2 + x.exp()
    z.backward()
    _, edges = parse(viz.to_dot(z))
    assert ("", "×", "3", "2") in edges  # from the branch point
    assert ("", "exp", "3", "20.09") in edges
    assert fmt.number(x.grad) == "22.09"  # the total, on the trunk alone
    assert [e for e in edges if e[3] == "22.09"] == [("x", "", "3", "22.09")]


def test_a_value_used_twice_by_one_op_gets_two_arrows():
    x = Value(3.0, name="x")
    z = x * x
    z.backward()
    assert parse(viz.to_dot(z))[1] == [
        ("", "×", "3", "3"), ("", "×", "3", "3"), ("×", "", "9", "1"), ("x", "", "3", "6")]  # two shares, one total


def test_leaf_output_and_unnamed_output():
    x = Value(3.0, name="x")
    assert parse(viz.to_dot(x))[1] == [("x", "", "3", None)]
    z = x.tanh()
    z.backward()
    assert parse(viz.to_dot(z))[1][-1] == ("tanh", "", "0.9951", "1")


def test_labels_are_escaped():
    x = Value(1.0, name='<a & "b"> \\G')
    dot = viz.to_dot(-x, fontname="Odd Font")
    assert "label=<&lt;a &amp; \"b\"&gt; \\\\G>" in dot  # a lone backslash would make \G the graph's name
    assert 'fontname="Odd Font"' in dot


def test_deep_graphs_are_walked_without_recursion():
    x = Value(1.0, name="x")
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y + 1
    y.backward()
    ops, edges = parse(viz.to_dot(y, max_nodes=None))
    assert ops == {"+": 3 * sys.getrecursionlimit()}
    assert edges[-1] == ("+", "", str(3 * sys.getrecursionlimit() + 1), "1")


def test_same_graph_gives_byte_identical_dot():
    first, second = book.softmax_with_loss(), book.softmax_with_loss()
    assert figure_dot(first) == figure_dot(second)


def test_dot_is_identical_in_a_fresh_interpreter():
    code = ("from scratchgrad import viz; from scratchgrad.viz import book; f = book.apple_orange(); "
            "print(viz.to_dot(f.root, **f.options()), end='')")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "123"})
    assert fresh.stdout.decode() == figure_dot(book.apple_orange())


def test_clusters_become_titled_boxes_holding_their_nodes_and_inner_arrows():
    a, b = Value(1.0, name="a"), Value(2.0, name="b")
    s = a * b
    t = s.exp()
    dot = viz.to_dot(t, clusters={"Inner": [s, t]})
    box = re.search(r"\tsubgraph cluster0 \{ label=<Inner>; (.*) \}", dot)
    assert box is not None
    members = box[1].split("; ")
    assert {"n2", "n3"} <= set(members)  # s and t
    assert "c2" in members  # the arrow s -> exp runs inside the box
    assert "c0" not in members and "c3" not in members  # a -> s enters it, t -> output leaves it


def test_cluster_mistakes_are_reported():
    a = Value(1.0, name="a")
    out = a.exp()
    with pytest.raises(ValueError, match="not in the graph"):
        viz.to_dot(out, clusters={"Box": [Value(5.0)]})
    with pytest.raises(ValueError, match=r"clusters\['Two'\]: .* is already in the box 'One'"):
        viz.to_dot(out, clusters={"One": [out], "Two": [out]})


def test_edge_and_node_labels_replace_texts_not_structure():
    x = Value(2.0, name="x")
    c = Value(3.0, requires_grad=False)
    y = x * c
    y.backward()
    dot = viz.to_dot(y, edge_labels={(x, y): ("x", None), (c, y): ("c", "ignored"), (y, None): ("y", "1")},
                     node_labels={y: "mul", c: "c"})
    ops, edges = parse(dot)
    assert ops == {"mul": 1}
    assert edges == [("x", "mul", "x", "3"), ("c", "mul", "c", None), ("mul", "", "y", "1")]


def test_label_keys_must_exist_in_the_graph():
    x = Value(2.0, name="x")
    y = x.exp()
    with pytest.raises(ValueError, match="edge_labels"):
        viz.to_dot(y, edge_labels={(y, x): ("no", "no")})
    with pytest.raises(ValueError, match="node_labels"):
        viz.to_dot(y, node_labels={Value(1.0): "no"})


def test_tensor_nodes_show_shape_dtype_and_small_values():
    x = Tensor(np.array([[1.0, 2.0]]), name="x")
    W = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="W")
    big = Tensor(np.zeros((10, 10)), requires_grad=True, name="big")
    y = (x @ W).sum() + big.sum()
    assert parse(viz.to_dot(y))[1][1] == ("W", "@", "(2, 3) float64\n[[0, 1, 2],\n [3, 4, 5]]", None)
    y.backward()
    ops, edges = parse(viz.to_dot(y))
    assert ops == {"@": 1, "Σ": 2, "+": 1}
    assert edges[0] == ("x", "@", "(1, 2) float64\n[[1, 2]]", None)  # no gradient: x does not require one
    assert edges[1][3] == "(2, 3) float64\n[[1, 1, 1],\n [2, 2, 2]]"
    assert ("big", "Σ", "(10, 10) float64", "(10, 10) float64") in edges
    assert edges[-1] == ("+", "", "() float64\n27", "() float64\n1")


def test_long_glyphs_get_an_ellipse():
    logits = Tensor([[1.0, 2.0, 0.5]], requires_grad=True, name="a")
    dot = viz.to_dot(softmax_cross_entropy(logits, np.array([1])))
    assert re.search(r"label=<Softmax-with-Loss>, shape=ellipse", dot)


# -- the book's figures ---------------------------------------------------------------------


def test_apple_tax_figure_5_14():
    ops, edges = parse(figure_dot(book.apple_tax()))
    assert ops == {"×": 2}
    assert edges == [
        ("사과", "×", "100", "2.2"),
        ("사과의 개수", "×", "2", "110"),
        ("×", "×", "200", "1.1"),
        ("소비세", "×", "1.1", "200"),
        ("×", "지불 금액", "220", "1"),
    ]


def test_apple_orange_figure_5_17():
    ops, edges = parse(figure_dot(book.apple_orange()))
    assert ops == {"×": 3, "+": 1}
    assert sorted(edges) == sorted([
        ("사과", "×", "100", "2.2"),
        ("사과의 개수", "×", "2", "110"),
        ("귤", "×", "150", "3.3"),
        ("귤의 개수", "×", "3", "165"),
        ("×", "+", "200", "1.1"),
        ("×", "+", "450", "1.1"),
        ("+", "×", "650", "1.1"),
        ("소비세", "×", "1.1", "650"),
        ("×", "지불 금액", "715", "1"),
    ])


def test_apple_figures_in_english():
    _, edges = parse(figure_dot(book.apple_orange(lang="en")))
    names = {e[0] for e in edges} | {e[1] for e in edges}
    assert {"apple", "apple count", "orange", "orange count", "tax", "total price"} <= names
    assert "사과" not in names


def test_softmax_with_loss_figure_5_29():
    figure = book.softmax_with_loss()
    dot = figure_dot(figure)
    ops, edges = parse(dot)
    assert ops == {"exp": 3, "+": 2, "/": 1, "×": 7, "log": 3}
    assert len(edges) == 32  # 28 connections, and the trunks of exp(a₁), exp(a₂), exp(a₃) and 1/S
    assert sum(e[3] is not None for e in edges) == 28
    assert sorted(e[2] for e in edges) == sorted([
        "0.3", "2.9", "4",  # a
        "1.35", "18.17", "54.6", "1.35", "18.17", "54.6",  # exp(a), to + and to ×
        "74.12", "0.01349", "0.01349", "0.01349",  # S, 1/S
        "0.01821", "0.2452", "0.7366",  # y
        "0", "0", "1",  # t
        "-4.006", "-1.406", "-0.3057",  # log y
        "0", "0", "-0.3057", "-0.3057", "-1", "0.3057",  # t log y, their sum, -1, L
        "1.35", "18.17", "54.6", "0.01349",  # the trunks of exp(a) and 1/S
    ])
    assert sorted(e[3] for e in edges if e[3] is not None) == sorted([
        "0.01821", "0.2452", "-0.2634",  # y - t at a
        "0.01349", "0.01349", "0.01349", "0", "0", "-0.01832",  # exp -> +, exp -> ×
        "0.01349", "0", "0", "-74.12",  # + -> /, / -> ×
        "0", "0", "-1.358", "0", "0", "-1",  # × -> log, log -> ×
        "-1", "-1", "-1", "-1", "1",  # × -> +, + -> ×, L
        "0.01349", "0.01349", "-0.004824", "-74.12",  # the trunks: each node's total, the sum of its shares
    ])
    assert [e for e in edges if e[0] == "a₃"] == [("a₃", "exp", "4", "-0.2634")]
    assert figure.root.data == pytest.approx(0.3057, abs=1e-4)
    assert "subgraph cluster0 { label=<Softmax>;" in dot
    assert "subgraph cluster1 { label=<Cross Entropy Error>;" in dot


def test_softmax_with_loss_symbolic_labels():
    dot = figure_dot(book.softmax_with_loss(symbolic=True))
    _, edges = parse(dot)
    expected = [("L", "1"), ("-L", "-1"), ("-1", None), ("S", "1/S")]
    for k in "₁₂₃":
        t, y, e = f"t{k}", f"y{k}", f"exp(a{k})"
        expected += [
            (f"a{k}", f"{y} - {t}"), (e, "1/S"), (e, f"-{t}/{e}"), ("1/S", f"-{t}S"), (y, f"-{t}/{y}"),
            (t, None), (f"log {y}", f"-{t}"), (f"{t} log {y}", "-1"), (e, f"1/S - {t}/{e}"),
        ]
    expected.append(("1/S", "-S(t₁ + t₂ + t₃)"))
    assert Counter(e[2:] for e in edges) == Counter(expected)
    assert ("", "+", "exp(a₁)", "1/S") in edges and ("", "×", "exp(a₁)", "-t₁/exp(a₁)") in edges  # from the fork
    assert ("exp", "", "exp(a₁)", "1/S - t₁/exp(a₁)") in edges  # the trunk: both shares added
    # subscripts are typeset, and the space after one survives SVG (a no-break space)
    sub1 = '<FONT POINT-SIZE="10"><SUB>1</SUB></FONT>'
    assert f"<TD>t{sub1}&#160;log y{sub1}</TD>" in dot


def test_figure_lookup_and_mistakes():
    assert book.figure("apple-tax", lang="en").root.name == "total price"
    with pytest.raises(ValueError, match="unknown figure"):
        book.figure("pear")
    with pytest.raises(ValueError, match="numbers only; symbolic labels exist for"):
        book.figure("apple-tax", symbolic=True)
    with pytest.raises(ValueError, match="unknown language"):
        book.figure("apple-orange", lang="fr")
