"""viz.replay: one frame per node backward visits, the chain rule in numbers, a page that works offline."""

import html
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from dot_reading import read
from PIL import Image

from scratchgrad import viz
from scratchgrad.autograd import Tensor, Value, softmax_cross_entropy, toposort
from scratchgrad.viz import book
from scratchgrad.viz.cli import main
from scratchgrad.viz.render import run_dot
from scratchgrad.viz.replay import caption, frames, steps
from scratchgrad.viz.view import post_order


def apple_frames():
    figure = book.apple_tax(lang="en")
    return [read(dot) for dot in frames(figure.root, **figure.options())], figure


def states(drawing):
    """{(source, target): gradient state} with the state as drawn: blank, shaded or plain red."""
    names = {"#ffe9a8": "computed", "#cfe3ff": "arriving", None: "done"}
    return {(a.source, a.target): "pending" if a.gradient_color == "transparent" else names[a.shade]
            for a in drawing.arrows if a.gradient is not None}


def test_one_frame_per_node_in_backward_order_with_gradients_filled_in_as_computed():
    drawings, figure = apple_frames()
    assert len(drawings) == len(toposort(figure.root)) == 2
    first, second = drawings
    assert states(first) == {
        ("apple", "×"): "pending", ("apple count", "×"): "pending",  # the inner × is visited next
        ("×", "×"): "computed", ("tax", "×"): "computed",  # sent by the outer ×, visited now
        ("×", "total price"): "arriving",  # the seed, from above
    }
    assert states(second) == {
        ("apple", "×"): "computed", ("apple count", "×"): "computed",
        ("×", "×"): "arriving", ("tax", "×"): "done", ("×", "total price"): "done",
    }
    current = [[t for t, attributes in d.vertices.values() if "fillcolor" in attributes] for d in drawings]
    assert current == [["×"], ["×"]]
    outer = next(i for i, (t, a) in first.vertices.items() if "fillcolor" in a)
    inner = next(i for i, (t, a) in second.vertices.items() if "fillcolor" in a)
    assert outer != inner
    assert [a.gradient for a in second.arrows] == ["2.2", "110", "1.1", "200", "1"]  # the numbers never change


def test_every_frame_has_the_same_layout():
    figure = book.softmax_with_loss()
    svgs = [run_dot(dot, "svg").decode() for dot in frames(figure.root, **figure.options())[:4]]
    sizes = {re.search(r'<svg width="\w+" height="\w+"', svg)[0] for svg in svgs}
    positions = {tuple(re.findall(r'<ellipse[^>]*cx="([-\d.]+)" cy="([-\d.]+)"', svg)) for svg in svgs}
    assert len(sizes) == 1 and len(positions) == 1
    assert len(positions.pop()) == 20  # every op circle and branch point: an empty match would prove nothing


def test_captions_do_the_chain_rule_in_numbers():
    figure = book.apple_tax(lang="en")
    order = toposort(figure.root)
    assert caption(order, 0, {}) == (
        "Step 1 of 2: backward visits total price\n"
        "gradient from above (upstream): 1\n"
        "to × (200): upstream × local = downstream: 1 × 1.1 = 1.1\n"
        "to tax: upstream × local = downstream: 1 × 200 = 200"
    )
    assert caption(order, 1, {}).splitlines()[2:] == [
        "to apple: upstream × local = downstream: 1.1 × 2 = 2.2",
        "to apple count: upstream × local = downstream: 1.1 × 100 = 110",
    ]
    c = Value(3.0, requires_grad=False)
    y = Value(2.0, name="x") * c
    y.backward()
    assert caption(toposort(y), 0, {c: "c"}).endswith("to c: nothing (it needs no gradient)")


def test_tensor_captions_show_shapes():
    x = Tensor(np.ones((4, 3)), name="x")
    W = Tensor(np.full((3, 2), 0.1), requires_grad=True, name="W")
    loss = softmax_cross_entropy(x @ W, np.array([0, 1, 1, 0]))
    loss.backward()
    order = toposort(loss)
    assert caption(order, 1, {}) == (
        "Step 2 of 2: backward visits @ (4, 2)\n"
        "gradient from above (upstream): (4, 2) float64\n"
        "to x: nothing (it needs no gradient)\n"
        "to W: ∂L/∂W = xᵀ · ∂L/∂(x · W), (3, 4) · (4, 2) → (3, 2) = downstream (3, 2) float64 "
        "[[0, 0], [0, 0], [0, 0]]"
    )


