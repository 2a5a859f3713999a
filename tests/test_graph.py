"""The graph core: ordering, accumulation, no_grad, higher-order grads, memory."""

import gc
import sys

import numpy as np
import pytest

from scratchgrad.autograd import Tensor, Value, grad, is_grad_enabled, no_grad, toposort


def test_toposort_lists_each_interior_node_once_outputs_first():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    e = d * c  # c feeds two nodes: a diamond
    order = toposort(e)
    assert order == [e, d, c]


def test_same_node_twice_gets_both_contributions():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0


def test_diamond_graph_sums_paths():
    x = Value(1.5)
    a = x.exp()
    b = x * 2
    y = a * b  # dy/dx = e^x * 2x + e^x * 2
    y.backward()
    assert x.grad == pytest.approx(np.exp(1.5) * 2 * 1.5 + np.exp(1.5) * 2)


def test_million_op_chain_at_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6
    y.backward()
    assert x.grad == 1.0
    assert y.data == pytest.approx(2.0)


def test_backward_twice_accumulates_the_same_amount():
    x = Value(2.0)
    y = x * x * x
    y.backward()
    y.backward()
    assert x.grad == 24.0  # 12 each time: the graph is kept, gradients add up
    x.zero_grad()
    y.backward()
    assert x.grad == 12.0


def test_intermediate_nodes_keep_their_gradient_for_drawing():
    a, b, t = Value(100.0), Value(2.0), Value(1.1)
    ab = a * b
    price = ab * t
    price.backward()
    assert ab.grad == pytest.approx(1.1)
    assert price.grad == 1.0


def test_no_grad_records_nothing():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * 3
    assert is_grad_enabled()
    assert y.op is None and y.inputs == () and not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        y.backward()


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert is_grad_enabled()


def test_constants_get_no_gradient():
    x = Value(2.0)
    c = Value(5.0, requires_grad=False)
    (x * c).backward()
    assert x.grad == 5.0 and c.grad == 0.0


def test_higher_order_derivatives_of_cube():
    x = Value(2.0)
    y = x**3
    first = grad(y, x, create_graph=True)
    second = grad(first, x, create_graph=True)
    third = grad(second, x)
    assert (first.data, second.data, third) == (12.0, 12.0, 6.0)
    assert x.grad == 0.0  # grad() leaves .grad alone


def test_grad_of_an_unused_input_is_zero():
    x, z = Value(1.0), Value(4.0)
    gx, gz = grad(x * 2, [x, z])
    assert (gx, gz) == (2.0, 0.0)


def test_hessian_vector_product_matches_numerical():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    x = Tensor(rng.standard_normal(4), requires_grad=True, dtype=np.float64)
    v = rng.standard_normal(4)

    def f(x):
        return ((Tensor(A) @ x).tanh() ** 2).sum() + (x * x * x).sum()

    g = grad(f(x), x, create_graph=True)
    hvp = grad((g * v).sum(), x)

    def gradient_at(point):
        p = Tensor(point, requires_grad=True)
        return grad(f(p), p)

    eps = 1e-5
    numeric = (gradient_at(x.data + eps * v) - gradient_at(x.data - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hvp, numeric, rtol=1e-6, atol=1e-8)


def test_graph_is_freed_by_reference_counting_alone():
    def live_values():
        return sum(type(o) is Value for o in gc.get_objects())

    gc.collect()
    gc.disable()
    try:
        before = live_values()
        x = Value(1.0)
        y = x
        for _ in range(1000):
            y = (y * 1.5).tanh() + x
        y.backward()
        assert live_values() - before > 3000  # the graph is alive while referenced
        del y, x
        assert live_values() == before  # ... and gone as soon as it is not, without the collector
        assert gc.collect() == 0  # no reference cycle was left behind either
    finally:
        gc.enable()


def test_backward_and_grad_on_a_leaf():
    x = Value(3.0)
    x.backward()
    assert x.grad == 1.0
    assert grad(x, x) == 1.0
    t = Tensor(np.ones(()), requires_grad=True)
    t.backward()
    assert t.grad == 1.0
    assert toposort(x) == []


def test_a_shape_bug_in_a_tensor_rule_is_not_reported_as_a_domain_error():
    from scratchgrad.autograd import Op
    from scratchgrad.autograd.graph import record

    broken = Op("broken", "?", lambda g, y, x: g @ np.ones((5, 5)))  # (3,) @ (5, 5): a bug in the rule
    x = Tensor(np.ones(3), requires_grad=True)
    y = record(Tensor, x.data * 2, broken, (x,))
    with pytest.raises(ValueError, match="matmul"):  # NumPy's own error; DomainError is not a ValueError
        y.sum().backward()
