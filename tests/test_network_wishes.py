"""What one example wants (`viz.network.explain`): the engine's own gradients, checked three ways.

Against ``net.gradient`` (the engine's training path), against the book's hand-written layers
(`nn.manual`), and against central differences — float64, to 1e-12 where the arithmetic is the same.
"""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import numerical_gradient, relative_error
from scratchgrad.nn import manual
from scratchgrad.viz.network import explain, is_untrained, mlp_layers


def book_pair(hidden: int = 6, seed: int = 0) -> tuple[nn.TwoLayerNet, manual.TwoLayerNet]:
    """A 16-hidden-4 autograd net (inputs: a 4×4 image) and a manual net with the same non-trivial weights."""
    auto = nn.TwoLayerNet(16, hidden, 4, weight_init_std=0.5, dtype=np.float64, rng=seed)
    book = manual.TwoLayerNet(16, hidden, 4, dtype=np.float64, rng=seed)
    rng = np.random.default_rng(seed + 1)
    for name in auto.params:
        if name.startswith("b"):
            auto.params[name] = rng.standard_normal(auto.params[name].shape)
        book.params[name] = auto.params[name]
    return auto, book


def images(n: int, size: int = 16, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).random((n, size))


def manual_nudges(book: manual.TwoLayerNet, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """−∂L_i/∂a2, −∂L_i/∂h1 and −∂L_i/∂a1 by the book's layers, scaled from the mean loss to each example's own."""
    book.loss(x, t)
    n = x.shape[0]
    d_a2 = book.last_layer.backward()
    affine2, relu, _ = book.layers[2], book.layers[1], None
    d_h1 = affine2.backward(d_a2)
    d_a1 = relu.backward(d_h1)
    return -n * d_a2, -n * d_h1, -n * d_a1


def test_one_example_matches_net_gradient_and_the_manual_layers():
    auto, book = book_pair()
    x, t = images(1)[0], 3
    wishes = explain(auto, x, t)
    grads = auto.gradient(x[np.newaxis], np.array([t]))
    hidden, output = wishes.layers
    for name, ours in [("W1", hidden.weight_grad), ("b1", hidden.bias_grad),
                       ("W2", output.weight_grad), ("b2", output.bias_grad)]:
        assert relative_error(ours, grads[name]) <= 1e-12, name
    want_a2, want_h1, want_a1 = manual_nudges(book, x[np.newaxis], np.array([t]))
    assert relative_error(output.nudge, want_a2) <= 1e-12
    assert relative_error(hidden.nudge_out, want_h1) <= 1e-12
    assert relative_error(hidden.nudge, want_a1) <= 1e-12
    # the output layer's wish is t − y, and y is the softmax the net predicts
    y = book.last_layer.y
    np.testing.assert_allclose(output.out, y, rtol=1e-12)
    np.testing.assert_allclose(output.nudge, np.eye(4)[[t]] - y, rtol=1e-12, atol=1e-15)
    assert wishes.loss == pytest.approx(auto.loss(x[np.newaxis], np.array([t])), rel=1e-12)


def test_a_batch_gives_each_example_its_own_nudges():
    """Row i of a batch's nudges is what example i wants alone (rows do not interact), not 1/N of it."""
    auto, _ = book_pair()
    x, t = images(5), np.array([0, 3, 1, 3, 2])
    batch = explain(auto, x, t)
    for i in range(5):
        alone = explain(auto, x[i], int(t[i]))
        for layer_b, layer_1 in zip(batch.layers, alone.layers, strict=True):
            np.testing.assert_allclose(layer_b.nudge[i], layer_1.nudge[0], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(layer_b.nudge_out[i], layer_1.nudge_out[0], rtol=1e-12, atol=1e-15)
    grads = auto.gradient(x, t)
    assert relative_error(batch.layers[0].weight_grad, grads["W1"]) <= 1e-12


def test_an_mlp_with_sigmoid_and_two_hidden_layers_matches_central_differences():
    net = nn.MLP([9, 5, 4, 3], activation="sigmoid", dtype=np.float64, rng=1)
    rng = np.random.default_rng(4)
    for layer in net.layers[::2]:
        layer.b.data[:] = rng.standard_normal(layer.b.shape)
    x, t = rng.random(9), 2
    wishes = explain(net, x, t)

    def loss() -> float:
        return explain(net, x, t).loss

    assert len(wishes.layers) == 3
    for layer, affine in zip(wishes.layers, net.layers[::2], strict=True):
        # one example: ∂L/∂b = ∂L/∂a, so the bias's numerical gradient is minus the nudge
        assert relative_error(-layer.nudge[0], numerical_gradient(loss, affine.b.data)) <= 1e-8
        assert relative_error(layer.weight_grad, numerical_gradient(loss, affine.W.data)) <= 1e-8
    # through σ: −∂L/∂a = −∂L/∂h · σ'(a)
    hidden = wishes.layers[0]
    np.testing.assert_allclose(hidden.nudge, hidden.nudge_out * hidden.out * (1 - hidden.out), rtol=1e-12)


def test_relu_mask_at_exactly_zero_blocks_the_wish():
    """A pre-activation of exactly 0 passes nothing back (ReLU's derivative there is 0, as in the book's mask)."""
    auto, book = book_pair()
    auto.params["b1"] = np.zeros(6)
    book.params["b1"] = np.zeros(6)
    x = np.zeros(16)  # every hidden pre-activation is exactly 0
    wishes = explain(auto, x, 1)
    hidden = wishes.layers[0]
    assert np.all(hidden.pre == 0)
    assert np.any(hidden.nudge_out != 0)
    assert np.all(hidden.nudge == 0)
    _, _, want_a1 = manual_nudges(book, x[np.newaxis], np.array([1]))
    np.testing.assert_array_equal(hidden.nudge, want_a1)


def test_non_contiguous_images_give_the_same_numbers():
    auto, _ = book_pair()
    contiguous = images(3)
    strided = np.asfortranarray(np.repeat(contiguous, 2, axis=1))[:, ::2]  # a strided, Fortran-ordered view
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(strided, contiguous)
    t = np.array([1, 2, 3])
    a, b = explain(auto, contiguous, t), explain(auto, strided, t)
    for layer_a, layer_b in zip(a.layers, b.layers, strict=True):
        np.testing.assert_array_equal(layer_a.nudge, layer_b.nudge)
        np.testing.assert_array_equal(layer_a.weight_grad, layer_b.weight_grad)


def test_images_may_be_square():
    auto, _ = book_pair()
    flat = images(2)
    a = explain(auto, flat, np.array([0, 1]))
    b = explain(auto, flat.reshape(2, 4, 4), np.array([0, 1]))
    c = explain(auto, flat[0].reshape(4, 4), 0)
    np.testing.assert_array_equal(a.layers[0].nudge, b.layers[0].nudge)
    np.testing.assert_allclose(a.layers[0].nudge[:1], c.layers[0].nudge, rtol=1e-12)  # N=2 vs 1: rounding
    assert a.side == 4


def test_explaining_leaves_the_parameters_grad_alone():
    auto, _ = book_pair()
    explain(auto, images(1)[0], 0)
    assert all(p.grad is None for p in auto.parameters())


def test_untrained_means_never_updated():
    """A fresh net's biases are exactly zero; one SGD step moves them (and the title says "untrained")."""
    net = nn.TwoLayerNet(16, 6, 4, rng=0)
    assert is_untrained(net)
    x, t = images(8), np.arange(8) % 4
    optimizer = nn.optim.SGD(net.parameters(), lr=0.1)
    net.last_layer(net(x), t).backward()
    optimizer.step()
    assert not is_untrained(net)


# -- bad input: clear errors that name the problem ---------------------------------------------------------


class Dropout(nn.Module):
    def forward(self, x):
        return x


@pytest.mark.parametrize(
    ("net", "message"),
    [
        (manual.TwoLayerNet(16, 6, 4), r"nn\.manual\.TwoLayerNet.*computes its gradients by hand"),
        (nn.Affine(16, 4), r"not an MLP: Affine is one layer"),
        (nn.Sequential(nn.Affine(16, 6), Dropout(), nn.Affine(6, 4)), r"layer 1 is Dropout"),
        (nn.Sequential(nn.Affine(16, 6), nn.Affine(6, 4)), r"layer 1 is Affine, where an activation"),
        (nn.Sequential(nn.Affine(16, 6), nn.ReLU()), r"ends with ReLU; the last layer must be Affine"),
        (nn.Sequential(nn.ReLU(), nn.Affine(16, 4)), r"layer 0 is ReLU, where an Affine"),
        (nn.Sequential(), r"has no layers"),
        (nn.Sequential(nn.Affine(16, 6), nn.ReLU(), nn.Affine(5, 4)), r"layer 2 takes 5 inputs.*gives 6"),
        (nn.MLP([16, 1]), r"only 1 output"),
        ("a net", r"not an MLP: str"),
    ],
)
def test_nets_that_are_not_mlps_are_refused_by_name(net, message):
    with pytest.raises(TypeError, match=message):
        mlp_layers(net)


@pytest.mark.parametrize(
    ("x", "t", "message"),
    [
        (np.zeros(15), 0, r"15 values; the net's first layer takes 16 \(a 4×4 image\)"),
        (np.zeros((2, 3, 3)), [0, 1], r"2 images of shape \(3, 3\)"),
        (np.zeros((4, 4, 4, 4)), 0, r"image shape \(4, 4, 4, 4\)"),
        (np.full(16, np.nan), 0, r"not finite"),
        (np.array(["a"] * 16), 0, r"numbers"),
        (np.zeros(16), 4, r"label 4 is out of range: the net has 4 outputs \(0–3\)"),
        (np.zeros(16), -1, r"label -1 is out of range"),
        (np.zeros(16), 1.5, r"label must be an integer class index, got 1.5"),
        (np.zeros(16), True, r"label must be an integer class index, got True"),
        (np.zeros((2, 16)), 1, r"2 images need 2 labels, got 1"),
        (np.zeros((2, 16)), [1, 2, 3], r"2 images need 2 labels, got 3"),
        (np.zeros(16), [1, 2], r"1 image needs 1 label, got 2"),
        (np.zeros((2, 16)), np.array([[0, 1, 0, 0], [0, 1, 1, 0]]), r"must be one-hot rows"),
        (np.zeros((0, 16)), [], r"no images"),
    ],
)
def test_bad_images_and_labels_are_refused_by_name(x, t, message):
    auto, _ = book_pair()
    with pytest.raises(ValueError, match=message):
        explain(auto, x, t)


def test_wishes_keep_the_weights_they_were_computed_with():
    """Training after explain() must not change what was explained (the views draw W from the Wishes)."""
    auto, _ = book_pair()
    wishes = explain(auto, images(1)[0], 0)
    before = wishes.layers[0].weight.copy()
    auto.params["W1"] = auto.params["W1"] + 1.0
    np.testing.assert_array_equal(wishes.layers[0].weight, before)


def test_one_hot_labels_are_their_class_indices():
    auto, _ = book_pair()
    x = images(3)
    by_index = explain(auto, x, np.array([2, 0, 3]))
    by_one_hot = explain(auto, x, np.eye(4)[[2, 0, 3]])
    np.testing.assert_array_equal(by_one_hot.labels, [2, 0, 3])
    np.testing.assert_array_equal(by_one_hot.layers[0].nudge, by_index.layers[0].nudge)
    assert explain(auto, x[0], np.eye(4, dtype=np.float32)[1]).labels.tolist() == [1]


def test_a_net_with_nan_weights_is_refused():
    auto, _ = book_pair()
    auto.params["W2"] = np.full((6, 4), np.nan)
    with pytest.raises(ValueError, match="the loss is nan: the net's weights or outputs are not finite"):
        explain(auto, images(1)[0], 0)
