"""The book's TwoLayerNet both ways — autograd and manual — behind one interface.

Same params ⇒ same function, same loss, same ``gradient()`` (float64, to
rounding); both match ``numerical_gradient``. Checked on random data always,
and on real MNIST rows when the files are present.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import numerical_gradient, relative_error
from scratchgrad.autograd.array_ops import MATMUL
from scratchgrad.nn import manual

NETS = [nn.TwoLayerNet, manual.TwoLayerNet]


def make_pair(sizes: tuple[int, int, int], seed: int = 0, dtype: type = np.float64) -> tuple:
    """An autograd net and a manual net with the same, non-trivial parameters (random biases too)."""
    auto = nn.TwoLayerNet(*sizes, weight_init_std=0.5, dtype=dtype, rng=seed)
    book = manual.TwoLayerNet(*sizes, dtype=dtype, rng=seed)
    biases = np.random.default_rng(seed + 1)
    for name in auto.params:
        if name.startswith("b"):
            auto.params[name] = biases.standard_normal(auto.params[name].shape)
        book.params[name] = auto.params[name]
    return auto, book


def random_batch(seed: int = 3, n: int = 8, d: int = 5, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, classes, n)


def assert_same_gradients(auto: nn.TwoLayerNet, book: manual.TwoLayerNet, x: np.ndarray, t: np.ndarray) -> None:
    assert auto.loss(x, t) == pytest.approx(book.loss(x, t), rel=1e-12)
    ga, gb = auto.gradient(x, t), book.gradient(x, t)
    assert list(ga) == list(gb) == ["W1", "b1", "W2", "b2"]
    for name in ga:
        assert isinstance(ga[name], np.ndarray)
        assert relative_error(ga[name], gb[name]) <= 1e-12, name


@pytest.mark.parametrize("one_hot", [False, True], ids=["indices", "one-hot"])
def test_same_params_same_loss_and_gradient(one_hot: bool) -> None:
    auto, book = make_pair((5, 4, 3))
    x, labels = random_batch()
    t = np.eye(3)[labels] if one_hot else labels
    np.testing.assert_allclose(auto.predict(x), book.predict(x), rtol=1e-12)
    assert_same_gradients(auto, book, x, t)


@pytest.mark.parametrize("net_class", NETS)
def test_gradient_matches_numerical_gradient(net_class: type) -> None:
    net = net_class(5, 4, 3, weight_init_std=0.5, dtype=np.float64, rng=1)
    x, t = random_batch()
    numeric = net.numerical_gradient(x, t)
    for name, g in net.gradient(x, t).items():
        assert relative_error(g, numeric[name]) <= 1e-6, name


@pytest.mark.parametrize("net_class", NETS)
def test_numerical_gradient_is_usable_in_float32(net_class: type) -> None:
    """The default float32 step (≈ 5e-3) gets within ~1e-4; the book's 1e-4 drowns in rounding (~3e-3)."""
    net = net_class(5, 4, 3, weight_init_std=0.5, rng=1)
    x, t = random_batch()
    grads = net.gradient(x, t)
    default, book_step = net.numerical_gradient(x, t), net.numerical_gradient(x, t, h=1e-4)
    for name, g in grads.items():
        assert g.dtype == np.float32
        assert relative_error(g, default[name]) <= 1e-3, name
    errors = [[relative_error(g, numeric[name]) for name, g in grads.items()] for numeric in (default, book_step)]
    assert max(errors[0]) < min(errors[1])


def test_numerical_gradient_is_central_differences() -> None:
    """d/dx Σx³ = 3x²; central differences are off by exactly h² per element (forward ones by ~3xh)."""
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda: float((x**3).sum()), x, h=1e-3)
    np.testing.assert_allclose(grad, 3 * x**2 + 1e-6, rtol=1e-9)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored exactly


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_seed_same_initial_params(dtype: type) -> None:
    auto = nn.TwoLayerNet(6, 5, 4, dtype=dtype, rng=7)
    book = manual.TwoLayerNet(6, 5, 4, dtype=dtype, rng=np.random.default_rng(7))
    for name in ["W1", "b1", "W2", "b2"]:
        assert auto.params[name].dtype == book.params[name].dtype == dtype
        np.testing.assert_array_equal(auto.params[name], book.params[name])
    assert auto.params["W1"].std() == pytest.approx(0.01, rel=0.3)  # the book's weight_init_std
    assert not auto.params["b1"].any()


@pytest.mark.parametrize("net_class", NETS)
def test_params_are_the_live_arrays(net_class: type) -> None:
    net = net_class(5, 4, 3, dtype=np.float64, rng=0)
    x, t = random_batch()
    before = net.loss(x, t)
    net.params["W2"] *= 3  # in place
    assert net.loss(x, t) != before
    W2 = net.params["W2"]
    net.params["W2"] = np.zeros((4, 3))  # assignment copies into the live array
    assert net.params["W2"] is W2 and not W2.any()
    assert net.loss(x, t) == pytest.approx(np.log(3))  # all-zero scores: uniform softmax
    with pytest.raises(ValueError, match="shape"):
        net.params["W2"] = np.zeros((3, 4))


def test_autograd_params_are_the_parameter_tensors_data() -> None:
    net = nn.TwoLayerNet(5, 4, 3, rng=0)
    first, second = net.layers[0], net.layers[2]
    for name, p in [("W1", first.W), ("b1", first.b), ("W2", second.W), ("b2", second.b)]:
        assert net.params[name] is p.data
    assert net.parameters() == [first.W, first.b, second.W, second.b]


