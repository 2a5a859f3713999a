"""Weight initialisers (book ch. 6.2): a small normal, He, and Xavier.

An initialiser is a function ``(shape, rng) -> float64 array`` for a weight of
shape ``(fan_in, fan_out)``. Values are drawn in float64 from a NumPy
``Generator`` and cast by the layer, so the same seed gives the same weights
(up to rounding) in float32 and float64, and in the autograd and manual nets.
Plain NumPy: the manual layers use it too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Initializer = Callable[[tuple[int, ...], np.random.Generator], np.ndarray]
Seed = np.random.Generator | int | None


def normal(std: float = 0.01) -> Initializer:
    """N(0, std²) whatever the layer's size: the book's ``weight_init_std * randn`` (std 0.01)."""

    def draw(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return std * rng.standard_normal(shape)

    return draw


def he(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """N(0, 2/fan_in): keeps activations' scale through ReLU layers (He et al. 2015)."""
    return np.sqrt(2.0 / shape[0]) * rng.standard_normal(shape)


def xavier(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """N(0, 1/fan_in), the book's "Xavier" for sigmoid/tanh (Glorot's paper averages fan_in and fan_out)."""
    return np.sqrt(1.0 / shape[0]) * rng.standard_normal(shape)


def get(init: float | str | Initializer) -> Initializer:
    """An initialiser from a std (a number), a name (``"he"``/``"relu"``, ``"xavier"``/``"sigmoid"``) or itself.

    The names are the book's ``weight_init_std`` choices in ``MultiLayerNet``.
    """
    if callable(init):
        return init
    if isinstance(init, str):
        by_name = {"he": he, "relu": he, "xavier": xavier, "sigmoid": xavier}
        if init.lower() not in by_name:
            raise ValueError(f"unknown initialiser {init!r}; use a std, a function, or one of {sorted(by_name)}")
        return by_name[init.lower()]
    return normal(float(init))
