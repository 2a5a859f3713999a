"""`Linear` with PyTorch's views beside the book's W and b, and inputs of another dtype than the layer."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor, no_grad
from scratchgrad.nn import functional as F  # noqa: N812  (PyTorch's spelling)


@pytest.fixture
def layer() -> nn.Linear:
    layer = nn.Linear(4, 3, dtype=np.float64, rng=0)
    layer.b.data[...] = [0.5, -1.0, 2.0]
    return layer


def test_weight_is_pytorchs_out_by_in_view_of_the_books_w(layer: nn.Linear) -> None:
    assert layer.W.shape == (4, 3) and layer.weight.shape == (3, 4)
    np.testing.assert_array_equal(layer.weight.data, layer.W.data.T)
    assert np.shares_memory(layer.weight.data, layer.W.data)
    assert layer.bias is layer.b
    layer.weight.data[0, 1] = 7.0  # the data is shared, as torch's layer.weight.data
    assert layer.W.data[1, 0] == 7.0
    assert [name for name, _ in layer.named_parameters()] == ["W", "b"]  # no second copy of the parameters


@pytest.mark.parametrize("x_shape", [(5, 4), (4,)], ids=["rows", "one-sample"])
def test_functional_linear_with_weight_and_bias_is_the_layer(layer: nn.Linear, x_shape) -> None:
    x = np.random.default_rng(1).standard_normal(x_shape)
    out = layer(x)
    (out * out).sum().backward()
    grads = layer.W.grad.copy(), layer.b.grad.copy()
    layer.zero_grad()
    same = F.linear(x, layer.weight, layer.bias)
    (same * same).sum().backward()
    np.testing.assert_array_equal(same.data, out.data)  # bit for bit: the same BLAS call on the same layout
    np.testing.assert_array_equal(layer.W.grad, grads[0])  # the gradient reaches the book's W
    np.testing.assert_array_equal(layer.b.grad, grads[1])


def test_weight_and_bias_cannot_be_rebound(layer: nn.Linear) -> None:
    with pytest.raises(AttributeError, match=r"weight is W\.T.*layer\.W\.data\[\.\.\.\] = weight\.T"):
        layer.weight = Tensor(np.zeros((3, 4)))
    with pytest.raises(AttributeError, match=r"bias is b.*layer\.b\.data\[\.\.\.\] = bias"):
        layer.bias = Tensor(np.zeros(3))


def test_weight_under_no_grad_is_a_constant(layer: nn.Linear) -> None:
    with no_grad():
        assert layer.weight.op is None and not layer.weight.requires_grad


@pytest.mark.parametrize(("layer_dtype", "input_dtype"), [(np.float32, np.float64), (np.float64, np.float32)])
def test_a_tensor_of_another_dtype_is_refused_naming_both_and_the_fix(layer_dtype, input_dtype) -> None:
    layer = nn.Linear(4, 3, dtype=layer_dtype)
    x = Tensor(np.ones((2, 4)), dtype=input_dtype)
    want, got = np.dtype(layer_dtype).name, np.dtype(input_dtype).name
    with pytest.raises(TypeError, match=rf"Affine\(4 → 3, dtype={want}\): the input is a {got} Tensor.*"
                       rf"x\.astype\(np\.{want}\)"):
        layer(x)
    assert layer(x.astype(layer_dtype)).dtype == layer_dtype


def test_the_error_names_the_layer_inside_a_model() -> None:
    model = nn.MLP([4, 5, 3], dtype=np.float32)
    with pytest.raises(TypeError, match=r"Affine\(4 → 5, dtype=float32\): the input is a float64 Tensor"):
        model(Tensor(np.ones((2, 4))))


@pytest.mark.parametrize("data", [np.ones((2, 4)), np.ones((2, 4), np.uint8), [[1.0] * 4] * 2])
def test_arrays_and_lists_are_data_cast_to_the_layers_dtype(data) -> None:
    layer = nn.Linear(4, 3, dtype=np.float32, rng=0)
    out = layer(data)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, np.ones((2, 4), np.float32) @ layer.W.data + layer.b.data)


def test_functional_linear_treats_dtypes_as_the_layer_does() -> None:
    layer = nn.Linear(4, 3, dtype=np.float32)
    with pytest.raises(TypeError, match=r"linear: the input is a float64 Tensor and the weights are float32; "
                       r"convert it with x\.astype\(np\.float32\)"):
        F.linear(Tensor(np.ones((2, 4))), layer.weight, layer.bias)
    out = F.linear(np.ones((2, 4)), layer.weight, layer.bias)  # an ndarray is data: it takes the weight's dtype
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, layer(np.ones((2, 4))).data)
