"""GD against SGD on a 2-D slice of the net: the slice, its gradients and the runs are the engine's, and the
figure's claim follows the measurements."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from matplotlib.text import Text

from scratchgrad import nn
from scratchgrad.viz.network.descent import Plane, SliceLoss, gd_vs_sgd
from scratchgrad.viz.network.paths import descent_figure, stagger


def trained(seed: int = 0) -> tuple[nn.TwoLayerNet, dict, dict, np.ndarray, np.ndarray]:
    """A 16-6-4 float64 net, its weights before and after 200 SGD steps, and the 300-example problem."""
    rng = np.random.default_rng(seed)
    x = rng.random((300, 16))
    t = (x[:, :4].argmax(axis=1)).astype(np.int64)  # learnable: the brightest of the first four pixels
    net = nn.TwoLayerNet(16, 6, 4, weight_init_std=0.3, dtype=np.float64, rng=seed)
    start = net.state_dict()
    optimizer = nn.optim.SGD(net.parameters(), lr=0.5)
    for _ in range(200):
        rows = rng.integers(0, len(x), 20)
        optimizer.zero_grad()
        net.last_layer(net(x[rows]), t[rows]).backward()
        optimizer.step()
    return net, start, net.state_dict(), x, t


def test_the_plane_goes_through_start_and_end_with_an_orthogonal_second_direction():
    net, start, end, _, _ = trained()
    plane = Plane(net, start, end, np.random.default_rng(1))
    plane.set(0, 0)
    for name, p in net.named_parameters():
        np.testing.assert_allclose(p.data, start[name], rtol=0, atol=1e-15)
    plane.set(1, 0)
    for name, p in net.named_parameters():
        np.testing.assert_allclose(p.data, end[name], rtol=1e-12, atol=1e-15)
    dot = sum(float(np.vdot(a, b)) for a, b in zip(plane.u, plane.v, strict=True))
    norms = [np.sqrt(sum(float(np.vdot(a, a)) for a in d)) for d in (plane.u, plane.v)]
    assert abs(dot) <= 1e-12 * norms[0] * norms[1]
    assert norms[1] == pytest.approx(norms[0], rel=1e-12)


def test_slice_loss_is_the_nets_loss_and_the_gradient_its_derivative():
    net, start, end, x, t = trained()
    plane = Plane(net, start, end, np.random.default_rng(1))
    loss_at = SliceLoss(plane, x, t)
    for u, v in [(0.0, 0.0), (0.7, -0.3), (1.2, 0.4)]:
        fast = loss_at(u, v)
        plane.set(u, v)
        assert fast == pytest.approx(net.loss(x, t), rel=1e-12)
        gradient = plane.gradient(x, t)
        h = 1e-5
        numeric = [(loss_at(u + h, v) - loss_at(u - h, v)) / (2 * h), (loss_at(u, v + h) - loss_at(u, v - h)) / (2 * h)]
        np.testing.assert_allclose(gradient, numeric, rtol=1e-7, atol=1e-9)


def test_gd_takes_full_gradient_steps_and_the_net_is_restored():
    net, start, end, x, t = trained()
    descent = gd_vs_sgd(net, x, t, start, end, batch_sizes=(1, 30), lr=0.2, seconds=0.05, seed=3, grid=5)
    for name, p in net.named_parameters():
        np.testing.assert_array_equal(p.data, end[name])
    gd, one, thirty = descent.runs
    assert gd.full and gd.batch_size == 300 and (one.batch_size, thirty.batch_size) == (1, 30)
    # replay GD's first two steps by hand on the same plane (same seed: the same random direction)
    plane = Plane(net, start, end, np.random.default_rng(3))
    uv = np.zeros(2)
    for step in (1, 2):
        plane.set(*uv)
        uv = uv - 0.2 * plane.gradient(x, t)
        np.testing.assert_allclose(gd.path[step], uv, rtol=1e-12)
    assert np.all(np.diff(gd.seconds) > 0) and gd.examples[-1] == 300 * (len(gd.path) - 1)
    assert descent.whole.loss.shape == (5, 5) and np.isfinite(descent.whole.loss).all()
    loss_at = SliceLoss(plane, x, t)
    assert descent.whole.loss[2, 3] == pytest.approx(loss_at(descent.whole.u[3], descent.whole.v[2]), rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_sizes": (0,)}, r"batch sizes must be integers from 1 to 299 .* got 0"),
        ({"batch_sizes": (300,)}, r"got 300"),
        ({"batch_sizes": (2.5,)}, r"got 2.5"),
        ({"lr": 0.0}, r"lr and seconds must be positive"),
        ({"seconds": -1.0}, r"lr and seconds must be positive"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    net, start, end, x, t = trained()
    with pytest.raises(ValueError, match=message):
        gd_vs_sgd(net, x, t, start, end, **kwargs)


def test_start_and_end_must_be_the_nets_state_dicts():
    net, start, end, x, t = trained()
    with pytest.raises(ValueError, match=r"start\['layers\.0\.W'\] is missing"):
        gd_vs_sgd(net, x, t, {"W1": start["layers.0.W"]}, end)
    with pytest.raises(ValueError, match="start and end are the same parameters"):
        gd_vs_sgd(net, x, t, end, end)


def fake_run(run, seconds, losses):
    return dataclasses.replace(run, seconds=np.array(seconds), losses=np.array(losses),
                               examples=np.arange(len(seconds)) * run.batch_size)


def test_the_title_claims_sgd_is_faster_only_when_the_numbers_say_so():
    net, start, end, x, t = trained()
    descent = gd_vs_sgd(net, x, t, start, end, batch_sizes=(10,), lr=0.2, seconds=0.05, grid=5)
    flat = dataclasses.replace(descent.whole, loss=np.full_like(descent.whole.loss, 10.0))
    gd, sgd = descent.runs
    slow_gd = fake_run(gd, [0, 0.5, 1.0], [2.0, 1.0, 0.5])
    for sgd_losses, claim, line in [
        ([2.0, 0.4, 0.3], True, "SGD, batch 10: within 5% of the best loss (≤ 0.315) after 20.0 ms"),
        ([2.0, 1.5, 0.9], False, "SGD, batch 10: never within 5% of the best loss (≤ 0.525)"),
    ]:
        runs = [slow_gd, fake_run(sgd, [0, 0.01, 0.02], sgd_losses)]
        fig = descent_figure(dataclasses.replace(descent, runs=runs, whole=flat, close=flat), lang="en")
        title = next(a.get_text() for a in fig.findobj(Text) if a.get_gid() == "title")
        assert ("gets there faster" in title) == claim, title
        summary = [a.get_text() for a in fig.findobj(Text) if (a.get_gid() or "").startswith("summary")]
        assert any(text.startswith(line) for text in summary), summary
        assert any(text.startswith("GD (all 300 per step): " + ("never" if claim else "within 5%")) for text in summary)


def test_stagger_is_path_length_over_distance():
    net, start, end, x, t = trained()
    run = gd_vs_sgd(net, x, t, start, end, batch_sizes=(10,), lr=0.2, seconds=0.02, grid=3).runs[0]
    zigzag = dataclasses.replace(run, path=np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]))
    assert stagger(zigzag) == pytest.approx(np.sqrt(2))
