"""Neural-network layers built on autograd, and the book's manual layers.

- `Module`, `Parameter` (nn/module.py): parameters found automatically, state_dict, save/load.
- Layers (nn/layers.py): `Affine` (= `Linear`), `ReLU`, `Sigmoid`, `Tanh`, `Sequential`; losses
  `CrossEntropyLoss` (= the book's `SoftmaxWithLoss`, fused) and `MSELoss`.
- `nn.functional` (``F``): PyTorch's relu, sigmoid, tanh, softmax, log_softmax, cross_entropy,
  mse_loss and linear.
- Models (nn/models.py): `MLP`, and `TwoLayerNet` with the book's interface.
- `nn.init`: initialisers; `nn.optim`: SGD (with PyTorch's momentum), Momentum (the book's), AdaGrad,
  RMSprop, Adam; each with ``state_dict()``/``load_state_dict()``.
- `nn.manual`: the book's hand-written forward/backward layers and its TwoLayerNet, plain NumPy.
- `nn.data`: MNIST, imported on first use (``nn.data`` or ``from scratchgrad.nn import data``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from scratchgrad.nn import functional, init, manual, optim
from scratchgrad.nn.layers import (
    Affine,
    CrossEntropyLoss,
    Linear,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxWithLoss,
    Tanh,
)
from scratchgrad.nn.models import MLP, TwoLayerNet
from scratchgrad.nn.module import Module, Parameter

__all__ = [
    "MLP",
    "Affine",
    "CrossEntropyLoss",
    "Linear",
    "MSELoss",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SoftmaxWithLoss",
    "Tanh",
    "TwoLayerNet",
    "functional",
    "init",
    "manual",
    "optim",
]


def __getattr__(name: str) -> ModuleType:
    """Import ``nn.data`` lazily: loading MNIST helpers is not needed to build a model."""
    if name == "data":
        return importlib.import_module("scratchgrad.nn.data")
    raise AttributeError(f"module 'scratchgrad.nn' has no attribute {name!r}")
