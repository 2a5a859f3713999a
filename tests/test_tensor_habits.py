"""A Tensor hands its data to NumPy, matplotlib and Python the way a PyTorch tensor does."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, broadcastable_shapes

from scratchgrad import viz
from scratchgrad.autograd import ShapeError, Tensor, Value, grad, no_grad, toposort
from scratchgrad.nn import optim

matplotlib.use("Agg")  # before pyplot is imported: no display needed
import matplotlib.pyplot as plt


@pytest.fixture
def m() -> Tensor:
    return Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)


# -- NumPy and matplotlib ------------------------------------------------------------------------
def test_asarray_shares_the_data_and_follows_numpy2_copy_rules(m: Tensor) -> None:
    assert np.asarray(m) is m.data  # no copy, as torch's .numpy()
    copied = np.array(m)  # np.array copies by default
    assert copied is not m.data and np.shares_memory(copied, m.data) is False
    np.testing.assert_array_equal(copied, m.data)
    assert np.asarray(m, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="copy"):
        np.asarray(m, dtype=np.float32, copy=False)  # NumPy 2: a cast cannot avoid a copy
    assert np.asarray(m, copy=False) is m.data


def test_numpy_functions_and_lists_of_tensors(m: Tensor) -> None:
    np.testing.assert_array_equal(np.concatenate([m, m]), np.concatenate([m.data, m.data]))
    np.testing.assert_array_equal(np.array([m[0], m[1]]), m.data)


@pytest.mark.parametrize("shape", [(5,), (4, 3)])
def test_plt_plot_draws_the_tensors_numbers(shape: tuple[int, ...]) -> None:
    y = Tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    x = Tensor(np.arange(shape[0]) * 0.5)
    figure, axes = plt.subplots()
    try:
        lines = axes.plot(x, y)
        columns = y.data.reshape(shape[0], -1)
        assert len(lines) == columns.shape[1]
        for k, line in enumerate(lines):
            np.testing.assert_array_equal(line.get_xdata(), x.data)
            np.testing.assert_array_equal(line.get_ydata(), columns[:, k])
        (only_y,) = axes.plot(y[:, 0] if len(shape) == 2 else y)
        np.testing.assert_array_equal(only_y.get_ydata(), columns[:, 0])
    finally:
        plt.close(figure)


# -- Python's protocols --------------------------------------------------------------------------
def test_iteration_gives_rows_as_tensors_in_the_graph(m: Tensor) -> None:
    rows = list(m)
    assert len(rows) == 2 and all(isinstance(r, Tensor) for r in rows)
    np.testing.assert_array_equal(rows[1].data, [3.0, 4.0, 5.0])
    (rows[0] * 2 + rows[1] * 3).sum().backward()
    np.testing.assert_array_equal(m.grad, [[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])
    assert [float(v) for v in rows[0]] == [0.0, 1.0, 2.0]


def test_a_0d_tensor_is_not_iterable_and_has_no_len() -> None:
    scalar = Tensor(3.0)
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(scalar)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(scalar)


def test_float_int_and_bool_of_one_element() -> None:
    one = Tensor([[2.75]], requires_grad=True)
    assert float(one) == 2.75 and type(float(one)) is float
    assert int(one) == 2 and type(int(one)) is int
    assert int(Tensor(-2.75)) == -2  # truncated towards zero, as int(-2.75)
    assert bool(Tensor(0.5)) is True and bool(Tensor([0.0])) is False
    assert one.item() == 2.75


@pytest.mark.parametrize("convert", [float, int, bool, Tensor.item], ids=["float", "int", "bool", "item"])
def test_scalar_conversions_of_many_elements_say_what_to_do(m: Tensor, convert) -> None:
    with pytest.raises((TypeError, ValueError), match=r"6 elements \(shape \(2, 3\)\)"):
        convert(m)
    with pytest.raises((TypeError, ValueError), match=r"0 elements"):
        convert(Tensor(np.zeros((0, 3))))


def test_tolist(m: Tensor) -> None:
    assert m.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert Tensor(1.5).tolist() == 1.5


@pytest.mark.parametrize("which", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_argmax_argmin_are_integer_arrays_without_a_graph(which: str, axis: int | None) -> None:
    data = np.array([[1.0, 7.0, 7.0], [-3.0, -3.0, 2.0]])  # ties: the first one wins, as in NumPy
    x = Tensor(data, requires_grad=True)
    got = getattr(x, which)(axis)
    expected = getattr(data, which)(axis)
    assert isinstance(got, np.ndarray) and got.dtype.kind == "i"
    np.testing.assert_array_equal(got, expected)
    kept = getattr(x, which)(axis, keepdims=True)
    np.testing.assert_array_equal(kept, getattr(data, which)(axis, keepdims=True))


def test_argmax_gives_the_accuracy_idiom() -> None:
    logits = Tensor(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]))
    labels = np.array([1, 0, 0])
    assert (logits.argmax(1) == labels).mean() == pytest.approx(2 / 3)


@pytest.mark.parametrize("key", [5, -4, (0, 3), (slice(None), 9), (0, 0, 0), np.array([0, 4])])
def test_indexing_out_of_range_raises_index_error(key) -> None:
    x = Tensor(np.zeros((3, 3)))
    with pytest.raises(IndexError, match=r"tensor of shape \(3, 3\)"):
        x[key]


# -- comparisons ---------------------------------------------------------------------------------
COMPARISONS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(COMPARISONS)),
    array_shapes(min_dims=0, max_dims=3, max_side=3).flatmap(
        lambda s: st.tuples(st.just(s), broadcastable_shapes(s, min_dims=0, max_dims=3, max_side=3))
    ),
    st.sampled_from(["tensor", "array", "number", "list"]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_comparisons_are_numpys_elementwise_booleans(symbol, shapes, kind, tensor_on_the_left, seed) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(-2, 3, shapes[0]).astype(np.float32)  # small integers: plenty of ties
    b = rng.integers(-2, 3, shapes[1]).astype(np.float32)
    other = {"tensor": Tensor(b), "array": b, "number": float(b.flat[0]), "list": b.tolist()}[kind]
    expected_b = b.flat[0] if kind == "number" else b
    compare = COMPARISONS[symbol]
    if tensor_on_the_left:
        got, expected = compare(Tensor(a, requires_grad=True), other), compare(a, expected_b)
    else:
        got, expected = compare(other, Tensor(a, requires_grad=True)), compare(expected_b, a)
    if kind == "list" and not tensor_on_the_left:  # list <op> Tensor: Python asks the tensor, reflected
        expected = compare(np.asarray(other, dtype=np.float32), a)
    assert isinstance(got, np.ndarray) and got.dtype == np.bool_
    np.testing.assert_array_equal(got, expected)


def test_accuracy_with_tensors_on_both_sides_is_not_silently_zero() -> None:
    labels = Tensor([1.0, 0.0, 2.0, 2.0])
    predicted = Tensor([1.0, 0.0, 2.0, 1.0])
    assert np.mean(labels == predicted) == 0.75
    assert np.mean(labels.data == predicted) == 0.75  # ndarray on the left hands over to the tensor
    assert (labels != predicted).tolist() == [False, False, False, True]


def test_comparisons_record_no_graph_and_mixed_float_dtypes_compare_exactly() -> None:
    x = Tensor(np.array([0.1, 0.5], dtype=np.float64), requires_grad=True)
    y = Tensor(np.array([0.1, 0.5], dtype=np.float32))
    np.testing.assert_array_equal(x == y, [False, True])  # 0.1 in float32 is not 0.1 in float64
    np.testing.assert_array_equal(y == 0.1, [True, False])  # a Python number takes the tensor's dtype, as NumPy 2


def test_comparisons_that_cannot_broadcast_name_the_shapes() -> None:
    with pytest.raises(ShapeError, match=r"<: cannot broadcast shapes \(2, 3\) and \(4,\)"):
        _ = Tensor(np.ones((2, 3))) < np.ones(4)
    with pytest.raises(ShapeError, match=r"==: cannot broadcast shapes \(2, 3\) and \(2,\)"):
        _ = Tensor(np.ones((2, 3))) == Tensor(np.ones(2))


def test_comparisons_with_other_things() -> None:
    x = Tensor([1.0, 2.0])
    assert (x == None) is False and (x != "text") is True  # noqa: E711  (identity, as for any object)
    with pytest.raises(TypeError, match="'<' not supported"):
        _ = x < "text"
    with pytest.raises(TypeError, match="cannot compare a Tensor with a Value"):
        _ = x == Value(1.0)


def test_in_looks_for_an_element() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert 3.0 in x and 5.0 not in x


def test_tensors_stay_hashable_by_identity_and_containers_find_the_very_node() -> None:
    twins = [Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)]  # equal data, two nodes
    assert len({*twins}) == 2 and len(dict.fromkeys(twins)) == 2
    assert hash(twins[0]) != hash(twins[1])
    with no_grad():
        y = twins[0] * 1.0
    assert y not in {*twins}


def test_an_optimizer_takes_two_parameters_with_equal_values() -> None:
    """A duplicate check by ``==`` or ``in`` on a list would see these two as one (or fail on the array)."""
    twins = [Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)]
    bigger = [Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)]
    for params in (twins, bigger):
        opt = optim.SGD(params, lr=0.5)
        for p in params:
            p.grad = np.ones_like(p.data)
        opt.step()
        assert all(np.all(p.data == 0.5) for p in params)


# -- requires_grad_ and backward(retain_graph=...) --------------------------------------------------
def test_requires_grad_switches_a_leaf_and_returns_it() -> None:
    w = Tensor(np.array([1.0, 2.0]))
    assert w.requires_grad_() is w and w.requires_grad
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    assert w.requires_grad_(False) is w and not w.requires_grad
    assert (w * w).op is None  # no graph any more


def test_requires_grad_of_a_computed_tensor_can_only_stay_on() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    y = w * 2
    assert y.requires_grad_(True) is y  # already true: nothing to change, as in PyTorch
    with pytest.raises(RuntimeError, match=r"only of leaf tensors.*\.detach\(\)"):
        y.requires_grad_(False)
    with pytest.raises(TypeError, match="requires_grad_: the flag must be a bool, got 'yes'"):
        w.requires_grad_("yes")


@pytest.mark.parametrize("retain_graph", [None, True, False])
def test_backward_accepts_retain_graph_and_keeps_the_graph_anyway(retain_graph) -> None:
    w = Tensor(np.array([3.0]), requires_grad=True)
    y = (w * w).sum()
    y.backward(retain_graph=retain_graph)
    y.backward(None, retain_graph)  # the second pass works whatever was asked: the graph is never freed
    np.testing.assert_array_equal(w.grad, [12.0])
    v = Value(2.0)
    (v * v).backward(retain_graph=retain_graph)
    assert v.grad == 4.0


def test_format_specs_of_one_element_as_for_its_number() -> None:
    loss = Tensor(0.123456, requires_grad=True) * 2
    assert f"{loss:.3f}" == "0.247" and f"{Tensor([[7.0]]):>5.1f}" == "  7.0"
    assert f"{Tensor([1.0, 2.0])}" == str(Tensor([1.0, 2.0]))  # no spec: the repr, as for any object
    with pytest.raises(TypeError, match=r"format spec '\.3f' needs a tensor of one element, this one has 2 elements"):
        f"{Tensor([1.0, 2.0]):.3f}"


@pytest.mark.parametrize(
    ("name", "instead"),
    [("view", ".reshape("), ("dim", ".ndim"), ("numel", ".size"), ("unsqueeze", "x[:, None]"),
     ("permute", ".transpose("), ("float", ".astype(np.float32)"), ("double", ".astype(np.float64)"),
     ("cpu", ".numpy()"), ("cuda", "CPU")],
)
def test_pytorch_only_methods_say_what_to_write_instead(name: str, instead: str) -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(AttributeError, match=rf"'Tensor' object has no attribute '{name}'.*{re.escape(instead)}"):
        getattr(x, name)
    assert not hasattr(x, name)
    with pytest.raises(AttributeError, match=r"^'Tensor' object has no attribute 'no_such_thing'$"):
        x.no_such_thing  # noqa: B018


def test_graph_walks_and_drawings_tell_equal_valued_nodes_apart() -> None:
    """Nodes with the same one-element value: any `==` or `in` on a list of nodes would merge them."""
    a, b = Tensor([2.0], requires_grad=True, name="a"), Tensor([2.0], requires_grad=True, name="b")
    c, d = a * 1.0, b * 1.0  # four interior nodes, two by two equal in value
    out = (c * d + c + d).sum()
    da, db = grad(out, [a, b])
    np.testing.assert_array_equal(da, [3.0])
    np.testing.assert_array_equal(db, [3.0])
    out.backward()
    assert len(toposort(out)) == 6
    text = viz.to_dot(out, highlight=[a], keep=[b], clusters={"left": [c]})
    vertices = re.findall(r"^\tn\d+ \[label=<([^>]*)>", text, flags=re.MULTILINE)
    assert len(vertices) == 10 and vertices.count("a") == vertices.count("b") == 1  # 2 leaves, 2 constants, 6 ops
