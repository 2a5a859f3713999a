"""`viz.network.page`: the self-contained HTML page carries the engine's numbers, escapes what it must, and runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.viz.network import explain, page


def snapshots(steps: int = 30) -> tuple[nn.TwoLayerNet, list, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((40, 16))
    t = x[:, :4].argmax(axis=1)
    net = nn.TwoLayerNet(16, 6, 4, weight_init_std=0.3, dtype=np.float64, rng=0)
    taken = [(0, net.state_dict())]
    optimizer = nn.optim.SGD(net.parameters(), lr=0.5)
    for i in range(1, steps + 1):
        optimizer.zero_grad()
        net.last_layer(net(x), t).backward()
        optimizer.step()
        if i in (10, steps):
            taken.append((i, net.state_dict()))
    return net, taken, x[:5], t[:5]


def data_of(path) -> dict:
    text = path.read_text()
    return json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)[1])


def test_the_page_holds_each_snapshots_wishes(tmp_path):
    net, taken, x, t = snapshots()
    final = {name: p.data.copy() for name, p in net.named_parameters()}
    path = page(net, taken, x, t, tmp_path / "p.html", indices=[10, 11, 12, 13, 14], lang="en")
    data = data_of(path)
    assert data["iterations"] == [0, 10, 30] and data["untrained"] == [True, False, False]
    assert data["names"] == [10, 11, 12, 13, 14] and data["labels"] == t.tolist()
    probe = nn.TwoLayerNet(16, 6, 4, dtype=np.float64)
    for (_, state), drawn in zip(taken, data["states"], strict=True):
        probe.load_state_dict(state)
        wishes = explain(probe, x, t)
        np.testing.assert_allclose(drawn["wish"], wishes.layers[1].nudge, rtol=5e-4, atol=1e-12)
        np.testing.assert_allclose(drawn["hwish"], wishes.layers[0].nudge, rtol=5e-4, atol=1e-12)
        np.testing.assert_allclose(drawn["probs"], wishes.probs, rtol=5e-4)
        np.testing.assert_allclose(drawn["losses"], wishes.example_losses(), rtol=5e-4)
    # the wishes shrink as the net learns, which is what the page lets a learner watch
    totals = [np.abs(np.array(s["wish"])).sum() for s in data["states"]]
    assert totals[0] > totals[1] > totals[2]
    for name, p in net.named_parameters():  # the caller's net is left as it was
        np.testing.assert_array_equal(p.data, final[name])


def test_user_text_cannot_close_the_script(tmp_path):
    net, taken, x, t = snapshots()
    note = "</script><script>alert(1)</script><!--"
    text = page(net, taken, x, t, tmp_path / "p.html", note=note).read_text()
    assert "<script>alert(1)" not in text and "<!--" not in text
    assert data_of(tmp_path / "p.html")["note"] == note  # the text survives, as data
    assert "http://" not in text and "https://" not in text  # self-contained: nothing to fetch


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"snapshots": []}, r"1 to 50 snapshots, got 0"),
        ({"indices": [1, 2]}, r"5 images need 5 indices, got 2"),
        ({"t": [0, 1, 2, 3, 9]}, r"label 9 is out of range"),
        ({"net": nn.MLP([16, 5, 5, 4])}, r"one hidden layer on square images"),
    ],
)
def test_bad_input_is_refused_by_name(change, message, tmp_path):
    net, taken, x, t = snapshots()
    arguments = {"net": net, "snapshots": taken, "x": x, "t": t, "indices": None} | change
    with pytest.raises(ValueError, match=message):
        page(arguments["net"], arguments["snapshots"], arguments["x"], arguments["t"], tmp_path / "p.html",
             indices=arguments["indices"])


def test_the_page_runs_in_a_headless_browser(tmp_path):
    browser = next((path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))),
                   None)
    if browser is None:
        pytest.skip("no chromium, chromium-browser or google-chrome on PATH to check the page in a browser")
    net, taken, x, t = snapshots()
    path = page(net, taken, x, t, tmp_path / "p.html", indices=[7, 8, 9, 10, 11], lang="en")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000", "--dump-dom",
               f"{path.as_uri()}#image=2&iter=0"]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    assert 'data-state="2,0"' in dom  # the script ran and opened the image and snapshot the link names
    assert "test image #9" in dom and "untrained" in dom
    assert len(re.findall(r"<li>", dom)) == 5  # the ranked parameters of that image
