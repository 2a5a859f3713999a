"""Every layer three ways, float64: autograd layer vs the book's manual layer vs central differences.

Each layer's output is reduced to a scalar ``L = Σ out · G`` with a fixed random
upstream gradient ``G``, so ``∂L/∂out = G`` is what the manual ``backward`` gets.
Autograd and manual must agree to rounding (≤ 1e-12 relative); both must agree
with the numerical gradient of the manual forward to gradient-check tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor, numerical_gradient, relative_error
from scratchgrad.nn import manual

EXACT = 1e-12  # autograd vs manual: the same arithmetic, up to rounding
GRADCHECK = 1e-6  # vs central differences with h = 1e-4 in float64


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(2024)


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random values with |x| ≥ 0.1, so a step of 1e-4 never crosses ReLU's kink."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.1, 0.5, x)


def check(autograd_grads: list, manual_grads: list, numeric_grads: list) -> None:
    for a, m, n in zip(autograd_grads, manual_grads, numeric_grads, strict=True):
        assert a.shape == m.shape == n.shape
        assert relative_error(a, m) <= EXACT
        assert relative_error(m, n) <= GRADCHECK


@pytest.mark.parametrize("x_shape", [(4, 6), (4, 2, 3), (6,)], ids=["rows", "images", "one-sample"])
def test_affine(rng: np.random.Generator, x_shape: tuple[int, ...]) -> None:
    layer = nn.Affine(6, 3, dtype=np.float64, rng=rng)
    layer.b.data[...] = rng.standard_normal(3)  # a nonzero bias, so it matters
    book = manual.Affine(layer.W.data, layer.b.data)  # the very same arrays
    x = rng.standard_normal(x_shape)
    out_shape = (3,) if len(x_shape) == 1 else (x_shape[0], 3)
    G = rng.standard_normal(out_shape)

    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    (out * G).sum().backward()

    book_out = book.forward(x)
    dx = book.backward(G)
    np.testing.assert_allclose(out.data, book_out, rtol=EXACT)
    f = lambda: float((book.forward(x) * G).sum())
    numeric = [numerical_gradient(f, a) for a in (x, layer.W.data, layer.b.data)]
    check([xt.grad, layer.W.grad, layer.b.grad], [dx, book.dW, book.db], numeric)


@pytest.mark.parametrize(("autograd_layer", "manual_layer"), [(nn.ReLU, manual.Relu), (nn.Sigmoid, manual.Sigmoid)])
def test_activation(rng: np.random.Generator, autograd_layer: type, manual_layer: type) -> None:
    x = away_from_zero(rng, (5, 4)) * 3
    G = rng.standard_normal(x.shape)
    xt = Tensor(x, requires_grad=True)
    out = autograd_layer()(xt)
    (out * G).sum().backward()
    book = manual_layer()
    np.testing.assert_allclose(out.data, book.forward(x), rtol=EXACT)
    dx = book.backward(G)
    numeric = numerical_gradient(lambda: float((book.forward(x) * G).sum()), x)
    check([xt.grad], [dx], [numeric])


def test_relu_at_zero_passes_no_gradient_in_both() -> None:
    x = np.array([-1.0, 0.0, 2.0])
    xt = Tensor(x, requires_grad=True)
    nn.ReLU()(xt).sum().backward()
    book = manual.Relu()
    book.forward(x)
    np.testing.assert_array_equal(xt.grad, [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(book.backward(np.ones(3)), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("layer", [manual.MulLayer, manual.AddLayer])
def test_mul_and_add(rng: np.random.Generator, layer: type) -> None:
    x, y, G = rng.standard_normal((3, 2, 3))
    xt, yt = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    out = xt * yt if layer is manual.MulLayer else xt + yt
    (out * G).sum().backward()
    book = layer()
    np.testing.assert_allclose(out.data, book.forward(x, y), rtol=EXACT)
    dx, dy = book.backward(G)
    f = lambda: float((book.forward(x, y) * G).sum())
    check([xt.grad, yt.grad], [dx, dy], [numerical_gradient(f, x), numerical_gradient(f, y)])


def targets(rng: np.random.Generator, kind: str, n: int, classes: int) -> np.ndarray:
    labels = rng.integers(0, classes, n)
    if kind == "indices":
        return labels
    if kind == "one-hot":
        return np.eye(classes)[labels]
    p = rng.random((n, classes))  # soft targets: rows of probabilities
    return p / p.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["indices", "one-hot", "soft"])
def test_softmax_with_loss(rng: np.random.Generator, kind: str) -> None:
    x = rng.standard_normal((5, 4)) * 2
    t = targets(rng, kind, 5, 4)
    xt = Tensor(x, requires_grad=True)
    loss = nn.SoftmaxWithLoss()(xt, t)
    loss.backward()
    book = manual.SoftmaxWithLoss()
    assert book.forward(x, t) == pytest.approx(loss.item(), rel=EXACT)
    dx = book.backward()
    numeric = numerical_gradient(lambda: book.forward(x, t), x)
    check([xt.grad], [dx], [numeric])


@pytest.mark.parametrize("t", [np.array([0.0, 0.0, 1.0, 0.0]), np.array(2)], ids=["one-hot", "index"])
def test_softmax_with_loss_single_sample(t: np.ndarray) -> None:
    """One sample (C,) is a batch of one: the gradient is y − t, not (y − t) / C as the book's code gives."""
    x = np.array([0.5, -1.0, 2.0, 0.0])
    y = np.exp(x) / np.exp(x).sum()
    onehot = np.array([0.0, 0.0, 1.0, 0.0])
    xt = Tensor(x, requires_grad=True)
    nn.SoftmaxWithLoss()(xt, t).backward()
    book = manual.SoftmaxWithLoss()
    assert book.forward(x, t) == pytest.approx(-np.log(y[2]), rel=EXACT)
    np.testing.assert_allclose(book.backward(), y - onehot, rtol=EXACT)
    np.testing.assert_allclose(xt.grad, y - onehot, rtol=EXACT)


def test_softmax_with_loss_integer_one_hot_target() -> None:
    """np.eye(C, dtype=int)[labels] is one-hot too, in both implementations."""
    x = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    labels = np.array([1, 2])
    by_index = nn.SoftmaxWithLoss()(Tensor(x), labels).item()
    assert nn.SoftmaxWithLoss()(Tensor(x), np.eye(3, dtype=int)[labels]).item() == pytest.approx(by_index)
    assert manual.SoftmaxWithLoss().forward(x, np.eye(3, dtype=int)[labels]) == pytest.approx(by_index)
