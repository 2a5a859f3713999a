"""`viz.network.network`: the numbers drawn on the slide are the engine's, checked against the book's layers."""

from __future__ import annotations

import re
import warnings
import xml.dom.minidom

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from scratchgrad import nn, viz
from scratchgrad.nn import manual
from scratchgrad.viz.network import explain, network, ranking, save
from scratchgrad.viz.network.sensitivity import parameter_names
from scratchgrad.viz.network.style import hangul_font


def trained_pair(seed: int = 0) -> tuple[nn.TwoLayerNet, manual.TwoLayerNet]:
    """A 16-6-4 net on 4×4 images with non-trivial weights (biases set: a "trained" net), and its manual twin."""
    auto = nn.TwoLayerNet(16, 6, 4, weight_init_std=0.5, dtype=np.float64, rng=seed)
    book = manual.TwoLayerNet(16, 6, 4, dtype=np.float64, rng=seed)
    rng = np.random.default_rng(seed + 1)
    for name in auto.params:
        if name.startswith("b"):
            auto.params[name] = 0.3 * rng.standard_normal(auto.params[name].shape)
        book.params[name] = auto.params[name]
    return auto, book


def example(seed: int = 5) -> tuple[np.ndarray, int]:
    return np.random.default_rng(seed).random(16), 2


def by_gid(fig: Figure, prefix: str) -> dict[str, object]:
    found = fig.findobj(lambda a: (a.get_gid() or "").startswith(prefix))
    return {a.get_gid(): a for a in found}