@pytest.mark.parametrize("net_class", NETS)
def test_loss_and_gradient_is_loss_and_gradient_in_one_pass(net_class: type, monkeypatch: pytest.MonkeyPatch) -> None:
    """A training loop gets the loss with the gradient: same numbers as loss() and gradient(), one forward pass."""
    net = net_class(5, 4, 3, weight_init_std=0.5, dtype=np.float64, rng=2)
    x, t = random_batch()
    expected_loss = net.loss(x, t)
    expected = {name: g.copy() for name, g in net.gradient(x, t).items()}
    first = net.layers[0]
    forwards = []

    def counted_forward(*args: object) -> object:
        forwards.append(1)
        return type(first).forward(first, *args)

    monkeypatch.setattr(first, "forward", counted_forward)
    loss, grads = net.loss_and_gradient(x, t)
    assert len(forwards) == 1
    assert type(loss) is float and loss == pytest.approx(expected_loss, rel=1e-12)
    assert list(grads) == ["W1", "b1", "W2", "b2"]
    for name, g in grads.items():
        np.testing.assert_allclose(g, expected[name], rtol=1e-12, atol=0)


@pytest.mark.parametrize("net_class", NETS)
def test_gradient_does_not_accumulate(net_class: type) -> None:
    net = net_class(5, 4, 3, dtype=np.float64, rng=0)
    x, t = random_batch()
    first = {k: g.copy() for k, g in net.gradient(x, t).items()}
    second = net.gradient(x, t)
    for name in first:
        np.testing.assert_array_equal(second[name], first[name])


def test_gradient_computes_no_gradient_for_the_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """x enters as a constant: of the 4 possible matmul backward products, only 3 are needed (not dL/dx)."""
    calls = {"input side": 0, "weight side": 0}

    def counted(side: str, vjp: object) -> object:
        def wrapper(*args: object) -> object:
            calls[side] += 1
            return vjp(*args)

        return wrapper

    grad_a, grad_b = MATMUL.vjps
    monkeypatch.setattr(MATMUL, "vjps", (counted("input side", grad_a), counted("weight side", grad_b)))
    net = nn.TwoLayerNet(5, 4, 3, rng=0)
    x, t = random_batch()
    net.gradient(x, t)
    assert calls == {"input side": 1, "weight side": 2}  # dL/dz1 for the hidden layer; dW2, dW1


@pytest.mark.parametrize("net_class", NETS)
def test_inputs_take_the_nets_dtype(net_class: type) -> None:
    net = net_class(5, 4, 3, rng=0)  # float32
    x, t = random_batch()  # float64 inputs, int targets
    assert net.predict(x).dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradient(x, np.eye(3)[t]).values())


@pytest.mark.parametrize("net_class", NETS)
def test_accuracy(net_class: type) -> None:
    net = net_class(5, 4, 3, weight_init_std=0.5, dtype=np.float64, rng=0)
    x, _ = random_batch()
    predicted = net.predict(x).argmax(axis=1)
    t = np.where(np.arange(8) < 6, predicted, (predicted + 1) % 3)  # right on 6 rows of 8
    assert net.accuracy(x, t) == 0.75
    assert net.accuracy(x, np.eye(3)[t]) == 0.75


def test_book_training_loop_and_optimizer_agree_and_stay_equal() -> None:
    """Three SGD steps three ways — book loop on each net, optim.SGD on autograd — give the same params."""
    auto, book = make_pair((5, 4, 3))
    twin = nn.TwoLayerNet(5, 4, 3, dtype=np.float64, rng=9)
    twin.load_state_dict(auto.state_dict())
    opt = nn.optim.SGD(twin.parameters(), lr=0.5)
    x, t = random_batch()
    for _ in range(3):
        for net in (auto, book):
            grads = net.gradient(x, t)
            for name in net.params:
                net.params[name] -= 0.5 * grads[name]
        opt.zero_grad()
        twin.last_layer(twin(x), t).backward()
        opt.step()
    for name in auto.params:
        assert relative_error(auto.params[name], book.params[name]) <= 1e-12
        assert relative_error(auto.params[name], twin.params[name]) <= 1e-12
    assert auto.loss(x, t) < make_pair((5, 4, 3))[0].loss(x, t)


def read_idx(path: Path, header: int, count: int, row: int) -> np.ndarray:
    with gzip.open(path) as f:
        return np.frombuffer(f.read(header + count * row)[header:], dtype=np.uint8).reshape(count, row)


@pytest.fixture(scope="module")
def mnist_rows(real_mnist: Path) -> tuple[np.ndarray, np.ndarray]:
    """The first 32 training images (scaled to [0, 1], float64) and labels, read straight from the IDX files."""
    images = read_idx(real_mnist / "train-images-idx3-ubyte.gz", 16, 32, 784) / 255.0
    labels = read_idx(real_mnist / "train-labels-idx1-ubyte.gz", 8, 32, 1).reshape(-1)
    return images, labels


def test_mnist_rows_both_nets_agree(mnist_rows: tuple[np.ndarray, np.ndarray]) -> None:
    x, labels = mnist_rows
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first MNIST labels
    auto = nn.TwoLayerNet(784, 50, 10, dtype=np.float64, rng=0)
    book = manual.TwoLayerNet(784, 50, 10, dtype=np.float64, rng=0)
    assert auto.loss(x, labels) == pytest.approx(np.log(10), rel=1e-2)  # tiny initial weights
    assert_same_gradients(auto, book, x, labels)
    assert_same_gradients(auto, book, x, np.eye(10)[labels])
    grads = auto.gradient(x, labels)
    for name in ["W2", "b2"]:  # the output layer only: W1 has 39,200 entries
        numeric = numerical_gradient(lambda: auto.loss(x, labels), auto.params[name])
        assert relative_error(grads[name], numeric) <= 1e-6, name
