"""viz.scope and viz.scoped: which nodes a box holds, and that the engine does not notice."""

import gc
import re

import numpy as np
import pytest

from scratchgrad import viz
from scratchgrad.autograd import Tensor, Value, no_grad
from scratchgrad.viz.scopes import ScopedOp, ScopeRecord, scope_boxes
from scratchgrad.viz.view import post_order


def boxes_of(root):
    """{box title: sorted labels of the nodes in it}, from the drawing code's own resolution."""
    records, owner = scope_boxes(post_order(root))
    found = {record.title: [] for record in records}
    for node, record in owner.items():
        found[record.title].append(node.op.glyph if node.op else (node.name or str(node.data)))
    return {title: sorted(labels) for title, labels in found.items()}


def test_a_box_holds_what_the_block_computed_and_not_its_inputs():
    a = Value(2.0, name="a")
    with viz.scope("Square plus one", a) as box:
        y = box.output(a * a + 1)
    assert boxes_of(y * 3) == {"Square plus one": ["+", "1.0", "×"]}


def test_output_returns_its_arguments_and_scoped_returns_the_result():
    a = Value(2.0, name="a")
    with viz.scope("Pair", a) as box:
        first, second = box.output(a.exp(), a.tanh())
        same = box.output([first])
    assert same == [first]
    assert isinstance(first.op, ScopedOp) and isinstance(second.op, ScopedOp)
    result = viz.scoped("Sum", lambda u, v: (u + v, u * v), first, second)
    assert isinstance(result, tuple) and len(result) == 2
    assert boxes_of(result[0] + result[1]) == {"Pair": ["exp", "tanh"], "Sum": ["+", "×"]}


def test_the_engine_runs_scoped_ops_unchanged():
    def compute(x, boxed):
        if boxed:
            return viz.scoped("f", lambda v: (v * v).exp() / (v + 1), x)
        return (x * x).exp() / (x + 1)

    results = []
    for boxed in (False, True):
        x = Value(0.7, name="x")
        y = compute(x, boxed)
        y.backward()
        results.append((y.data, x.grad, y.op.name, y.op.glyph, y.op.vjps))
    assert results[0] == results[1]


def test_nested_scopes_and_earlier_siblings_are_not_swallowed():
    x = Value(1.0, name="x")
    with viz.scope("Model", x) as model:
        with viz.scope("First", x) as first:
            h = first.output(x * 2)
        with viz.scope("Second") as second:  # its input h is not declared
            y = second.output(h.exp())
        y = model.output(y + 1)
    records, owner = scope_boxes(post_order(y))
    assert [r.title for r in records] == ["First", "Second", "Model"]
    assert boxes_of(y) == {"First": ["2.0", "×"], "Second": ["exp"], "Model": ["+", "1.0"]}
    first, second, model = records
    assert first.parent is model and second.parent is model and model.parent is None
    assert x not in owner  # declared as the model's input


def test_a_forgotten_input_is_drawn_inside_which_is_right_for_parameters():
    W = Tensor(np.eye(2), requires_grad=True, name="W")
    x = Tensor(np.ones((1, 2)), name="x")
    y = viz.scoped("Layer", lambda v: v @ W, x)
    assert boxes_of(y.sum()) == {"Layer": ["@", "W"]}


def test_an_output_that_is_an_input_or_has_no_graph_is_not_marked():
    a = Value(1.0, name="a")
    with viz.scope("Identity", a) as box:
        same = box.output(a)
    assert same is a and a.op is None
    b = a * 2
    with viz.scope("Pass", b) as box:
        box.output(b)
    assert not isinstance(b.op, ScopedOp)
    with no_grad(), viz.scope("Constant", a) as box:
        c = box.output(a * 3)
    assert c.op is None


def test_mistakes_are_reported():
    a = Value(1.0)
    with pytest.raises(ValueError, match="given no outputs"), viz.scope("Empty", a):
        a * 2
    box = viz.scope("Late", a)
    with pytest.raises(RuntimeError, match="inside the with block"):
        box.output(a)
    with box:
        box.output(a * 2)
    with pytest.raises(RuntimeError, match="already in use"), box:
        pass
    with pytest.raises(ZeroDivisionError), viz.scope("Failing", a):  # the block's own error wins
        1 / 0  # noqa: B018


def test_scopes_keep_nothing_alive_after_the_graph_is_dropped():
    def records():
        return sum(isinstance(o, ScopeRecord) for o in gc.get_objects())

    gc.collect()
    gc.disable()  # what follows must be freed by reference counting alone: no registry, no cycles
    try:
        before = records()
        x = Value(1.0)
        for k in range(50):
            x = viz.scoped(f"step {k}", lambda v: v * 1.5 + 1, x)
        assert records() == before + 50
        del x
        assert records() == before
    finally:
        gc.enable()


def test_module_boxes_draw_each_layer_call_as_a_box_only_inside_the_block():
    from scratchgrad import nn

    net = nn.TwoLayerNet(6, 4, 3, rng=0)
    x, t = np.ones((2, 6), np.float32), np.array([0, 2])
    with viz.module_boxes():
        loss = net.last_layer(net(x), t)
    dot = viz.to_dot(loss, max_nodes=None)
    titles = re.findall(r"subgraph cluster\d+ \{ label=<([\w ]+)>", dot)
    assert sorted(titles) == ["Affine 0", "Affine 2", "ReLU 1", "SoftmaxWithLoss", "TwoLayerNet"]
    assert re.search(r"cluster\d+ \{ label=<TwoLayerNet>.*subgraph cluster\d+ \{ label=<Affine 0>", dot)
    assert "W1" in dot and "b2" in dot
    assert nn.Module.call_hook is None
    plain = viz.to_dot(net.last_layer(net(x), t), max_nodes=None)
    assert "subgraph cluster" not in plain


def test_an_mlp_draws_its_layers_by_position_and_names_its_parameters_by_path():
    from scratchgrad import nn

    net = nn.MLP([3, 4, 2], rng=0)
    assert [p.name for p in net.parameters()] == ["layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b"]
    with viz.module_boxes():
        out = net(np.ones((2, 3), np.float32)).sum()
    dot = viz.to_dot(out, max_nodes=None)
    assert sorted(re.findall(r"subgraph cluster\d+ \{ label=<([\w ]+)>", dot)) == [
        "Affine 0", "Affine 2", "MLP", "ReLU 1"]
    assert "label=<layers.2.W>" in dot
    assert nn.Affine(3, 4).title is None and nn.Affine(3, 4).W.name == "W"  # a layer on its own keeps its names