def test_tensor_captions_give_each_rule_with_its_shapes():
    x = Tensor(np.ones((100, 784)), name="X")
    W = Tensor(np.full((784, 50), 0.01), requires_grad=True, name="W")
    b = Tensor(np.zeros(50), requires_grad=True, name="b")
    h = x @ W
    h.name = "h"
    y = (h + b).relu()
    loss = softmax_cross_entropy(y @ Tensor(np.ones((50, 10))), np.zeros(100, dtype=int))
    loss.name = "loss"
    loss.backward()
    order = toposort(loss)
    text = "\n".join(caption(order, k, {}) for k in range(len(order)))
    assert "to W: ∂loss/∂W = Xᵀ · ∂loss/∂h, (784, 100) · (100, 50) → (784, 50) = downstream (784, 50) float64" in text
    assert "to b: ∂loss/∂Y summed over the batch, (100, 50) → (50,)" in text  # the bias gradient
    assert "∂loss/∂Y where x > 0, 0 where x ≤ 0 (the mask), (100, 50)" in text  # ReLU
    assert "to @ (100, 10): (softmax - one-hot t) / N (N = 100), (100, 10) = downstream" in text


def test_the_page_is_self_contained(tmp_path):
    figure = book.softmax_with_loss()
    path = viz.replay(figure.root, tmp_path / "replay.html", **figure.options())
    page = path.read_text(encoding="utf-8")
    assert page.count('<section class="frame"') == 16 and page.count("<svg") == 16
    assert not re.search(r"<link|<img|<iframe|\ssrc=|@import|url\(|https?://(?!www\.w3\.org/)", page)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # each frame's SVG ids are made unique
    assert "<?xml" not in page and "<script>" in page


