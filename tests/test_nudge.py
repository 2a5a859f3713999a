"""autograd.nudge: the gradient's prediction grad·δ against the recomputed change, for Value and Tensor graphs."""

import numpy as np
import pytest

from scratchgrad.autograd import Tensor, Value, nudge, softmax_cross_entropy
from scratchgrad.viz import book


def test_the_notes_apple_numbers():
    """With L = ½(f − 219)²: price +1 raises L by 4.62 (predicted 2.2), count +1 by 6,160 (110), tax +0.01 by 4 (2)."""
    experiment = book.apple_loss(lang="en").experiment
    rows = nudge(experiment.function, experiment.inputs, experiment.deltas)
    got = [(r.input.name, r.delta, r.gradient, r.predicted, r.actual) for r in rows]
    expected = [("apple", 1.0, 2.2, 2.2, 4.62), ("apple count", 1.0, 110, 110, 6160), ("tax", 0.01, 200, 2, 4)]
    assert len(got) == 3
    for row, want in zip(got, expected):
        assert row[:2] == want[:2]
        assert row[2:] == pytest.approx(want[2:], rel=1e-12)
    assert [r.second_order for r in rows] == pytest.approx([2.42, 6050, 2], rel=1e-11)


def test_smaller_steps_converge_to_the_prediction():
    x = Value(3.0, name="x")
    rows = nudge(lambda x: x * x, x, (1.0, 0.1, 0.01, 0.001))
    assert [r.gradient for r in rows] == [6.0] * 4
    assert [r.second_order for r in rows] == pytest.approx([1.0, 1e-2, 1e-4, 1e-6], rel=1e-6)  # exactly δ²
    assert x.grad == 0.0  # nudge leaves .grad alone


def test_tensor_inputs_with_a_number_and_with_an_array_step():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(4, 3)), name="x")
    W = Tensor(rng.normal(size=(3, 5)), requires_grad=True, name="W")
    b = Tensor(np.zeros(5), requires_grad=True, name="b")
    t = np.array([0, 4, 2, 1])

    def loss(W, b):
        return softmax_cross_entropy(x @ W + b, t)

    def numpy_loss(W, b):
        z = x.data @ W + b
        z = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(4), t]))

    direction = rng.normal(size=(3, 5))
    rows = nudge(loss, [W, b], {W: [1e-3, 1e-3 * direction], b: 1e-3})
    start = numpy_loss(W.data, b.data)
    assert rows[0].actual == pytest.approx(numpy_loss(W.data + 1e-3, b.data) - start, rel=1e-9)
    assert rows[1].actual == pytest.approx(numpy_loss(W.data + 1e-3 * direction, b.data) - start, rel=1e-9)
    assert rows[2].actual == pytest.approx(numpy_loss(W.data, b.data + 1e-3) - start, abs=1e-15)
    assert rows[1].predicted == pytest.approx(float(np.sum(rows[1].gradient * 1e-3 * direction)))
    smaller = nudge(loss, [W, b], {W: 1e-4 * direction, b: 1e-4})[0]
    assert smaller.second_order / rows[1].second_order == pytest.approx(0.01, rel=0.01)  # the error shrinks as δ²
    assert rows[2].predicted == pytest.approx(0.0, abs=1e-12)  # softmax rows sum to 1: a shift of b changes nothing
    assert W.grad is None


def test_a_step_on_a_non_contiguous_tensor_and_a_linear_function_has_no_second_order():
    x = Tensor(np.arange(12.0).reshape(3, 4).T, requires_grad=True, name="x")  # a transposed view
    rows = nudge(lambda x: (x * 2.0).sum(), x, [0.5, np.full((4, 3), 0.25)])
    assert [r.predicted for r in rows] == [12.0, 6.0]
    assert [r.actual for r in rows] == [12.0, 6.0]
    assert [r.second_order for r in rows] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x, c: nudge(lambda x: Value(2.0, requires_grad=True) * 3, x), ValueError, "not computed from 'x'"),
        (lambda x, c: nudge(lambda x, c: x * c, [x, c]), ValueError, "'c' does not require a gradient"),
        (lambda x, c: nudge(lambda x: x * 2, x, float("nan")), ValueError, "must be finite"),
        (lambda x, c: nudge(lambda x: x * 2, x, []), ValueError, "empty sequence"),
        (lambda x, c: nudge(lambda x: x * 2, x, np.ones(2)), TypeError, "its step must be a number"),
        (lambda x, c: nudge(lambda x: x * 2, x, {c: 1.0}), ValueError, "not one of the inputs"),
        (lambda x, c: nudge(lambda x: x * 2, x, True), TypeError, "must be a number or an array"),
        (lambda x, c: nudge(lambda x: 2.0, x), TypeError, "f must return a node"),
        (lambda x, c: nudge(lambda x: x * 2, []), TypeError, "non-empty sequence of nodes"),
    ],
)
def test_mistakes_are_named(call, error, message):
    x, c = Value(1.0, name="x"), Value(2.0, name="c", requires_grad=False)
    with pytest.raises(error, match=message):
        call(x, c)


def test_tensor_mistakes_are_named():
    x = Tensor(np.ones((2, 3)), requires_grad=True, name="x")
    with pytest.raises(ValueError, match=r"f must return a scalar, got shape \(2, 3\)"):
        nudge(lambda x: x * 2, x)
    with pytest.raises(ValueError, match=r"a step of shape \(3, 2\) does not fit 'x' of shape \(2, 3\)"):
        nudge(lambda x: x.sum(), x, np.ones((3, 2)))
    with pytest.raises(ValueError, match="gives no step for"):
        nudge(lambda x, y: (x * y).sum(), [x, Tensor(np.ones(3), requires_grad=True)], {x: 1.0})