def book_wishes(book: manual.TwoLayerNet, x: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y, t − y and the hidden −∂L/∂a, −∂L/∂h for one example, by the book's hand-written backward."""
    book.loss(x[np.newaxis], np.array([t]))
    d_a2 = book.last_layer.backward()
    d_h1 = book.layers[2].backward(d_a2)
    d_a1 = book.layers[1].backward(d_h1)
    return book.last_layer.y[0], -d_a2[0], (-d_a1[0], -d_h1[0])


def test_drawn_outputs_are_softmax_and_t_minus_y():
    auto, book = trained_pair()
    x, t = example()
    fig = network(auto, x, t, lang="en")
    y, wish, _ = book_wishes(book, x, t)
    texts = by_gid(fig, "y:")
    assert [texts[f"y:{k}"].get_text() for k in range(4)] == [f"{p:.4f}" for p in y]
    wish_texts = by_gid(fig, "wish_text:")
    drawn = np.array([float(wish_texts[f"wish_text:{k}"].get_text()) for k in range(4)])
    np.testing.assert_allclose(drawn, wish, rtol=5e-4)  # four significant digits
    assert wish[t] > 0 and np.all(np.delete(wish, t) < 0)  # the target wants up, every other output down
    bars = by_gid(fig, "wish:")
    widths = np.array([bars[f"wish:{k}"].get_width() for k in range(4)])
    np.testing.assert_allclose(widths / np.abs(widths).max(), wish / np.abs(wish).max(), rtol=1e-9)


def test_drawn_hidden_bars_are_the_wishes_through_w2_and_the_relu_mask():
    auto, book = trained_pair()
    x, t = example()
    fig = network(auto, x, t, lang="en")
    _, _, (wish_a, wish_h) = book_wishes(book, x, t)
    filled, outline = by_gid(fig, "nudge:1:"), by_gid(fig, "nudge_out:1:")
    a = np.array([filled[f"nudge:1:{j}"].get_width() for j in range(6)])
    h = np.array([outline[f"nudge_out:1:{j}"].get_width() for j in range(6)])
    scale = max(np.abs(wish_a).max(), np.abs(wish_h).max())
    top = max(np.abs(a).max(), np.abs(h).max())
    np.testing.assert_allclose(a / top, wish_a / scale, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(h / top, wish_h / scale, rtol=1e-9, atol=1e-15)
    off = book.layers[1].mask[0]
    assert off.any() and not off.all(), "the example should have neurons on and off"
    assert np.all(a[off] == 0) and np.any(h[off] != 0)  # a neuron that is off wants, but the mask passes nothing


def test_ranked_list_is_the_largest_gradients_of_net_gradient():
    auto, _ = trained_pair()
    x, t = example()
    grads = auto.gradient(x[np.newaxis], np.array([t]))
    flat = np.concatenate([grads[name].ravel() for name in ("W1", "b1", "W2", "b2")])
    order = np.argsort(-np.abs(flat), kind="stable")[:10]
    median = np.median(np.abs(flat[flat != 0]))
    fig = network(auto, x, t, lang="en")
    cells = [a.get_gid().split(":", 2) for a in fig.findobj(Text) if (a.get_gid() or "").startswith("rank:")]
    rows: dict[int, list[str]] = {}
    for _, rank, cell in cells:
        rows.setdefault(int(rank), []).append(cell)
    assert sorted(rows) == list(range(1, 11))
    for rank, position in enumerate(order, start=1):
        _, name, derivative, ratio = rows[rank]
        assert float(derivative) == pytest.approx(flat[position], rel=5e-4)
        assert float(ratio.rstrip("×").replace(",", "")) == pytest.approx(abs(flat[position]) / median, rel=0.06)
    # names: W1[x(r,c)→hj] is the weight from pixel (r, c) to hidden neuron j
    rows_, median_, zeros, total = ranking(network_wishes := explain(auto, x, t))
    assert median_ == median and total == flat.size and zeros == int((flat == 0).sum())
    for name, derivative, _ in rows_:
        match = re.fullmatch(r"W1\[x\((\d),(\d)\)→h(\d)\]", name)
        if match:
            r, c, j = map(int, match.groups())
            assert derivative == grads["W1"][4 * r + c, j]
    assert parameter_names(network_wishes)[2][2](5) == "W2[h1→1]"  # flat index 5 of a 6×4 W2: row 1, column 1


@pytest.mark.parametrize("edges", ["weight", "grad"])
def test_only_the_strongest_k_edges_into_each_neuron_are_drawn(edges):
    auto, book = trained_pair()
    x, t = example()
    fig = network(auto, x, t, edges=edges, top_k=3, lang="en")
    collections = [c for c in fig.findobj(LineCollection) if (c.get_gid() or "").startswith("edges:")]
    into_hidden, into_output = (len(c.get_segments()) for c in collections)
    book_wishes(book, x, t)
    off = book.layers[1].mask[0]  # the hidden neurons that are off for this example
    if edges == "weight":
        assert (into_hidden, into_output) == (3 * 6, 3 * 4)
    else:  # a neuron that is off gets no gradient, so no edge; nor does an edge from it
        on = int((~off).sum())
        assert into_hidden == 3 * on
        assert into_output == min(3, on) * 4


def test_an_untrained_net_says_so_in_the_title():
    net = nn.TwoLayerNet(16, 6, 4, rng=0)
    x, t = example()
    texts = [a.get_text() for a in network(net, x, t, lang="en").findobj(Text)]
    assert any("UNTRAINED" in text for text in texts)
    trained, _ = trained_pair()
    assert not any("UNTRAINED" in a.get_text() for a in network(trained, x, t, lang="en").findobj(Text))


def test_an_mlp_with_two_sigmoid_layers_draws():
    net = nn.MLP([16, 8, 5, 3], activation="sigmoid", dtype=np.float64, rng=0)
    net.layers[0].b.data[:] = 0.1
    fig = network(net, example()[0], 1, lang="en")
    assert len(by_gid(fig, "nudge:2:")) == 5 and len(by_gid(fig, "wish:")) == 3


def test_a_wide_layer_shows_the_neurons_that_want_most():
    net = nn.MLP([16, 80, 4], dtype=np.float64, rng=0)
    wishes = explain(net, example()[0], 1)
    fig = network(net, example()[0], 1, lang="en")
    shown = sorted(int(gid.rsplit(":", 1)[1]) for gid in by_gid(fig, "nudge_out:1:"))
    assert len(shown) == 60
    strength = np.abs(wishes.layers[0].nudge_out[0])
    assert strength[shown].min() >= np.delete(strength, shown).max()


def test_before_training_row_needs_the_nets_own_state_dict():
    auto, _ = trained_pair()
    x, t = example()
    initial = auto.state_dict()
    fig = network(auto, x, t, initial=initial, lang="en")
    assert sum(a.get_text() == "before\ntraining" for a in fig.findobj(Text)) == 1
    with pytest.raises(ValueError, match=r"initial has no 'layers\.0\.W'"):
        network(auto, x, t, initial={"W1": initial["layers.0.W"]})
    with pytest.raises(ValueError, match=r"initial\['layers\.0\.W'\] has shape \(3, 6\)"):
        network(auto, x, t, initial={**initial, "layers.0.W": np.zeros((3, 6))})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"edges": "both"}, r"edges must be one of weight, grad, got 'both'"),
        ({"top_k": 0}, r"top_k must be an integer from 1 to 20, got 0"),
        ({"top_k": 2.5}, r"top_k must be an integer"),
        ({"top_k": True}, r"top_k must be an integer"),
        ({"lang": "fr"}, r"lang must be one of ko, en, got 'fr'"),
    ],
)
def test_bad_options_are_refused_by_name(kwargs, message):
    auto, _ = trained_pair()
    with pytest.raises(ValueError, match=message):
        network(auto, *example(), **kwargs)


