"""`nn.functional` and the PyTorch-named layers against NumPy formulas (torch is not needed) and central differences."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import ShapeError, Tensor, gradcheck
from scratchgrad.nn import functional as F  # noqa: N812  (PyTorch's spelling)

rng = np.random.default_rng(12)


def logits_and_labels(n: int = 5, classes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((n, classes)) * 3, rng.integers(0, classes, n)


def ref_log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def non_contiguous(shape: tuple[int, ...]) -> np.ndarray:
    """Random float64 data laid out transposed in memory: strides a C-contiguous array never has."""
    return np.asfortranarray(rng.standard_normal(shape))


ACTIVATIONS = {
    "relu": (F.relu, nn.ReLU, lambda x: np.maximum(x, 0.0)),
    "sigmoid": (F.sigmoid, nn.Sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (F.tanh, nn.Tanh, np.tanh),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_match_numpy_and_central_differences(name: str) -> None:
    function, layer, reference = ACTIVATIONS[name]
    data = non_contiguous((3, 4))
    data[np.abs(data) < 0.05] = 0.5  # away from relu's kink, where central differences are no oracle
    x = Tensor(data, requires_grad=True)
    np.testing.assert_allclose(function(x).data, reference(data), rtol=1e-14)
    np.testing.assert_array_equal(layer()(x).data, function(x).data)
    assert function(data).dtype == np.float64  # an ndarray is taken as a constant of its own dtype
    gradcheck(function, [x])


def test_relu_gradient_at_zero_is_zero_as_in_pytorch() -> None:
    x = Tensor(np.array([-1.0, 0.0, 1.0]), requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_softmax_and_log_softmax_take_pytorchs_dim(dim: int) -> None:
    data = non_contiguous((3, 5)) * 4
    x = Tensor(data, requires_grad=True)
    np.testing.assert_allclose(F.log_softmax(x, dim=dim).data, ref_log_softmax(data, dim), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(F.softmax(x, dim).data, np.exp(ref_log_softmax(data, dim)), rtol=1e-13)
    gradcheck(lambda t: F.softmax(t, dim=dim), [x])
    gradcheck(lambda t: F.log_softmax(t, dim=dim), [x])


# -- cross_entropy ------------------------------------------------------------------------------
def ref_cross_entropy(x: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
    logp = ref_log_softmax(x.reshape(-1, x.shape[-1]))
    if target.shape == x.shape:
        per_row = -(target.reshape(logp.shape) * logp).sum(axis=1)
    else:
        per_row = -logp[np.arange(logp.shape[0]), target.reshape(-1)]
    per_row = per_row.reshape(x.shape[:-1])
    return {"mean": per_row.mean(), "sum": per_row.sum(), "none": per_row}[reduction]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("targets", ["indices", "one-hot", "probabilities"])
def test_cross_entropy_is_pytorchs_for_every_reduction_and_target(reduction: str, targets: str) -> None:
    data, labels = logits_and_labels()
    target = {
        "indices": labels,
        "one-hot": np.eye(4)[labels],
        "probabilities": np.exp(ref_log_softmax(rng.standard_normal((5, 4)))),
    }[targets]
    x = Tensor(data, requires_grad=True)
    loss = F.cross_entropy(x, target, reduction=reduction)  # PyTorch's order: (input, target)
    assert loss.shape == ({"none": (5,)}.get(reduction, ()))
    np.testing.assert_allclose(loss.data, ref_cross_entropy(data, target, reduction), rtol=1e-13)
    gradcheck(lambda t: F.cross_entropy(t, target, reduction=reduction), [x])
    layer = nn.CrossEntropyLoss(reduction=reduction)
    np.testing.assert_array_equal(layer(x, target).data, loss.data)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_of_one_sample(reduction: str) -> None:
    data = rng.standard_normal(4)
    x = Tensor(data, requires_grad=True)
    loss = F.cross_entropy(x, np.array(2), reduction=reduction)
    assert loss.shape == ()
    np.testing.assert_allclose(loss.data, -ref_log_softmax(data)[2], rtol=1e-13)
    gradcheck(lambda t: F.cross_entropy(t, np.array(2), reduction=reduction), [x])


def test_cross_entropy_mean_is_the_books_fused_softmax_with_loss() -> None:
    data, labels = logits_and_labels()
    x = Tensor(data, requires_grad=True)
    loss = F.cross_entropy(x, labels)
    assert loss.op.name == "softmax_with_loss"  # one fused node, backward (y - t) / N
    np.testing.assert_array_equal(loss.data, nn.SoftmaxWithLoss()(x, labels).data)
    assert isinstance(nn.SoftmaxWithLoss(), nn.CrossEntropyLoss)


@pytest.mark.parametrize("reduction", ["sum", "none"])
@pytest.mark.parametrize(
    ("target", "message"),
    [
        (np.array([0, 1, 4, 0, 0]), r"class index out of range 0..3"),
        (np.array([0, 1, -1, 0, 0]), r"class index out of range 0..3"),  # -1 must not pick the last class
        (np.array([0, 1, 2]), r"3 class indices for 5 rows"),
        (np.array([0.0, 1.0, 2.0, 0.0, 0.0]), r"integer class indices"),
    ],
)
def test_cross_entropy_checks_every_target(reduction: str, target: np.ndarray, message: str) -> None:
    data, _ = logits_and_labels()
    with pytest.raises(ShapeError, match=message):
        F.cross_entropy(Tensor(data), target, reduction=reduction)


@pytest.mark.parametrize("loss", [F.cross_entropy, F.mse_loss])
def test_an_unknown_reduction_is_refused(loss) -> None:
    with pytest.raises(ValueError, match=r"reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        loss(Tensor(np.ones((2, 3))), np.zeros((2, 3)), reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="elementwise_mean")


# -- mse_loss -----------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_is_pytorchs_mean_of_squares(reduction: str) -> None:
    x_data, t_data = non_contiguous((4, 3)), rng.standard_normal((4, 3))
    x, t = Tensor(x_data, requires_grad=True), Tensor(t_data, requires_grad=True)
    squares = (x_data - t_data) ** 2
    expected = {"mean": squares.mean(), "sum": squares.sum(), "none": squares}[reduction]
    loss = F.mse_loss(x, t, reduction=reduction)
    np.testing.assert_allclose(loss.data, expected, rtol=1e-14)
    gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [x, t])  # the target gets a gradient too
    np.testing.assert_array_equal(nn.MSELoss(reduction)(x, t).data, loss.data)
    np.testing.assert_array_equal(F.mse_loss(x, t_data, reduction).data, loss.data)  # an ndarray target


def test_mse_loss_refuses_shapes_that_would_broadcast_every_input_against_every_target() -> None:
    with pytest.raises(ShapeError, match=r"mse_loss: input has shape \(4, 1\) and target \(4,\)"):
        F.mse_loss(Tensor(np.ones((4, 1))), np.ones(4))


def test_mse_loss_refuses_mixed_dtypes_naming_them() -> None:
    with pytest.raises(TypeError, match=r"mse_loss: input is float32 and target float64.*astype"):
        F.mse_loss(Tensor(np.ones(3, np.float32)), Tensor(np.ones(3)))


# -- linear -------------------------------------------------------------------------------------
@pytest.mark.parametrize("x_shape", [(5, 4), (4,), (2, 5, 4)])
def test_linear_is_x_times_weight_transposed_plus_bias(x_shape: tuple[int, ...]) -> None:
    x_data, w_data, b_data = non_contiguous(x_shape), rng.standard_normal((3, 4)), rng.standard_normal(3)
    x, w, b = (Tensor(a, requires_grad=True) for a in (x_data, w_data, b_data))
    np.testing.assert_allclose(F.linear(x, w, b).data, x_data @ w_data.T + b_data, rtol=1e-14)
    np.testing.assert_allclose(F.linear(x, w).data, x_data @ w_data.T, rtol=1e-14)
    gradcheck(F.linear, [x, w, b])


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        (((5, 4), (4, 3), (3,)), r"linear: input has 4 features \(shape \(5, 4\)\), weight \(out, in\) is \(4, 3\); "
                                 r"is it the book's W \(in, out\)\? pass its transpose, layer\.weight"),
        (((5, 4), (2, 3), None), r"linear: input has 4 features \(shape \(5, 4\)\), weight \(out, in\) is \(2, 3\)$"),
        (((), (2, 3), None), r"linear: input has 0 features \(shape \(\)\)"),
        (((5, 4), (4,), None), r"linear: weight must be \(out_features, in_features\), got shape \(4,\)"),
        (((5, 4), (3, 4), (4,)), r"linear: bias has shape \(4,\), weight \(out, in\) is \(3, 4\): expected \(3,\)"),
    ],
)
def test_linear_names_the_mismatch(shapes, message: str) -> None:
    x, w, b = (None if s is None else Tensor(np.ones(s)) for s in shapes)
    with pytest.raises(ShapeError, match=message):
        F.linear(x, w, b)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_every_reduction_is_the_fused_node_and_adds_nothing_for_a_class_without_mass(reduction):
    """A −∞ logit whose target is 0 adds exactly 0 (it gave nan with "sum" and "none" when they were composed)."""
    logits = np.array([[0.5, -np.inf, 1.0], [2.0, 0.1, -1.0]])
    soft = np.array([[0.7, 0.0, 0.3], [0.2, 0.5, 0.1]])
    finite = np.where(np.isinf(logits), 0.0, logits)
    shifted = finite - finite.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(np.where(np.isinf(logits), -np.inf, shifted)).sum(axis=1, keepdims=True))
    rows = -(np.where(soft != 0, soft * log_p, 0.0)).sum(axis=1)
    expected = {"mean": rows.mean(), "sum": rows.sum(), "none": rows}[reduction]
    loss = F.cross_entropy(Tensor(logits, requires_grad=True), soft, reduction=reduction)
    assert loss.op.name.startswith("softmax_with_loss")  # the one fused node, named by its reduction
    np.testing.assert_allclose(np.asarray(loss), expected, rtol=1e-12)
    rng = np.random.default_rng(1)
    a = Tensor(rng.standard_normal((4, 3)).T, requires_grad=True)  # non-contiguous
    weights = rng.random(3)  # a different upstream gradient per row for "none"
    gradcheck(lambda a: F.cross_entropy(a, np.array([0, 2, 1]), reduction=reduction) * (
        weights if reduction == "none" else 1.0), [a])
