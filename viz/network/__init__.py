"""The network view: what one example wants of a trained MLP, and how the wishes add up to SGD.

`explain` runs one forward and one backward pass on the engine and keeps, for every layer, the
activations and each example's desired nudges ``−∂L/∂a``; the drawing functions only draw those
numbers. `gd_vs_sgd` measures full-batch GD against mini-batch SGD on a 2-D slice of the net.

    from scratchgrad.viz.network import network, save
    fig = network(net, x_test[0], t_test[0], edges="grad", lang="en")   # also viz.network(...)
    save(fig, Path("out"), "view")   # view.png and view.svg; or fig.savefig(...)
"""

from scratchgrad.viz.network.batch import batch
from scratchgrad.viz.network.descent import gd_vs_sgd
from scratchgrad.viz.network.draw import network
from scratchgrad.viz.network.neurons import neurons
from scratchgrad.viz.network.page import page
from scratchgrad.viz.network.paths import descent_figure
from scratchgrad.viz.network.sensitivity import ranking
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
    "descent_figure",
    "explain",
    "gd_vs_sgd",
    "is_untrained",
    "mlp_layers",
    "network",
    "neurons",
    "page",
    "ranking",
    "save",
]
