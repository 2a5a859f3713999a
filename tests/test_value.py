"""The scalar engine: every op against central differences, domain errors, the book's examples."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchgrad.autograd import DomainError, Value, gradcheck

UNARY = {  # name: (op on a Value, the same function on a float, points)
    "neg": (lambda x: -x, lambda x: -x, [-1.3, 0.4]),
    "exp": (lambda x: x.exp(), math.exp, [-2.0, 0.5, 3.0]),
    "log": (lambda x: x.log(), math.log, [0.1, 2.5]),
    "tanh": (lambda x: x.tanh(), math.tanh, [-1.5, 0.3]),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: 1 / (1 + math.exp(-x)), [-40.0, -4.0, 0.0, 2.0]),
    "relu": (lambda x: x.relu(), lambda x: max(x, 0.0), [-1.0, 0.7]),
    "abs": (lambda x: abs(x), abs, [-2.0, 1.2]),
    "reciprocal": (lambda x: x.reciprocal(), lambda x: 1 / x, [-0.5, 3.0]),
    "pow const": (lambda x: x**3, lambda x: x**3, [-1.5, 2.0]),
    "pow half": (lambda x: x**0.5, math.sqrt, [0.3, 4.0]),
    "pow negative": (lambda x: x**-2, lambda x: x**-2, [-0.7, 1.9]),
    "rpow": (lambda x: 2.0**x, lambda x: 2.0**x, [-1.0, 1.5]),
    "radd rsub rmul rdiv": (
        lambda x: ((3 - x) * 2 + 1) / (4 + x) + 5 / x,
        lambda x: ((3 - x) * 2 + 1) / (4 + x) + 5 / x,
        [0.8, 2.0],
    ),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_values_and_gradients(name):
    fn, reference, points = UNARY[name]
    for point in points:
        assert fn(Value(point)).data == pytest.approx(reference(point), rel=1e-14, abs=1e-300)
        gradcheck(fn, [Value(point)])


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow value exponent": lambda a, b: a**b,
}


@pytest.mark.parametrize("name", BINARY)
def test_binary_gradients_match_central_differences(name):
    gradcheck(BINARY[name], [Value(1.7), Value(-0.6)] if name != "pow value exponent" else [Value(1.7), Value(0.6)])


def test_sum_of_thousands_of_values():
    values = [Value(i * 0.5) for i in range(5000)]
    total = sum(values)
    total.backward()
    assert total.data == pytest.approx(0.5 * 4999 * 5000 / 2)
    assert all(v.grad == 1.0 for v in values)


def test_value_sum_is_one_node_with_every_input():
    values = [Value(float(i)) for i in range(4)]
    total = Value.sum(values)
    assert total.op.glyph == "+" and total.inputs == tuple(values)
    (total * total).backward()
    assert [v.grad for v in values] == [12.0] * 4


def test_apple_with_tax():
    apple, count, tax = Value(100), Value(2), Value(1.1)
    price = apple * count * tax
    price.backward()
    assert price.data == pytest.approx(220)
    assert (apple.grad, count.grad, tax.grad) == pytest.approx((2.2, 110, 200))


def test_apple_and_orange():
    apple, apple_num, orange, orange_num, tax = Value(100), Value(2), Value(150), Value(3), Value(1.1)
    price = (apple * apple_num + orange * orange_num) * tax
    price.backward()
    assert price.data == pytest.approx(715)
    grads = (apple.grad, apple_num.grad, orange.grad, orange_num.grad, tax.grad)
    assert grads == pytest.approx((2.2, 110, 3.3, 165, 650))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Value(0.0).log(), r"log\(0\) is undefined: the argument must be positive"),
        (lambda: Value(-2.0).log(), r"log\(-2\)"),
        (lambda: Value(1.0) / 0, r"div\(1, 0\) is undefined: the divisor must not be zero"),
        (lambda: 1 / Value(0.0), r"div\(1, 0\)"),
        (lambda: Value(0.0).reciprocal(), r"reciprocal\(0\)"),
        (
            lambda: Value(-8.0) ** (1 / 3),
            r"pow\(-8, 0.3333333333333333\) is undefined: a negative base needs an integer exponent$",
        ),
        (lambda: Value(-2.0000000001) ** 0.5, r"pow\(-2.0000000001, 0.5\)"),  # every digit, not pow(-2, 0.5)
        (lambda: Value(0.0) ** -1, r"pow\(0, -1\) is undefined: zero cannot be raised to a negative power"),
        (lambda: Value(1000.0).exp(), r"exp\(1000\) overflows"),
        # Overflow is its own reason, for every op: not "a negative base needs an integer exponent".
        (lambda: Value(2.0) ** 1e10, r"^pow\(2, 10000000000\) overflows: the result is too large for a float$"),
        (lambda: Value(9.0) ** (9**9), r"pow\(9, 387420489\) overflows"),
        (lambda: 2.0 ** Value(1e10), r"pow\(2, 10000000000\) overflows"),
        (lambda: Value(1e200) * 1e200, r"mul\(1e\+200, 1e\+200\) overflows"),
        (lambda: Value(1.7e308) + 1.7e308, r"add\(1.7e\+308, 1.7e\+308\) overflows"),
        (lambda: -1.7e308 - Value(1.7e308), r"sub\(-1.7e\+308, 1.7e\+308\) overflows"),
        (lambda: Value(1e300) / 1e-300, r"div\(1e\+300, 1e-300\) overflows"),
        (lambda: Value(1e-320).reciprocal(), r"reciprocal\(1e-320\) overflows"),
        (lambda: Value.sum([1e308, 1e308]), r"Value.sum\(\) of 2 values overflows"),
    ],
)
def test_forward_domain_errors_name_the_op_and_value(build, message):
    with pytest.raises(DomainError, match=message):
        build()


def test_infinite_and_nan_inputs_propagate_rather_than_count_as_overflow():
    inf = float("inf")
    assert (Value(inf) * 2).data == inf and (Value(inf) + 1e308).data == inf
    assert math.isnan((Value(float("nan")) * 2).data)
    assert (Value(1e308) * 1.5 / 2).data == pytest.approx(7.5e307)  # large but finite: fine


def test_negative_base_with_integer_exponent_is_fine():
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_derivative_of_sqrt_at_zero_is_a_clear_error():
    x = Value(0.0)
    y = x**0.5
    assert y.data == 0.0
    with pytest.raises(DomainError, match=r"backward of pow\(0.0, 0.5\): derivative is undefined"):
        y.backward()


def test_exponent_gradient_needs_positive_base():
    base, exponent = Value(-2.0), Value(2.0)
    y = base**exponent
    with pytest.raises(DomainError, match="backward of pow"):
        y.backward()


def test_results_are_never_complex():
    with pytest.raises(DomainError):
        Value(-1.0) ** 0.5


def test_value_rejects_non_numbers():
    with pytest.raises(TypeError, match="real number"):
        Value("3")


# -- property-based: random expressions against central differences ----------

OPS = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (1.5 + b * b),
    lambda a, b: (a * 0.5).tanh() * b,
    lambda a, b: a.sigmoid() + b.exp() * 0.1,
    lambda a, b: (1 + a * a).log() - b,
    lambda a, b: (a * a + 0.5) ** 1.5 + b,
]


@st.composite
def expressions(draw):
    """A random DAG over three inputs: each step combines two earlier nodes."""
    steps = draw(st.lists(st.tuples(st.integers(0, len(OPS) - 1), st.integers(0, 99), st.integers(0, 99)),
                          min_size=1, max_size=12))
    point = draw(st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
    return steps, point


def build(steps, inputs):
    nodes = list(inputs)
    for op, i, j in steps:
        nodes.append(OPS[op](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    return nodes[-1]


@settings(max_examples=60, deadline=None)
@given(expressions())
def test_random_expressions_match_central_differences(expression):
    steps, point = expression
    inputs = [Value(p) for p in point]
    assert math.isfinite(build(steps, inputs).data)  # every op in OPS is finite on [-1.5, 1.5]
    gradcheck(lambda *xs: build(steps, xs), inputs, eps=1e-6, rtol=1e-5, atol=1e-6)
