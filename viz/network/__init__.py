"""The network view: what one example wants of a trained MLP, and how the wishes add up to SGD.

`explain` runs one forward and one backward pass on the engine and keeps, for every layer, the
activations and each example's desired nudges ``−∂L/∂a``; the drawing functions only draw those
numbers.
"""

from scratchgrad.viz.network.batch import batch
from scratchgrad.viz.network.draw import network, ranking
from scratchgrad.viz.network.neurons import neurons
from scratchgrad.viz.network.style import save
from scratchgrad.viz.network.wishes import (
    AverageCheck,
    LayerWishes,
    Wishes,
    average_check,
    explain,
    is_untrained,
    mlp_layers,
)

__all__ = [
    "AverageCheck",
    "LayerWishes",
    "Wishes",
    "average_check",
    "batch",
    "explain",
    "is_untrained",
    "mlp_layers",
    "network",
    "neurons",
    "ranking",
    "save",
]