def test_frames_folder_in_svg_and_png(tmp_path):
    x = Value(2.0, name="x")
    y = (x * x).exp()
    y.backward()
    viz.replay(y, tmp_path / "r.html", frames_dir=tmp_path / "svg")
    viz.replay(y, tmp_path / "r.html", frames_dir=tmp_path / "png", frame_format="png")
    assert sorted(p.name for p in (tmp_path / "svg").iterdir()) == ["frame-001.svg", "frame-002.svg"]
    pngs = sorted((tmp_path / "png").iterdir())
    assert [p.name for p in pngs] == ["frame-001.png", "frame-002.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    with pytest.raises(ValueError, match="frame_format"):
        viz.replay(y, tmp_path / "r.html", frames_dir=tmp_path, frame_format="gif")


def test_replay_needs_a_backward_pass_and_a_reasonable_size(tmp_path):
    x = Value(2.0, name="x")
    y = x * 3
    with pytest.raises(ValueError, match=r"call backward\(\) on the output first"):
        viz.replay(y, tmp_path / "r.html")
    x.backward()
    with pytest.raises(ValueError, match=r"the output is a leaf: .* nothing to replay"):
        viz.replay(x, tmp_path / "r.html")
    z = x
    for _ in range(20):
        z = z * 1.1
    z.backward()
    with pytest.raises(ValueError, match="visits 20 nodes, more than max_frames=10"):
        viz.replay(z, tmp_path / "r.html", max_frames=10)
    assert not list(tmp_path.iterdir())


def test_command_line_replays_expressions_and_book_figures(tmp_path, capsys):
    assert main(["replay", "relu(x*y)+x", "--set", "x=2", "y=3", "-o", str(tmp_path / "e.html"),
                 "--frames", str(tmp_path / "frames"), "--frames-format", "png"]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'e.html'} and {tmp_path / 'frames'}/\n"
    assert len(list((tmp_path / "frames").iterdir())) == 3
    assert main(["replay", "--book", "apple-orange", "--lang", "en", "-o", str(tmp_path / "b.html")]) == 0
    assert "apple count" in (tmp_path / "b.html").read_text(encoding="utf-8")
    for args, message in [
        (["x", "--set", "x=1", "-o", str(tmp_path / "x.svg")], "must end in .html"),
        (["2*3", "-o", str(tmp_path / "x.html")], "no backward pass to replay"),
        (["--book", "pear", "-o", str(tmp_path / "x.html")], "invalid choice: 'pear'"),
        (["-o", str(tmp_path / "x.html")], "give the expression first"),
        (["x", "--set", "x=1", "-o", str(tmp_path / "x.html")], "nothing to replay"),
    ]:
        assert main(["replay", *args]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and err.count("\n") == 1


def _browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.skip("no chromium, chromium-browser or google-chrome on PATH to check the page in a browser")


def test_the_page_works_in_a_headless_browser(tmp_path):
    browser = _browser()
    figure = book.apple_orange(lang="en")
    page = viz.replay(figure.root, tmp_path / "replay.html", **figure.options())
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=2000",
    ]
    url = f"{page.as_uri()}#frame=3"
    dom = subprocess.run([*command, "--dump-dom", url], capture_output=True, text=True, timeout=60).stdout
    assert '<output id="counter">frame 3 of 4</output>' in dom  # written by the script
    assert re.search(r'<body data-frame="3">', dom)
    shown = re.findall(r'<section class="frame" id="frame-(\d)" data-frame="\d"( hidden="")?>', dom)
    assert shown == [("1", ' hidden=""'), ("2", ' hidden=""'), ("3", ""), ("4", ' hidden=""')]

    shot = tmp_path / "shot.png"
    subprocess.run([*command, "--window-size=1000,700", f"--screenshot={shot}", url], capture_output=True,
                   timeout=60, check=True)
    colors = {color for _, color in Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (255, 213, 79) in colors  # the visited node, filled: the SVG was drawn
    assert any(r > 200 and g < 60 and b < 60 for r, g, b in colors)  # red gradients


def _sum_of_named_leaves(count):
    """x0 + x1 + ... : ``2 * count - 1`` nodes, more than the default budget of a drawing when count > 125."""
    total = Value(0.0, name="x0")
    for k in range(1, count):
        total = total + Value(float(k), name=f"x{k}")
    total.backward()
    return total


def filled(drawing):
    return [i for i, (_, attributes) in drawing.vertices.items() if "fillcolor" in attributes]


def test_every_frame_of_a_big_graph_shows_the_node_it_visits():
    root = _sum_of_named_leaves(130)
    assert len(post_order(root)) > viz.DEFAULT_MAX_NODES
    drawings = [read(dot) for dot in frames(root)]  # no max_nodes: every node is drawn, none folded away
    assert len(drawings) == 129
    assert all(len(filled(d)) == 1 and filled(d)[0].startswith("n") for d in drawings)


def test_a_marker_hiding_the_visited_node_is_filled():
    drawings = [read(dot) for dot in frames(_sum_of_named_leaves(40), max_nodes=20)]
    assert all(len(filled(d)) == 1 for d in drawings)
    markers = [d.vertices[filled(d)[0]] for d in drawings if filled(d)[0].startswith("m")]
    assert markers and all("dashed,rounded,filled" in attributes for _, attributes in markers)


def test_the_command_line_replays_every_node_unless_told_otherwise(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("scratchgrad.viz.cli.replay", lambda root, path, **options: calls.append(options) or path)
    assert main(["replay", "x*y", "--set", "x=1", "y=2", "-o", str(tmp_path / "r.html")]) == 0
    assert main(["replay", "x*y", "--set", "x=1", "y=2", "--max-nodes", "9", "-o", str(tmp_path / "r.html")]) == 0
    assert [c["max_nodes"] for c in calls] == [None, 9]


def test_replay_takes_book_after_other_options_and_needs_exactly_one_source(tmp_path, capsys):
    page = tmp_path / "r.html"
    assert main(["replay", "-o", str(page), "--lang", "en", "--book", "apple-tax"]) == 0
    assert "apple count" in page.read_text(encoding="utf-8")
    capsys.readouterr()
    for args, message in [
        (["x*y", "--set", "x=1", "y=2", "--book", "apple-tax"], "give an expression or --book apple-tax, not both"),
        (["--lang", "en"], "give the expression first, or --book FIGURE"),
        (["--book", "apple-tax", "--set", "x=1"], "--set is for expressions"),
        (["x", "--set", "x=1", "--collapse", "Softmax"], "--collapse is for book figures (--book FIGURE)"),
        (["x", "--set", "x=1", "--symbolic"], "--symbolic is for book figures"),
    ]:
        assert main(["replay", *args, "-o", str(tmp_path / "x.html")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_replay_help_lists_the_book_options(capsys):
    assert main(["replay", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--book FIGURE", "--lang {ko,en}", "--symbolic", "--collapse BOX", "--set NAME=NUMBER"):
        assert option in out


def test_a_frame_where_shares_meet_adds_them_up():
    figure = book.softmax_with_loss()
    order = toposort(figure.root)
    exp_a3 = next(k for k, node in enumerate(order) if node.op.glyph == "exp" and node.data > 50)
    assert caption(order, exp_a3, figure.node_labels).splitlines()[1] == (
        "gradient from above (upstream): 0.01349 + (-0.01832) = -0.004824")  # via the sum S, via y₃
    x = Value(3.0, name="x")
    y = x * x
    y.backward()
    assert caption(toposort(y), 0, {}).splitlines()[-1] == "at x the shares add up: 3 + 3 = 6"  # a leaf's total



def test_a_collapsed_figure_is_replayed_box_by_box():
    figure = book.figure("softmax-with-loss-simple", symbolic=True)
    dots = frames(figure.root, **figure.options())
    assert len(dots) == 2  # Cross Entropy Error, then Softmax: not the 16 nodes hidden inside
    first, second = (read(dot) for dot in dots)
    assert [t for t, a in first.vertices.values() if "filled" in a] == ["Cross Entropy Error"]
    assert [t for t, a in second.vertices.values() if "filled" in a] == ["Softmax"]
    assert [a.shade for a in second.arrows if a.target == "Softmax"] == ["#ffe9a8"] * 3  # all it just sent
    captions = [text for _, text in steps(figure.root, toposort(figure.root), figure.options())]
    assert captions[0].splitlines()[0] == (
        "Step 1 of 2: backward passes through Cross Entropy Error (8 operations drawn as one box)")
    assert "sends to y₃: -1.358 = -t₃/y₃" in captions[0]
    assert captions[1].splitlines()[1:] == [
        "receives for y₁: 0 = -t₁/y₁", "receives for y₂: 0 = -t₂/y₂", "receives for y₃: -1.358 = -t₃/y₃",
        "sends to a₁: 0.01821 = y₁ - t₁", "sends to a₂: 0.2452 = y₂ - t₂", "sends to a₃: -0.2634 = y₃ - t₃",
    ]


def test_symbolic_captions_use_the_figures_algebra():
    figure = book.softmax_with_loss(symbolic=True)
    order = toposort(figure.root)
    last = steps(figure.root, order, figure.options())[-1][1].splitlines()
    assert last[1:] == [
        "gradient from above (upstream): 0.01349 + (-0.01832) = -0.004824 = 1/S - t₃/exp(a₃)",
        "to a₃: upstream × local = downstream: -0.004824 × 54.6 = -0.2634 = y₃ - t₃",
    ]
    numeric = book.softmax_with_loss()
    assert steps(numeric.root, toposort(numeric.root), numeric.options())[-1][1].splitlines()[2].endswith(
        "54.6 = -0.2634")  # numbers only: no algebra to add


def test_the_explanation_is_escaped_html_beside_the_drawing_not_text_in_the_svg(tmp_path):
    x = Value(3.0, name="<b>x</b>")
    y = x * x
    y.name = "y & z"
    y.backward()
    page = viz.replay(y, tmp_path / "r.html", frames_dir=tmp_path / "frames").read_text(encoding="utf-8")
    assert '<div class="explain"><h2>Step 1 of 1: backward visits y &amp; z</h2>' in page
    assert "<p>at &lt;b&gt;x&lt;/b&gt; the shares add up: 3 + 3 = 6</p>" in page
    drawing = page[page.index('<div class="drawing">'):]
    assert "Step 1 of 1" not in drawing and "shares add up" not in drawing  # not baked into the scaled SVG
    assert "shares add up" in (tmp_path / "frames" / "frame-001.svg").read_text(encoding="utf-8")  # frames keep it


def test_the_affine_batch_replay_names_the_loss_beyond_a_tensor_output():
    figure = book.figure("affine-batch", symbolic=True)
    first, second = (text for _, text in steps(figure.root, toposort(figure.root), figure.options()))
    assert "to B: ∂L/∂Y summed over the batch, (2, 3) → (3,) = downstream (3,) float64 [5, 7, 9]" in first
    assert "to W: ∂L/∂W = Xᵀ · ∂L/∂(X · W), (2, 2) · (2, 3) → (2, 3) = downstream" in second


def _dot_that_fails(folder, monkeypatch, when):
    """A ``dot`` first on PATH that runs the real one, but fails when the shell test ``when`` holds ($1: -Tsvg...)."""
    real = shutil.which("dot")
    script = folder / "bin" / "dot"
    script.parent.mkdir()
    script.write_text(f'#!/bin/sh\necho "$1" >> {folder}/calls\ninput=$(cat)\nif {when}; then echo "broken" >&2; '
                      f'exit 1; fi\nprintf "%s" "$input" | {real} "$@"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")
    return folder / "calls"


def _chain(length):
    x = Value(2.0, name="x")
    y = x
    for _ in range(length):
        y = y * 1.01
    y.backward()
    return y


@pytest.mark.parametrize("failing", ["png frames", "one svg frame", "the first frame"])
def test_a_failed_replay_leaves_neither_a_page_nor_frames(tmp_path, monkeypatch, failing):
    when = {"png frames": '[ "$1" = -Tpng ]', "one svg frame": 'echo "$input" | grep -q "Step 3 of"',
            "the first frame": 'echo "$input" | grep -q "Step 1 of"'}[failing]
    calls = _dot_that_fails(tmp_path, monkeypatch, when)
    page, folder = tmp_path / "out" / "r.html", tmp_path / "out" / "frames"
    folder.mkdir(parents=True)
    page.write_text("the earlier page", encoding="utf-8")
    (folder / "frame-001.png").write_bytes(b"earlier frame")
    with pytest.raises(viz.RenderFailed, match="broken"):
        viz.replay(_chain(8), page, frames_dir=folder, frame_format="png")
    assert page.read_text(encoding="utf-8") == "the earlier page"
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["frame-001.png", "frames", "r.html"]
    assert (folder / "frame-001.png").read_bytes() == b"earlier frame"
    if failing == "the first frame":
        # The page's drawings carry no caption, so the first captioned frame (a PNG) is the one that fails,
        # and the other seven PNG frames were never started.
        assert calls.read_text().split() == ["-Tsvg"] * 8 + ["-Tpng"]


def test_a_replay_replaces_the_frames_of_an_earlier_one(tmp_path):
    folder = tmp_path / "frames"
    viz.replay(_chain(5), tmp_path / "r.html", frames_dir=folder)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    viz.replay(_chain(2), tmp_path / "r.html", frames_dir=folder)
    assert sorted(p.name for p in folder.iterdir()) == ["frame-001.svg", "frame-002.svg", "notes.txt"]


def test_a_replay_too_big_for_its_byte_budget_is_refused_before_dot_runs(tmp_path, monkeypatch):
    calls = _dot_that_fails(tmp_path, monkeypatch, "false")
    y = _chain(40)
    total = sum(len(dot.encode()) for dot in frames(y))
    refusal = r"^replay: the page would be more than .* \(max_bytes=[\d,]+\).*raise max_bytes"
    with pytest.raises(ValueError, match=refusal):
        viz.replay(y, tmp_path / "r.html", max_bytes=total // 2)
    assert not calls.exists()  # the frames' DOT text alone was too much: no dot run at all
    assert not (tmp_path / "r.html").exists()


def test_the_first_frame_tells_how_big_the_page_would_be(tmp_path, monkeypatch):
    calls = _dot_that_fails(tmp_path, monkeypatch, "false")
    y = _chain(12)
    dots = frames(y)
    estimate = len(run_dot(dots[0], "svg")) * len(dots)
    calls.unlink()
    budget = (sum(len(dot.encode()) for dot in dots) + estimate) // 2  # above the DOT text, below the page
    with pytest.raises(ValueError, match=r"12 frames of about [\d.]+ kB"):
        viz.replay(y, tmp_path / "r.html", max_bytes=budget)
    assert calls.read_text().split() == ["-Tsvg"]  # one frame drawn, then refused
    path = viz.replay(y, tmp_path / "r.html", max_bytes=None)
    assert path.stat().st_size > budget  # the estimate was right: the page is bigger than the budget


def test_the_page_and_the_frames_stay_within_the_byte_budget(tmp_path):
    y = _chain(6)
    path = viz.replay(y, tmp_path / "r.html", frames_dir=tmp_path / "f", frame_format="png", max_bytes=2_000_000)
    assert path.stat().st_size <= 2_000_000
    assert sum(p.stat().st_size for p in (tmp_path / "f").iterdir()) <= 2_000_000
    with pytest.raises(ValueError, match=r"the frames would be more than"):
        viz.replay(y, tmp_path / "r2.html", frames_dir=tmp_path / "f2", frame_format="png",
                   max_bytes=path.stat().st_size + 1000)  # room for the page, not for the PNG frames
    assert not (tmp_path / "r2.html").exists() and not (tmp_path / "f2").exists()


def test_a_caption_lists_a_bounded_number_of_inputs():
    xs = [Value(float(k), name=f"x{k}") for k in range(40)]
    total = Value.sum(xs)
    total.backward()
    lines = caption(toposort(total), 0, {}).splitlines()
    assert len(lines) <= viz.format.MAX_LINES
    assert lines[-1] == f"… and {40 - len(lines) + 3} more inputs"
    assert lines[2] == "to x0: upstream × local = downstream: 1 × 1 = 1"


def test_command_line_budgets_of_a_replay(tmp_path, capsys):
    command = ["replay", "+".join(["x*y"] * 30), "--set", "x=1", "y=2", "-o", str(tmp_path / "r.html")]
    assert main([*command, "--max-frames", "10"]) == 2
    assert "more than max_frames=10" in capsys.readouterr().err
    assert main([*command, "--max-mb", "0.1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: replay: the page would be more than 0.1 MB") and err.count("\n") == 1
    assert "--max-mb" in err
    assert not list(tmp_path.iterdir())
    assert main(["replay", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--max-frames N" in out and "(default: 300" in out and "--max-mb MB" in out and "(default: 10" in out


def test_a_caption_names_a_node_on_one_line():
    x = Value(2.0, name="two\nlines")
    y = x * 3
    y.backward()
    assert caption(toposort(y), 0, {}).splitlines()[2].startswith(r"to two\nlines: upstream")


def test_without_a_path_the_replay_is_a_page_that_jupyter_shows_inline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = Value(3.0, name='"x" </iframe><script>alert(1)</script>')
    y = x * x
    y.backward()
    shown = viz.replay(y)
    assert isinstance(shown, viz.Replay) and shown.frames == 1
    assert not list(tmp_path.iterdir())  # nothing written
    assert shown.html == viz.replay(y, tmp_path / "r.html").read_text(encoding="utf-8")  # the same page as the file
    cell = shown._repr_html_()  # what Jupyter calls: the page in an iframe, offline, scripts in a sandbox
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts" title="[^"<>]*" style="[^"<>]*"></iframe>',
                         cell)
    assert match is not None  # the user's quotes and tags cannot end the attribute or the iframe
    assert html.unescape(match[1]) == shown.html
    assert shown.save(tmp_path / "saved.html").read_text(encoding="utf-8") == shown.html
