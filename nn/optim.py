"""Optimizers of the book's chapter 6, PyTorch-style: built from a list of parameter tensors.

`Optimizer.step` loops over the parameters once and skips those without a
gradient; each subclass writes only its update rule, ``update(param, grad,
state)``, on raw arrays. Updates are in place — ``param`` is the tensor's own
``.data``, so ``net.params`` and every other reference see the new values —
and the stateful rules also keep their state arrays in place, working in one
scratch buffer per parameter: after the first step they allocate nothing.

Defaults are those of the book's ``common/optimizer.py``, ``eps`` included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from scratchgrad.autograd import Tensor, versions

State = dict[str, Any]


class Optimizer:
    """Holds the parameters and per-parameter state; subclasses define ``update``."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params = list(params)
        first_at: dict[int, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameters must be Tensors, got {type(p).__name__}")
            # By identity: stepped twice, a parameter would silently move twice as far.
            j = first_at.setdefault(id(p), i)
            if j != i:
                label = f"{p.name!r} of shape {p.shape}" if p.name else f"of shape {p.shape}"
                raise ValueError(
                    f"{type(self).__name__}: a parameter appears twice, {label}, at positions {j} and {i}; "
                    "pass each parameter once (e.g. net.parameters(), not overlapping lists joined)"
                )
        self.lr = lr
        self.state: list[State] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Forget the gradients (``backward()`` adds to them)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        stepped = []
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                self.update(p.data, p.grad, state)
                stepped.append(p)
        versions.bump(*stepped)  # graphs recorded before this step can no longer backpropagate

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        raise NotImplementedError


def _buffers(state: State, like: np.ndarray, *names: str) -> list[np.ndarray]:
    """The named state arrays, created as zeros shaped like ``like`` on the first step."""
    if not state:
        state.update({name: np.zeros_like(like) for name in names})
    return [state[name] for name in names]


class SGD(Optimizer):
    """``W ← W − lr·∂L/∂W``."""

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01) -> None:
        super().__init__(params, lr)

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        param -= self.lr * grad


class Momentum(Optimizer):
    """``v ← momentum·v − lr·∂L/∂W;  W ← W + v`` (the book's form: v is a velocity)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(params, lr)
        self.momentum = momentum

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        v, scratch = _buffers(state, param, "v", "scratch")
        v *= self.momentum
        v -= np.multiply(grad, self.lr, out=scratch)
        param += v


class AdaGrad(Optimizer):
    """``h ← h + g²;  W ← W − lr·g / (√h + eps)``: each weight's step shrinks with its history."""

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(params, lr)
        self.eps = eps

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        h, scratch = _buffers(state, param, "h", "scratch")
        h += np.multiply(grad, grad, out=scratch)
        _scaled_step(param, grad, h, self.lr, self.eps, scratch)


class RMSprop(Optimizer):
    """``h ← ρ·h + (1 − ρ)·g²;  W ← W − lr·g / (√h + eps)``: AdaGrad that forgets old gradients."""

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7) -> None:
        super().__init__(params, lr)
        self.decay_rate, self.eps = decay_rate, eps

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        h, scratch = _buffers(state, param, "h", "scratch")
        h *= self.decay_rate
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.decay_rate
        h += scratch
        _scaled_step(param, grad, h, self.lr, self.eps, scratch)


def _scaled_step(
    param: np.ndarray, grad: np.ndarray, h: np.ndarray, lr: float, eps: float, scratch: np.ndarray
) -> None:
    """``param -= lr · grad / (√h + eps)``, computed in ``scratch``."""
    np.sqrt(h, out=scratch)
    scratch += eps
    np.divide(grad, scratch, out=scratch)
    scratch *= lr
    param -= scratch


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with its bias correction written out, as in the paper and PyTorch.

    ``m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);
    W ← W − lr·m̂ / (√v̂ + eps)``, with ``t`` counted per parameter (steps it had a gradient).
    The book folds the corrections into the learning rate,
    ``lr_t = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ)`` and ``W ← W − lr_t·m / (√v + eps)``, which is the
    same update except that eps is effectively scaled by √(1 − β₂ᵗ). On the first step
    m̂ = g and v̂ = g², so every weight moves by lr·g/(|g| + eps) ≈ lr·sign(g).
    ``eps`` is the book's 1e-7 (the paper and PyTorch use 1e-8).
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-7,
    ) -> None:
        super().__init__(params, lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        m, v, scratch = _buffers(state, param, "m", "v", "scratch")
        t = state["t"] = state.get("t", 0) + 1
        beta1, beta2 = self.beta1, self.beta2
        m *= beta1
        m += np.multiply(grad, 1 - beta1, out=scratch)
        v *= beta2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - beta2
        v += scratch
        # scratch = √v̂ + eps, then the step lr·m̂ / scratch with m̂ = m / (1 − β₁ᵗ)
        np.divide(v, 1 - beta2**t, out=scratch)
        np.sqrt(scratch, out=scratch)
        scratch += self.eps
        np.divide(m, scratch, out=scratch)
        scratch *= self.lr / (1 - beta1**t)
        param -= scratch
