"""`Module` and `Parameter`: the PyTorch-style base that finds a model's parameters for you.

A module's parameters and submodules are simply its attributes (or lists and
tuples of them), found by scanning ``vars(self)`` in assignment order — so there
is no registration to forget, no ``super().__init__()`` to call, and the order
(hence ``parameters()``, ``state_dict()`` and saved files) is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from scratchgrad.autograd import Tensor, versions


class Parameter(Tensor):
    """A leaf tensor that a `Module` owns and an optimizer updates (``requires_grad=True``).

    The results of operations on a parameter are plain tensors, as in PyTorch,
    so intermediate values are never mistaken for parameters.
    """

    __slots__ = ()

    def __init__(self, data: Any, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(data, requires_grad=True, name=name, dtype=dtype)


class Module:
    """Base class of layers and models: ``module(x)`` calls ``forward(x)``.

    Parameter arrays are only ever updated in place (by optimizers and
    `load_state_dict`), never rebound, so references to ``p.data`` stay live.
    """

    training = True  # flipped per instance by train() / eval()
    title: str | None = None
    """The title of this module's box in drawings (`viz.module_boxes`); None: its class name."""

    # A tool may wrap every module call: hook(module, *args, **kwargs) runs in place of
    # forward (viz.module_boxes draws each call as a box). None costs one attribute check.
    call_hook: ClassVar[Callable[..., Any] | None] = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hook = Module.call_hook
        if hook is None:
            return self.forward(*args, **kwargs)
        return hook(self, *args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def _members(self) -> Iterator[tuple[str, Parameter | Module]]:
        """Direct parameters and submodules, by attribute name (list items as ``name.i``)."""
        for name, value in vars(self).items():
            if isinstance(value, list | tuple):
                for i, item in enumerate(value):
                    if isinstance(item, _MEMBER):
                        yield f"{name}.{i}", item
            elif isinstance(value, _MEMBER):
                yield name, value

    def _walk(self, prefix: str, seen: set[int]) -> Iterator[tuple[str, Parameter | Module]]:
        """Every parameter and submodule below this one, depth first in attribute order, each once."""
        for key, member in self._members():
            if id(member) not in seen:
                seen.add(id(member))
                yield prefix + key, member
                if isinstance(member, Module):
                    yield from member._walk(f"{prefix}{key}.", seen)

    def named_modules(self) -> Iterator[tuple[str, Module]]:
        """``("", self)``, then every submodule by dotted name; a shared one appears once."""
        yield "", self
        for name, member in self._walk("", {id(self)}):
            if isinstance(member, Module):
                yield name, member

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs in attribute order, depth first; a shared one appears once."""
        for name, member in self._walk("", {id(self)}):
            if isinstance(member, Parameter):
                yield name, member

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget all parameter gradients (``backward()`` adds to them)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Self:
        """Set the ``training`` flag of this module and every submodule; returns self."""
        for _, module in self.named_modules():
            module.training = mode
        return self

    def eval(self) -> Self:
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """A snapshot (copies) of every parameter by name: later training does not change it."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy ``state`` into the parameters, in place; checks every name and shape first.

        Nothing is changed unless the names match exactly and every shape fits.
        """
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        unexpected = [name for name in state if name not in params]
        problems = []
        if missing:
            problems.append(f"missing keys {missing}")
        if unexpected:
            problems.append(f"unexpected keys {unexpected}")
        for name, p in params.items():
            if name in state and np.shape(state[name]) != p.shape:
                problems.append(f"{name!r} has shape {np.shape(state[name])}, the parameter {p.shape}")
        if problems:
            raise ValueError(f"load_state_dict({type(self).__name__}): " + "; ".join(problems))
        for name, p in params.items():
            np.copyto(p.data, state[name], casting="same_kind")
        versions.bump(*params.values())  # graphs recorded before can no longer backpropagate

    def save(self, path: str | Path) -> Path:
        """Write ``state_dict()`` to an ``.npz`` file (the suffix is added when missing)."""
        path = _npz(path)
        np.savez(path, **self.state_dict())
        return path

    def load(self, path: str | Path) -> None:
        """Read parameters saved by `save` (same names and shapes required)."""
        with np.load(_npz(path)) as saved:
            self.load_state_dict(dict(saved))

    def __repr__(self) -> str:
        children = [f"  ({key}): {m!r}".replace("\n", "\n  ") for key, m in self._members() if isinstance(m, Module)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        return "\n".join([f"{type(self).__name__}(", *children, ")"])

    def extra_repr(self) -> str:
        """What ``repr`` shows inside the parentheses of a module without submodules."""
        return ""


_MEMBER = (Parameter, Module)


def _npz(path: str | Path) -> Path:
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
