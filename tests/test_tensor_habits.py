"""A Tensor hands its data to NumPy, matplotlib and Python the way a PyTorch tensor does."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from scratchgrad.autograd import Tensor

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
