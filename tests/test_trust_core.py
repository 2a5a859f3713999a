"""Graph-core trust: gradients the user owns, data that stays an ndarray, constructors that refuse
what they cannot represent, optimizers that refuse duplicates."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Node, Tensor, Value, grad, toposort


def f64(values: object, requires_grad: bool = True, name: str | None = None) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad, name=name)


def graph_nodes(root: Node) -> list[Node]:
    """Every node of the graph below ``root`` (interior nodes and leaves), each once."""
    seen: dict[int, Node] = {}
    for node in [root, *toposort(root)]:
        for x in (node, *node.inputs):
            seen.setdefault(id(x), x)
    return list(seen.values())


def assert_own_arrays(grads: list[object]) -> None:
    """Each gradient is an ndarray, writable, and shares no memory with any other."""
    for g in grads:
        assert type(g) is np.ndarray, type(g)
        assert g.flags.writeable
    for a, b in itertools.combinations(grads, 2):
        assert not np.shares_memory(a, b)


# -- item 2: every .grad is its own writable array ------------------------------------------------

PROGRAMS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "pass-through add": lambda x, y: ((x + y) * 1.0).sum(),
    "add zero": lambda x, y: (x + 0.0).sum() + (y + 0.0).sum(),
    "sub and neg": lambda x, y: (x - y).sum() + (-y).sum(),
    "reshape": lambda x, y: x.reshape(6).sum() + y.reshape(3, 2).sum(),
    "transpose": lambda x, y: (x.T * 1.0).sum() + y.T.sum(),
    "broadcast": lambda x, y: (x + y[0]).sum(),
    "index": lambda x, y: x[0].sum() + y[:, 1].sum(),
    "mean and max": lambda x, y: x.mean() + y.max(),
    "matmul": lambda x, y: (x @ y.T).sum(),
    "astype": lambda x, y: (x.astype(np.float32).astype(np.float64) + y).sum(),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_every_gradient_of_a_graph_is_its_own_writable_array(name: str) -> None:
    x = f64(np.arange(6.0).reshape(2, 3), name="x")
    y = f64(np.ones((2, 3)), name="y")
    out = PROGRAMS[name](x, y)
    out.backward()
    nodes = [n for n in graph_nodes(out) if n.requires_grad]
    assert_own_arrays([n.grad for n in nodes])
    before = [n.grad.copy() for n in nodes]
    for n in nodes:
        n.grad *= 2  # scaling one gradient leaves every other alone
    for n, b in zip(nodes, before):
        np.testing.assert_array_equal(n.grad, 2 * b)


def test_the_issue_examples() -> None:
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    ((x + y) * 1.0).sum().backward()
    assert x.grad is not y.grad
    x.grad *= 3
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])
    z = f64([1.0, 2.0])
    (z + 0.0).sum().backward()
    z.grad[0] = 5.0  # writable
    assert z.grad.base is None


def test_a_seed_passed_to_backward_is_copied() -> None:
    x = f64([1.0, 2.0])
    out = x + 0.0
    seed = np.array([1.0, 1.0])
    out.backward(seed)
    assert out.grad is not seed and not np.shares_memory(out.grad, seed)
    seed[:] = 100.0
    np.testing.assert_array_equal(out.grad, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    assert not np.shares_memory(x.grad, out.grad)
    read_only = np.ones(2)
    read_only.flags.writeable = False
    out.zero_grad()
    out.backward(read_only)
    assert out.grad.flags.writeable


def test_grad_results_are_own_writable_arrays() -> None:
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    out = x + y
    seed = np.array([1.0, 1.0])
    gx, gy, gout = grad(out, [x, y, out], grad_output=seed)
    assert_own_arrays([gx, gy, gout, seed])
    gx2, gy2 = grad((x + 0.0).sum() + (y * 1.0).sum(), [x, y])
    assert_own_arrays([gx2, gy2])


def test_accumulated_gradients_stay_own_arrays_and_0d_ones_are_arrays() -> None:
    x = f64(2.0)
    y = x * 1.0 + 0.0
    y.backward()
    y.backward()
    assert_own_arrays([x.grad, y.grad])
    assert x.grad.shape == () and float(x.grad) == 2.0


# -- item 4: a Tensor's .data is always an ndarray ----------------------------------------------

ZERO_D: dict[str, Callable[[Tensor], Tensor]] = {
    "sum": lambda x: x.sum(),
    "sum abs": lambda x: x.sum().abs(),
    "index": lambda x: x[0],
    "index exp": lambda x: x[1].exp(),
    "mean": lambda x: x.mean(),
    "max": lambda x: x.max(),
    "0-d arithmetic": lambda x: (x.sum() * 2.0 + 1.0) / 3.0 - x.sum() ** 2,
    "0-d unary chain": lambda x: x.sum().tanh().sigmoid().relu().log(),
    "numbers on the left": lambda x: 2.0 - x.sum(),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ZERO_D)
def test_0d_results_are_ndarrays_and_backpropagate(name: str, dtype: type) -> None:
    x = Tensor(np.array([0.5, -1.5, 2.0], dtype=dtype), requires_grad=True)
    out = ZERO_D[name](x)
    nodes = graph_nodes(out)
    for node in nodes:
        assert type(node.data) is np.ndarray, (node, type(node.data))
        assert node.data.dtype == dtype
    out.backward()
    for node in nodes:
        if node.requires_grad:
            assert type(node.grad) is np.ndarray and node.grad.dtype == dtype


def test_the_issue_example_sum_abs_backward() -> None:
    x = f64([1.0, -2.0])
    x.sum().abs().backward()  # TypeError: numpy boolean subtract, before
    np.testing.assert_array_equal(x.grad, [-1.0, -1.0])


# -- item 5: constructors refuse what a float tensor or a Value cannot be -------------------------


@pytest.mark.parametrize(
    "data",
    [None, "abc", b"ab", np.array(["1.0"]), np.array([1 + 2j]), [1 + 2j], 1j, np.array([1.0, None], dtype=object),
     {"a": 1}, object(), [Value(1.0)], np.array(["2020-01-01"], dtype="datetime64[D]")],
    ids=repr,
)
def test_tensor_refuses_non_numeric_data(data: object) -> None:
    with pytest.raises(TypeError, match=r"Tensor\(\)"):
        Tensor(data)
    with pytest.raises(TypeError, match=r"Tensor\(\)"):
        Tensor(data, dtype=np.float64)


def test_tensor_refuses_a_ragged_list_naming_the_problem() -> None:
    with pytest.raises(ValueError, match=r"Tensor\(\).*ragged"):
        Tensor([[1.0], [2.0, 3.0]])


def test_tensor_takes_bool_and_integer_input_as_float32() -> None:
    for data in ([True, False], np.array([1, 2], dtype=np.int64), 3, np.uint8(7), [[1, 2]]):
        t = Tensor(data)
        assert t.dtype == np.float32 and type(t.data) is np.ndarray


OPERATORS: dict[str, Callable[[object, object], object]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


@pytest.mark.parametrize("op", OPERATORS)
def test_value_and_ndarray_do_not_combine_into_an_object_array(op: str) -> None:
    apply = OPERATORS[op]
    array, v = np.array([1.0, 2.0]), Value(2.0)
    for left, right in ((array, v), (v, array), (np.ones((1, 1)), v), (v, np.ones(1))):
        with pytest.raises(TypeError, match="cannot combine a Value with an ndarray; use Tensor"):
            apply(left, right)


def test_a_0d_array_combines_with_a_value_as_the_scalar_it_holds() -> None:
    v = Value(2.0)
    assert (np.array(3.0) * v).data == 6.0 and (v - np.array(3.0)).data == -1.0
    held = np.empty((), dtype=object)
    held[()] = v  # NumPy's object arithmetic hands 0-d arrays of Values to the Value's reflected operators
    y = 1.0 / held + v
    y.backward()
    assert y.data == 2.5 and v.grad == 1.0 - 1.0 / 4.0


def test_value_still_combines_with_numpy_scalars() -> None:
    v = Value(2.0)
    for number in (np.float64(3.0), np.float32(3.0), np.int64(3)):
        assert (number * v).data == 6.0 and (v + number).data == 5.0


def test_value_refuses_an_ndarray_with_a_clear_message() -> None:
    with pytest.raises(TypeError, match="use Tensor"):
        Value(np.array(2.0))


# -- item 6: optimizers refuse a parameter listed twice --------------------------------------------


@pytest.mark.parametrize("name", ["SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"])
def test_optimizer_refuses_a_parameter_listed_twice(name: str) -> None:
    net = nn.MLP([2, 3, 1], rng=0)
    optimizer = getattr(nn.optim, name)
    w = net.parameters()[0]
    with pytest.raises(ValueError, match=r"appears twice.*'layers.0.W'.*\(2, 3\)"):
        optimizer([w, w])
    with pytest.raises(ValueError, match="appears twice"):
        optimizer([*net.parameters(), *net[0].parameters()])  # two lists that overlap
    equal_but_distinct = [nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(2))]
    optimizer(equal_but_distinct)  # equal values are not the same parameter
