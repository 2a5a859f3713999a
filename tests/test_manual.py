"""The book's manual layers on their own: the book's worked example, and the book-code traps they avoid."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad.nn import manual


def test_apple_and_orange_example() -> None:
    """Fig. 5-17: 2 apples at 100 and 3 oranges at 150 with 10% tax cost 715."""
    mul_apple, mul_orange, add, mul_tax = manual.MulLayer(), manual.MulLayer(), manual.AddLayer(), manual.MulLayer()
    apple_price = mul_apple.forward(100, 2)
    orange_price = mul_orange.forward(150, 3)
    price = mul_tax.forward(add.forward(apple_price, orange_price), 1.1)
    assert price == pytest.approx(715)

    dall_price, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dall_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    assert (dapple, dapple_num, dorange, dorange_num, dtax) == pytest.approx((2.2, 110, 3.3, 165, 650))


def test_relu_backward_leaves_the_incoming_gradient_alone() -> None:
    """The book's ``dout[self.mask] = 0`` zeroed the caller's array."""
    relu = manual.Relu()
    x = np.array([[1.0, -2.0], [-0.5, 3.0]])
    out = relu.forward(x)
    dout = np.ones_like(x)
    dx = relu.backward(dout)
    np.testing.assert_array_equal(dout, np.ones_like(x))
    np.testing.assert_array_equal(dx, [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(out, [[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(x, [[1.0, -2.0], [-0.5, 3.0]])  # nor its input


def test_add_layer_gives_each_input_its_own_gradient_array() -> None:
    dx, dy = manual.AddLayer().backward(np.ones(3))
    assert not np.shares_memory(dx, dy)


def test_softmax_loss_is_exact_for_a_confident_wrong_answer() -> None:
    """log(y + 1e-7), the book's cross_entropy_error, caps this loss near 16.1; the true value is ≈ 50."""
    loss = manual.SoftmaxWithLoss().forward(np.array([[0.0, 50.0]]), np.array([[1.0, 0.0]]))
    assert loss == pytest.approx(50 + np.log1p(np.exp(-50)), rel=1e-15)


def test_softmax_loss_of_soft_targets_is_the_cross_entropy() -> None:
    """Soft targets keep their probabilities; the book's argmax would score them as one-hot."""
    x = np.array([[1.0, 2.0, 3.0]])
    t = np.array([[0.2, 0.3, 0.5]])
    log_y = x - np.log(np.exp(x).sum())
    layer = manual.SoftmaxWithLoss()
    assert layer.forward(x, t) == pytest.approx(-(t * log_y).sum(), rel=1e-14)
    np.testing.assert_allclose(layer.backward(), np.exp(log_y) - t, rtol=1e-14)


def test_softmax_loss_refuses_targets_that_fit_neither_form() -> None:
    with pytest.raises(ValueError, match="neither one-hot"):
        manual.SoftmaxWithLoss().forward(np.zeros((3, 4)), np.array([0, 1]))
    with pytest.raises(ValueError, match="neither one-hot"):
        manual.SoftmaxWithLoss().forward(np.zeros((3, 4)), np.zeros(3))  # float "indices"


def test_sigmoid_does_not_overflow() -> None:
    with np.errstate(all="raise"):
        out = manual.Sigmoid().forward(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])


def test_affine_flattens_images_and_returns_dx_in_their_shape() -> None:
    W, b = np.arange(12.0).reshape(6, 2), np.array([1.0, -1.0])
    layer = manual.Affine(W, b)
    x = np.arange(12.0).reshape(2, 3, 2)
    np.testing.assert_array_equal(layer.forward(x), x.reshape(2, 6) @ W + b)
    dx = layer.backward(np.ones((2, 2)))
    assert dx.shape == (2, 3, 2)
    np.testing.assert_array_equal(layer.dW, x.reshape(2, 6).T @ np.ones((2, 2)))
    np.testing.assert_array_equal(layer.db, [2.0, 2.0])


def test_affine_uses_the_nets_arrays_not_copies() -> None:
    W, b = np.eye(2), np.zeros(2)
    layer = manual.Affine(W, b)
    W *= 3
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 2.0]])), [[3.0, 6.0]])