def test_a_batch_or_a_non_square_input_is_refused():
    auto, _ = trained_pair()
    with pytest.raises(ValueError, match=r"draws one image, got 3; use viz\.network\.batch\(\)"):
        network(auto, np.zeros((3, 16)), [0, 1, 2])
    flat = nn.MLP([10, 4, 3], rng=0)
    with pytest.raises(ValueError, match=r"the input has 10 values, not a square image"):
        network(flat, np.zeros(10), 0)


def test_user_text_is_escaped_in_the_svg(tmp_path):
    auto, _ = trained_pair()
    note = "</svg><script>alert(1)</script> -- & <b>"
    fig = network(auto, *example(), note=note, lang="en")
    _, svg = save(fig, tmp_path, "view")
    content = svg.read_text()
    assert "<script>" not in content and "<b>" not in content
    xml.dom.minidom.parseString(content)  # still well-formed XML


def test_korean_labels_have_every_glyph(tmp_path):
    if hangul_font() is None:
        pytest.skip("no font with Hangul installed (e.g. apt install fonts-nanum)")
    auto, _ = trained_pair()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for tofu
        fig = network(auto, *example(), lang="ko", edges="grad", initial=auto.state_dict())
        png, svg = save(fig, tmp_path, "view")
    assert png.read_bytes().startswith(b"\x89PNG") and svg.read_text().lstrip().startswith("<?xml")
    assert any("이미지" in a.get_text() for a in fig.findobj(Text))


def test_hidden_bars_are_rectangles_on_one_zero_line():
    auto, _ = trained_pair()
    fig = network(auto, *example(), lang="en")
    bars = list(by_gid(fig, "nudge:1:").values())
    assert all(isinstance(bar, Rectangle) for bar in bars)
    assert len({bar.get_x() for bar in bars}) == 1


def test_viz_exports_network():
    assert viz.network is network  # viz.network(net, x, t), as the issue spells it


def test_neurons_draws_each_first_layer_column_before_and_after():
    from scratchgrad.viz.network import neurons

    net = nn.TwoLayerNet(16, 6, 4, rng=0)
    initial = net.state_dict()
    untrained_fig = neurons(net, lang="en")
    assert any("UNTRAINED" in a.get_text() for a in untrained_fig.findobj(Text))
    net.params["W1"] = net.params["W1"] + 1.0
    net.params["b1"] = np.ones(6)
    fig = neurons(net, initial, lang="en")
    pictures = [image.get_array() for ax in fig.axes for image in ax.images]
    assert len(pictures) == 12  # six neurons, before and after
    for j in range(6):
        np.testing.assert_array_equal(pictures[j], initial["layers.0.W"][:, j].reshape(4, 4))
        np.testing.assert_array_equal(pictures[6 + j], net.params["W1"][:, j].reshape(4, 4))
    assert not any("UNTRAINED" in a.get_text() for a in fig.findobj(Text))
    with pytest.raises(ValueError, match="not a square image"):
        neurons(nn.MLP([10, 4, 3], rng=0))


def test_importing_viz_does_not_import_matplotlib():
    """viz exports network(), but a Graphviz drawing must not pay matplotlib's import (~1 s here)."""
    import subprocess
    import sys

    probe = "import sys, scratchgrad.viz; print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_a_net_without_hidden_layers_draws_its_outputs_only():
    net = nn.MLP([16, 4], dtype=np.float64, rng=0)
    net.layers[0].b.data[:] = 0.1
    fig = network(net, example()[0], 1, lang="en")
    texts = " ".join(a.get_text() for a in fig.findobj(Text))
    assert len(by_gid(fig, "wish:")) == 4 and not by_gid(fig, "nudge:")
    assert "None" not in texts and "hidden neurons" not in texts
