"""Grad mode is per thread (as in PyTorch), and no exception path leaves it switched off."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import (
    Op,
    Tensor,
    Value,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Threads take turns every microsecond, so they interleave inside every step."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


class BoomError(Exception):
    pass


def in_thread(work: Callable[[], object]) -> object:
    """Run ``work`` in a new thread and return its result (or raise its exception)."""
    result: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as error:  # handed back to the test
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "worker thread hung"
    if errors:
        raise errors[0]
    return result[0]


def test_no_grad_in_one_thread_does_not_switch_off_another() -> None:
    entered, done = threading.Event(), threading.Event()

    def evaluate() -> None:
        with no_grad():
            entered.set()
            assert done.wait(10)

    worker = threading.Thread(target=evaluate)
    worker.start()
    try:
        assert entered.wait(10)
        x = Value(2.0)
        y = x * 3
        assert is_grad_enabled() and y.requires_grad
        y.backward()
        assert x.grad == 3.0
    finally:
        done.set()
        worker.join(10)


def test_a_new_thread_starts_with_grad_mode_on_whatever_its_parent_does() -> None:
    with no_grad():
        assert in_thread(is_grad_enabled) is True
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_backward_does_not_switch_grad_mode_for_other_threads() -> None:
    """While one thread is inside a backward pass, another still records its graph."""
    seen: list[bool] = []

    def look_from_another_thread(g: float, y: float, x: float) -> float:
        seen.append(in_thread(lambda: (Value(1.0) * 2).requires_grad and is_grad_enabled()))
        seen.append(is_grad_enabled())  # this thread's own mode is left alone too
        return g

    x = Value(1.0)
    y = x._result(1.0, Op("probe", "?", look_from_another_thread), (x,))
    y.backward()
    assert seen == [True, True]


def test_grad_mode_is_right_after_exceptions_everywhere() -> None:
    def failing(g: float, y: float, x: float) -> float:
        raise BoomError("inside a vjp")

    x = Value(1.0)
    y = x._result(1.0, Op("fails", "!", failing), (x,))
    with pytest.raises(BoomError):
        y.backward()
    assert is_grad_enabled()
    with pytest.raises(BoomError):
        grad(y, x, create_graph=True)  # records while walking: the mode is put back
    assert is_grad_enabled()
    with no_grad():
        with pytest.raises(BoomError):
            grad(y, x, create_graph=True)
        assert not is_grad_enabled()
        with pytest.raises(BoomError), enable_grad():
            raise BoomError
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with pytest.raises(KeyError), set_grad_enabled(False):
        raise KeyError
    assert is_grad_enabled()


def test_set_grad_enabled_as_a_function_and_as_a_context_manager() -> None:
    try:
        set_grad_enabled(False)
        assert not is_grad_enabled() and not (Value(1.0) * 2).requires_grad
        set_grad_enabled(True)
        assert is_grad_enabled()
        with set_grad_enabled(False):
            assert not is_grad_enabled()
            with set_grad_enabled(True):
                assert (Value(1.0) * 2).requires_grad
            assert not is_grad_enabled()
        assert is_grad_enabled()
    finally:
        set_grad_enabled(True)


def test_enable_grad_inside_no_grad_and_as_decorators() -> None:
    @no_grad()
    def evaluate(x: Value) -> Value:
        return x * 2

    @enable_grad()
    def train(x: Value) -> Value:
        return x * 2

    x = Value(1.0)
    assert not evaluate(x).requires_grad and is_grad_enabled()
    with no_grad():
        assert train(x).requires_grad
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
        assert not is_grad_enabled()


def test_one_no_grad_object_shared_by_threads_and_nested_restores_each_mode() -> None:
    shared = no_grad()

    def nested() -> bool:
        with shared:
            with shared:
                assert not is_grad_enabled()
            assert not is_grad_enabled()
        return is_grad_enabled()

    assert nested() and in_thread(nested)


def test_set_grad_enabled_refuses_a_non_bool() -> None:
    with pytest.raises(TypeError, match="bool"):
        set_grad_enabled("no")  # type: ignore[arg-type]
    assert is_grad_enabled()


def train_run(seed: int, steps: int, evaluate: bool) -> tuple[list[float], list[np.ndarray]]:
    """A small float64 net trained by SGD; returns every step's loss and the final weights."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 4))
    labels = rng.integers(0, 3, 16)
    net = nn.MLP([4, 8, 3], dtype=np.float64, rng=seed)
    optimizer = nn.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = nn.SoftmaxWithLoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(net(x), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if evaluate:
            with no_grad():
                scores = net(x)
            assert not scores.requires_grad
            assert is_grad_enabled()
    return losses, [p.data.copy() for p in net.parameters()]


def test_two_threads_train_two_nets_at_once_exactly_as_alone(fast_switching: None) -> None:
    steps = 150
    alone = [train_run(0, steps, evaluate=True), train_run(1, steps, evaluate=False)]
    results: dict[int, tuple[list[float], list[np.ndarray]]] = {}
    modes: dict[int, bool] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(seed: int, evaluate: bool) -> None:
        try:
            start.wait(10)
            results[seed] = train_run(seed, steps, evaluate)
            modes[seed] = is_grad_enabled()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(0, True)), threading.Thread(target=worker, args=(1, False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert modes == {0: True, 1: True} and is_grad_enabled()
    for seed, (losses, weights) in enumerate(alone):
        assert results[seed][0] == losses  # every step, bit for bit
        for got, want in zip(results[seed][1], weights):
            np.testing.assert_array_equal(got, want)


def test_tensor_graphs_record_in_a_thread_while_another_evaluates(fast_switching: None) -> None:
    stop = threading.Event()

    def evaluate_forever() -> None:
        w = Tensor(np.ones(3), requires_grad=True)
        while not stop.is_set():
            with no_grad():
                (w * 2).sum()

    worker = threading.Thread(target=evaluate_forever)
    worker.start()
    try:
        w = Tensor(np.ones(3), requires_grad=True)
        broken = sum(not (w * 2).sum().requires_grad for _ in range(2000))
    finally:
        stop.set()
        worker.join(10)
    assert broken == 0
