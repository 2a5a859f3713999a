"""How much one example's cost depends on each parameter: the ranked |∂L/∂θ| of the network view.

The lectures' point — a weight whose derivative is 3.2 moves the cost 32 times as much as one
whose derivative is 0.1 — as numbers: every W and b entry by its book name, the largest
|∂L/∂θ|, and each one's ratio to the typical (median nonzero) one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchgrad.viz.network.wishes import Wishes

RANKED = 10  # rows of the ranked list


def parameter_names(wishes: Wishes) -> list[tuple[str, np.ndarray, Any]]:
    """(book name, gradient, function from a flat index to an entry's name) for every W and b."""
    side, hidden = wishes.side, len(wishes.layers) - 1

    def neuron(layer: int, j: int) -> str:  # layer 0 is the input, len(layers) the output
        if layer == 0:
            r, c = divmod(j, side)
            return f"x({r},{c})"
        if layer == len(wishes.layers):
            return str(j)
        return f"h{j}" if hidden == 1 else f"h{layer}.{j}"

    named = []
    for i, layer in enumerate(wishes.layers, start=1):
        n_out = layer.weight.shape[1]
        named.append((f"W{i}", layer.weight_grad,
                      lambda flat, i=i, n_out=n_out: f"W{i}[{neuron(i - 1, flat // n_out)}→{neuron(i, flat % n_out)}]"))
        named.append((f"b{i}", layer.bias_grad, lambda flat, i=i: f"b{i}[{neuron(i, flat)}]"))
    return named


def ranking(wishes: Wishes, count: int = RANKED) -> tuple[list[tuple[str, float, float]], float, int, int]:
    """The ``count`` parameters with the largest |∂L/∂θ|: (name, ∂L/∂θ, ratio to the median nonzero one).

    Also returns that median, how many derivatives are exactly zero, and how many there are. The
    median of all of them would be 0 for MNIST: most pixels are black, and a pixel's weights get
    no gradient, nor do the weights into a ReLU that is off.
    """
    named = parameter_names(wishes)
    flat = np.concatenate([np.ravel(g) for _, g, _ in named])
    magnitude = np.abs(flat)
    nonzero = magnitude[magnitude > 0]
    median = float(np.median(nonzero)) if nonzero.size else 0.0
    order = np.argsort(-magnitude, kind="stable")[:count]
    offsets = np.cumsum([0] + [g.size for _, g, _ in named])
    rows = []
    for position in order:
        if magnitude[position] == 0:
            break
        which = int(np.searchsorted(offsets, position, side="right") - 1)
        _, _, name_of = named[which]
        rows.append((name_of(int(position - offsets[which])), float(flat[position]),
                     float(magnitude[position] / median)))
    return rows, median, int(flat.size - nonzero.size), int(flat.size)
