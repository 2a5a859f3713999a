"""Optimizers of the book's chapter 6, PyTorch-style: built from a list of parameter tensors.

`Optimizer.step` loops over the parameters once and skips those without a
gradient; each subclass writes only its update rule, ``update(param, grad,
state)``, on raw arrays. Updates are in place — ``param`` is the tensor's own
``.data``, so ``net.params`` and every other reference see the new values —
and the stateful rules also keep their state arrays in place, working in one
scratch buffer per parameter: after the first step they allocate nothing.

Defaults are those of the book's ``common/optimizer.py``, ``eps`` included.
PyTorch's options sit beside the book's: ``SGD(momentum=…)`` is PyTorch's
momentum (`Momentum` stays the book's), ``Adam(betas=…)`` beside beta1/beta2,
and every optimizer saves and restores itself with ``state_dict()`` /
``load_state_dict()`` in PyTorch's layout.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from scratchgrad.autograd import Tensor, versions

State = dict[str, Any]
# The per-parameter work buffer of the in-place updates: not state (its contents never
# carry over from one step to the next), so it is left out of state_dict() and remade on load.
_SCRATCH = "scratch"


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
                # The slot itself: a read through a watched leaf's .data would copy it, and
                # the bump below tells every older graph anyway.
                self.update(versions.data_of(p), p.grad, state)
                stepped.append(p)
        versions.bump(*stepped)  # graphs recorded before this step can no longer backpropagate

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        raise NotImplementedError

    # The constructor's keyword arguments that state_dict() saves; a subclass lists its own.
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr",)

    def state_dict(self) -> dict[str, Any]:
        """A snapshot (copies) of the hyperparameters and of each parameter's state, in PyTorch's layout.

        ``{"state": {index: {name: array or step count}}, "param_groups": [{"lr": …, …,
        "params": [0, 1, …]}]}``: parameters are named by their position in the
        list the optimizer was built from; those that never had a gradient have no entry.
        """
        group: dict[str, Any] = {name: getattr(self, name) for name in self.hyperparameters}
        group["params"] = list(range(len(self.params)))
        states = {
            i: {key: np.array(value) if isinstance(value, np.ndarray) else value
                for key, value in state.items() if key != _SCRATCH}
            for i, state in enumerate(self.state)
            if state
        }
        return {"state": states, "param_groups": [group]}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and per-parameter state from `state_dict` (copied, checked first).

        Training then continues exactly as it would have without the interruption.
        The optimizer must be built on the same parameters, in the same order;
        nothing changes unless everything fits.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{where}: a state_dict has the keys 'state' and 'param_groups' (from state_dict())")
        groups = state_dict["param_groups"]
        if len(groups) != 1:
            raise ValueError(f"{where}: one parameter group, got {len(groups)}")
        hyper = {key: value for key, value in groups[0].items() if key != "params"}
        if sorted(hyper) != sorted(self.hyperparameters):
            raise ValueError(
                f"{where}: the state_dict has hyperparameters {sorted(hyper)}, {type(self).__name__} takes "
                f"{sorted(self.hyperparameters)}: is it from another optimizer?"
            )
        if len(groups[0].get("params", ())) != len(self.params):
            raise ValueError(
                f"{where}: the state_dict is for {len(groups[0].get('params', ()))} parameters, "
                f"this optimizer has {len(self.params)}"
            )
        states = [self._loaded_state(i, state_dict["state"].get(i), where) for i in range(len(self.params))]
        unknown = sorted(set(state_dict["state"]) - set(range(len(self.params))), key=str)
        if unknown:
            raise ValueError(
                f"{where}: the state_dict has state for parameter {unknown[0]}, "
                f"this optimizer has {len(self.params)} parameters"
            )
        # The values go through the constructor's own checks; its attributes are then taken over
        # as it made them (Adam keeps betas as beta1 and beta2).
        checked = type(self)(self.params, **hyper)
        vars(self).update({key: value for key, value in vars(checked).items() if key not in ("params", "state")})
        self.state = states

    def _loaded_state(self, index: int, saved: Mapping[str, Any] | None, where: str) -> State:
        """A copy of one parameter's saved state, each array checked against the parameter's shape."""
        if not saved:
            return {}
        param = self.params[index].data
        state: State = {}
        for key, value in saved.items():
            if np.ndim(value) == 0:  # a count such as Adam's t
                state[key] = value.item() if isinstance(value, np.generic | np.ndarray) else value
                continue
            if np.shape(value) != param.shape:
                raise ValueError(
                    f"{where}: state of parameter {index}: {key!r} has shape {np.shape(value)}, "
                    f"the parameter {param.shape}"
                )
            state[key] = np.array(value, dtype=param.dtype)
        state[_SCRATCH] = np.zeros_like(param)
        return state


def _buffers(state: State, like: np.ndarray, *names: str) -> list[np.ndarray]:
    """The named state arrays, created as zeros shaped like ``like`` on the first step."""
    if not state:
        state.update({name: np.zeros_like(like) for name in names})
    return [state[name] for name in names]


class SGD(Optimizer):
    """``W ← W − lr·∂L/∂W``; with ``momentum`` μ, PyTorch's SGD with momentum.

    ``b ← μ·b + (1 − dampening)·g`` (``b = g`` on the first step), then
    ``W ← W − lr·b``, or with ``nesterov`` ``W ← W − lr·(g + μ·b)`` — PyTorch's
    definition, weight decay aside. For a constant ``lr`` this is the book's
    `Momentum` (its velocity is ``v = −lr·b``) up to rounding; they part ways
    when ``lr`` changes during training, since PyTorch's buffer holds gradients
    and the book's velocity holds steps.
    """

    hyperparameters = ("lr", "momentum", "dampening", "nesterov")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if momentum < 0:
            raise ValueError(f"SGD: momentum must be >= 0, got {momentum}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"SGD: Nesterov momentum needs momentum > 0 and dampening 0, got {momentum} and {dampening}"
            )
        super().__init__(params, lr)
        self.momentum, self.dampening, self.nesterov = momentum, dampening, nesterov

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        if not self.momentum:
            param -= self.lr * grad
            return
        first = not state
        b, scratch = _buffers(state, param, "momentum_buffer", _SCRATCH)
        if first:
            b[...] = grad
        else:
            b *= self.momentum
            b += np.multiply(grad, 1 - self.dampening, out=scratch)
        if self.nesterov:
            np.multiply(b, self.momentum, out=scratch)
            scratch += grad
            scratch *= self.lr
        else:
            np.multiply(b, self.lr, out=scratch)
        param -= scratch


class Momentum(Optimizer):
    """``v ← momentum·v − lr·∂L/∂W;  W ← W + v`` (the book's form: v is a velocity)."""

    hyperparameters = ("lr", "momentum")

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(params, lr)
        self.momentum = momentum

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        v, scratch = _buffers(state, param, "v", _SCRATCH)
        v *= self.momentum
        v -= np.multiply(grad, self.lr, out=scratch)
        param += v


class AdaGrad(Optimizer):
    """``h ← h + g²;  W ← W − lr·g / (√h + eps)``: each weight's step shrinks with its history."""

    hyperparameters = ("lr", "eps")

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(params, lr)
        self.eps = eps

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        h, scratch = _buffers(state, param, "h", _SCRATCH)
        h += np.multiply(grad, grad, out=scratch)
        _scaled_step(param, grad, h, self.lr, self.eps, scratch)


class RMSprop(Optimizer):
    """``h ← ρ·h + (1 − ρ)·g²;  W ← W − lr·g / (√h + eps)``: AdaGrad that forgets old gradients."""

    hyperparameters = ("lr", "decay_rate", "eps")

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7) -> None:
        super().__init__(params, lr)
        self.decay_rate, self.eps = decay_rate, eps

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        h, scratch = _buffers(state, param, "h", _SCRATCH)
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
    ``eps`` is the book's 1e-7 (the paper and PyTorch use 1e-8). The betas are the
    book's ``beta1``/``beta2`` or PyTorch's pair ``betas=(β₁, β₂)`` (0.9, 0.999 by default).
    """

    hyperparameters = ("lr", "betas", "eps")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        beta1: float | None = None,
        beta2: float | None = None,
        eps: float = 1e-7,
        betas: tuple[float, float] | None = None,
    ) -> None:
        if betas is not None:
            if beta1 is not None or beta2 is not None:
                raise TypeError("Adam: give betas=(beta1, beta2) or beta1/beta2, not both")
            if not isinstance(betas, Iterable) or len(pair := tuple(betas)) != 2:
                raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
            beta1, beta2 = pair
        beta1, beta2 = (0.9 if beta1 is None else beta1), (0.999 if beta2 is None else beta2)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not isinstance(beta, numbers.Real):
                raise TypeError(f"Adam: {name} must be a number, got {beta!r}; PyTorch's pair is betas={beta!r}")
            if not 0 <= beta < 1:  # β = 1 would divide by 1 − βᵗ = 0
                raise ValueError(f"Adam: {name} must be in [0, 1), got {beta}")
        super().__init__(params, lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    @property
    def betas(self) -> tuple[float, float]:
        """PyTorch's name for ``(beta1, beta2)``."""
        return self.beta1, self.beta2

    def update(self, param: np.ndarray, grad: np.ndarray, state: State) -> None:
        m, v, scratch = _buffers(state, param, "m", "v", _SCRATCH)
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
