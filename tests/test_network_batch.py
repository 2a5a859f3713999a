"""`viz.network.batch` and `average_check`: the mean of per-example gradients is the batch gradient training uses."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.text import Text

from scratchgrad import nn
from scratchgrad.autograd import relative_error
from scratchgrad.nn import manual
from scratchgrad.viz.network import average_check, batch, explain


def pair(seed: int = 0) -> tuple[nn.TwoLayerNet, manual.TwoLayerNet]:
    auto = nn.TwoLayerNet(16, 6, 4, weight_init_std=0.5, dtype=np.float64, rng=seed)
    book = manual.TwoLayerNet(16, 6, 4, dtype=np.float64, rng=seed)
    auto.params["b1"] = np.linspace(-0.3, 0.3, 6)
    for name in auto.params:
        book.params[name] = auto.params[name]
    return auto, book


def data(n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.random((n, 16)), rng.integers(0, 4, n)


def test_average_of_per_example_gradients_is_the_batch_gradient():
    auto, book = pair()
    x, t = data()
    checks = {c.name: c for c in average_check(auto, x, t)}
    assert list(checks) == ["W1", "b1", "mean wish 1", "W2", "b2", "mean wish 2"]
    for check in checks.values():
        assert check.max_diff <= 1e-12 * check.scale, check
    # and the batch gradient is the one training uses: net.gradient, and the book's layers
    wishes = explain(auto, x, t)
    for name, grads in [("engine", auto.gradient(x, t)), ("manual", book.gradient(x, t))]:
        assert relative_error(wishes.layers[0].weight_grad, grads["W1"]) <= 1e-12, name
        assert relative_error(wishes.layers[1].bias_grad, grads["b2"]) <= 1e-12, name


def test_average_check_catches_a_wrong_batch_gradient(monkeypatch):
    """If the batch's mean were taken twice (a classic 1/N² bug), the check would say so."""
    from scratchgrad.viz.network import wishes as module

    auto, _ = pair()
    x, t = data()
    real = module.explain

    def halved(net, images, labels):
        result = real(net, images, labels)
        if len(result.labels) == 1:
            return result
        layers = tuple(type(layer)(**{**vars(layer), "weight_grad": layer.weight_grad / len(result.labels)})
                       for layer in result.layers)
        return type(result)(labels=result.labels, layers=layers, loss=result.loss)

    monkeypatch.setattr(module, "explain", halved)
    checks = {c.name: c for c in module.average_check(auto, x, t)}
    assert checks["W1"].max_diff > 0.1 * checks["W1"].scale


def test_drawn_mean_column_and_check_are_the_engines_numbers():
    auto, book = pair()
    x, t = data()
    fig = batch(auto, x, t, lang="en")
    book.loss(x, t)
    mean_wish = -(book.last_layer.backward() * len(x)).mean(axis=0)  # mean of each example's t − y
    texts = {a.get_gid(): a.get_text() for a in fig.findobj(Text) if a.get_gid()}
    drawn = np.array([float(texts[f"mean:output:{k}"]) for k in range(4)])
    np.testing.assert_allclose(drawn, mean_wish, rtol=0.051)  # two significant digits
    checks = average_check(auto, x, t)
    for check in checks:
        assert f"{check.max_diff:.1e}" in texts[f"check:{check.name}"]
    assert "(float64)" in " ".join(a.get_text() for a in fig.findobj(Text))
    cells = {ax.get_gid(): ax.images[0].get_array() for ax in fig.axes if (ax.get_gid() or "").startswith("cells:")}
    wishes = explain(auto, x, t)
    for i in range(len(x)):
        np.testing.assert_array_equal(cells[f"cells:hidden:{i}"][:, 0], wishes.layers[0].nudge[i])
    np.testing.assert_allclose(cells["cells:hidden:mean"][:, 0], -wishes.layers[0].bias_grad, rtol=1e-12,
                               atol=1e-16)


@pytest.mark.parametrize("n", [1, 17])
def test_batch_sizes_outside_2_to_16_are_refused(n):
    auto, _ = pair()
    x, t = data(n)
    with pytest.raises(ValueError, match=rf"batch\(\) draws 2 to 16 images, got {n}"):
        batch(auto, x, t)
