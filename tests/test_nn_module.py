"""Module mechanics (parameter discovery, state, save/load, flags), layers' plumbing, and initialisers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor
from scratchgrad.nn import init


class Block(nn.Module):
    """Attributes in a deliberate order: parameter, list of layers, plain value, submodule, parameter."""

    def __init__(self) -> None:
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))
        self.stages = [nn.Affine(2, 3, rng=0), nn.ReLU(), nn.Affine(3, 2, rng=1)]
        self.note = "not a parameter"
        self.head = nn.Affine(2, 1, rng=2)
        self.offset = nn.Parameter(np.zeros(1, dtype=np.float32))

    def forward(self, x: Tensor) -> Tensor:
        for stage in self.stages:
            x = stage(x)
        return self.head(x * self.scale) + self.offset


def test_parameters_in_definition_order() -> None:
    names = [name for name, _ in Block().named_parameters()]
    assert names == ["scale", "stages.0.W", "stages.0.b", "stages.2.W", "stages.2.b", "head.W", "head.b", "offset"]
    mlp = nn.MLP([4, 3, 2], rng=0)
    assert mlp.parameters() == [mlp[0].W, mlp[0].b, mlp[2].W, mlp[2].b]


def test_shared_parameters_and_modules_are_listed_once() -> None:
    block = Block()
    block.head.tied = block.stages[0].W  # one Parameter in two modules
    block.again = block.head  # one submodule under two names
    names = [name for name, _ in block.named_parameters()]
    assert names == ["scale", "stages.0.W", "stages.0.b", "stages.2.W", "stages.2.b", "head.W", "head.b", "offset"]


def test_operations_on_parameters_give_plain_tensors() -> None:
    w = nn.Parameter(np.ones((2, 2)))
    assert w.requires_grad
    for result in (w * 2, w.T, w @ w, w.relu()):
        assert type(result) is Tensor


def test_zero_grad_train_and_eval() -> None:
    block = Block()
    block(Tensor(np.ones((4, 2), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())
    assert block.eval() is block
    assert [name for name, _ in block.named_modules()] == ["", "stages.0", "stages.1", "stages.2", "head"]
    assert not block.training and not block.stages[1].training and not block.head.training
    block.train()
    assert block.training and block.stages[1].training


def test_state_dict_is_a_snapshot() -> None:
    mlp = nn.MLP([3, 2], dtype=np.float64, rng=0)
    state = mlp.state_dict()
    assert list(state) == ["layers.0.W", "layers.0.b"]
    mlp[0].W.data[...] = 5
    assert not (state["layers.0.W"] == 5).any()


@pytest.mark.parametrize("filename", ["model.npz", "model"])
def test_save_and_load_round_trip(tmp_path: Path, filename: str) -> None:
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    trained, fresh = nn.MLP([4, 8, 3], rng=0), nn.MLP([4, 8, 3], rng=1)
    assert not np.array_equal(trained(x).data, fresh(x).data)
    path = trained.save(tmp_path / filename)
    assert path == tmp_path / "model.npz" and path.exists()
    W = fresh[0].W.data
    fresh.load(tmp_path / filename)
    assert fresh[0].W.data is W  # loaded in place: references stay live
    np.testing.assert_array_equal(trained(x).data, fresh(x).data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("layers.2.b"), r"missing keys \['layers.2.b'\]"),
        (lambda s: s.update(extra=np.zeros(1)), r"unexpected keys \['extra'\]"),
        (
            lambda s: s.update({"layers.0.W": np.zeros((3, 4))}),
            r"'layers.0.W' has shape \(3, 4\), the parameter \(4, 3\)",
        ),
    ],
    ids=["missing", "extra", "shape"],
)
def test_load_state_dict_refuses_mismatches_and_changes_nothing(change: object, message: str) -> None:
    mlp = nn.MLP([4, 3, 2], rng=0)
    before = mlp.state_dict()
    state = nn.MLP([4, 3, 2], rng=1).state_dict()
    change(state)
    with pytest.raises(ValueError, match=message):
        mlp.load_state_dict(state)
    for name, value in mlp.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_affine_shapes_dtypes_and_inputs() -> None:
    layer = nn.Linear(6, 4, rng=0)
    assert nn.Linear is nn.Affine
    assert layer.W.shape == (6, 4) and layer.b.shape == (4,) and layer.W.dtype == np.float32
    out = layer(np.ones((2, 6)))  # an ndarray (float64) is taken as a float32 constant
    assert type(out) is Tensor and out.dtype == np.float32 and out.shape == (2, 4)
    assert layer(np.ones((2, 2, 3))).shape == (2, 4)  # images are flattened
    assert nn.Affine(6, 4, dtype=np.float64).W.dtype == np.float64


def test_mlp_layers_and_activations() -> None:
    mlp = nn.MLP([5, 4, 3, 2], activation="sigmoid", rng=0)
    assert [type(layer) for layer in mlp] == [nn.Affine, nn.Sigmoid, nn.Affine, nn.Sigmoid, nn.Affine]
    assert [type(layer) for layer in nn.MLP([5, 4, 2], activation=nn.ReLU)] == [nn.Affine, nn.ReLU, nn.Affine]
    with pytest.raises(ValueError, match="unknown activation"):
        nn.MLP([5, 2, 2], activation="swish")
    with pytest.raises(ValueError, match="at least"):
        nn.MLP([5])


def test_mlp_is_reproducible_from_a_seed() -> None:
    a, b, c = nn.MLP([4, 3, 2], rng=5), nn.MLP([4, 3, 2], rng=5), nn.MLP([4, 3, 2], rng=6)
    for layer in (0, 2):
        np.testing.assert_array_equal(a[layer].W.data, b[layer].W.data)
        assert not np.array_equal(a[layer].W.data, c[layer].W.data)
    assert not np.array_equal(a[0].W.data[:3, :2], a[2].W.data)  # one generator, fresh draws per layer


@pytest.mark.parametrize(
    ("spec", "std"),
    [(0.01, 0.01), ("he", np.sqrt(2 / 400)), ("relu", np.sqrt(2 / 400)), ("xavier", np.sqrt(1 / 400))],
)
def test_initialisers_have_the_stated_spread(spec: float | str, std: float) -> None:
    weights = init.get(spec)((400, 300), np.random.default_rng(0))
    assert weights.shape == (400, 300)
    assert weights.std() == pytest.approx(std, rel=0.02)  # 120,000 draws: sampling error ~0.2%
    assert abs(weights.mean()) < std / 50


def test_initialiser_spec_errors_and_callables() -> None:
    with pytest.raises(ValueError, match="unknown initialiser"):
        init.get("glorot-ish")
    ones = lambda shape, rng: np.ones(shape)
    assert init.get(ones) is ones
    np.testing.assert_array_equal(nn.Affine(2, 2, init=ones).W.data, np.ones((2, 2)))


def test_sequential_and_repr() -> None:
    mlp = nn.MLP([784, 50, 10], rng=0)
    assert len(mlp) == 3 and isinstance(mlp[1], nn.ReLU)
    assert "Affine(784 → 50, dtype=float32)" in repr(mlp)


def test_nn_data_is_imported_on_first_use() -> None:
    """``import nn`` leaves the MNIST loader unloaded; ``nn.data`` loads it (checked in a fresh interpreter)."""
    probe = ("import sys; from scratchgrad import nn; print('scratchgrad.nn.data' in sys.modules); nn.data; "
             "print('scratchgrad.nn.data' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["False", "True"]
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = nn.nothing
