"""viz.render and viz.draw: files through Graphviz, and what happens without it."""

import importlib
import re
import sys

import graphviz
import pytest
from dot_reading import failing_dot

from scratchgrad import viz
from scratchgrad.autograd import Node, Tensor, Value
from scratchgrad.viz import book
from scratchgrad.viz.render import run_dot


@pytest.fixture
def product():
    x, y = Value(2.0, name="사과"), Value(3.0, name="y")
    z = x * y
    z.backward()
    return z


@pytest.mark.parametrize(
    ("name", "texts"),
    [
        ("apple-tax", ["사과", "사과의 개수", "소비세", "지불 금액", "220", "2.2"]),
        ("apple-orange", ["귤", "귤의 개수", "715", "3.3", "165"]),
        ("softmax-with-loss", ["Softmax", "Cross Entropy Error", "0.3057", "&#45;0.2634"]),
    ],
)
def test_book_figures_render_to_svg(tmp_path, name, texts):
    figure = book.figure(name)
    path = viz.render(figure.root, tmp_path / f"{name}.svg", **figure.options())
    svg = path.read_text(encoding="utf-8")
    assert svg.startswith("<?xml")
    for text in texts:
        assert f">{text}</text>" in svg
    assert 'fill="red"' in svg


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".SVG", b"<?xml")])
def test_the_extension_picks_the_format(tmp_path, product, suffix, magic):
    path = viz.render(product, tmp_path / f"graph{suffix}")
    assert path.read_bytes().startswith(magic)
    assert list(tmp_path.iterdir()) == [path]  # no stray .dot next to it


def test_dot_files_need_no_graphviz(tmp_path, product, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    path = viz.render(product, tmp_path / "graph.dot")
    assert path.read_text(encoding="utf-8") == viz.to_dot(product)


def test_unknown_extension_is_refused(tmp_path, product):
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot"):
        viz.render(product, tmp_path / "graph.jpg")
    assert not list(tmp_path.iterdir())


def test_missing_dot_program_says_how_to_install_and_keeps_the_dot_text(tmp_path, product, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere
    with pytest.raises(viz.GraphvizNotFound) as caught:
        viz.render(product, tmp_path / "out.svg")
    message = str(caught.value)
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "conda install graphviz" in message
    assert "\n" not in message
    assert caught.value.dot_file == tmp_path / "out.dot"
    assert (tmp_path / "out.dot").read_text(encoding="utf-8") == viz.to_dot(product)
    assert not (tmp_path / "out.svg").exists()


def test_draw_shows_inline_in_jupyter(product):
    source = viz.draw(product, gradients=False)
    assert isinstance(source, graphviz.Source)
    assert source.source == viz.to_dot(product, gradients=False)
    svg = source._repr_mimebundle_()["image/svg+xml"]  # what Jupyter calls to display it
    assert ">사과</text>" in svg
    assert 'fill="red"' not in svg


def test_jupyter_display_is_under_the_time_limit_too():
    x = Value(1.0, name="x")
    y = x
    for _ in range(300):
        y = y * 1.01
    source = viz.draw(y, max_nodes=None, timeout=0.001)
    with pytest.raises(viz.RenderTimeout):
        source._repr_mimebundle_()


def test_values_and_tensors_can_show_themselves_as_graphs(monkeypatch):
    monkeypatch.setattr(Node, "_repr_svg_", None, raising=False)  # restored (removed) after the test
    viz.install_notebook_display()
    x = Value(2.0, name="사과")
    assert ">사과</text>" in (x * 3)._repr_svg_()
    assert "Σ" in Tensor([1.0, 2.0], requires_grad=True, name="t").sum()._repr_svg_()
    monkeypatch.setenv("PATH", "")  # without Graphviz, IPython falls back to the text form
    assert x._repr_svg_() is None


def test_dot_reporting_an_error_raises_render_failed_on_one_line(tmp_path, product, monkeypatch):
    failing_dot(tmp_path, monkeypatch)
    with pytest.raises(viz.RenderFailed, match=r"^dot failed: Error: <stdin>: syntax error in line 1 near x$"):
        viz.render(product, tmp_path / "out.svg")
    assert issubclass(viz.RenderFailed, RuntimeError)


@pytest.mark.parametrize("problem", ["RenderTimeout", "GraphTooLarge", "RenderFailed"])
def test_notebook_display_falls_back_to_text_when_dot_cannot_draw(monkeypatch, problem):
    monkeypatch.setattr(Node, "_repr_svg_", None, raising=False)
    viz.install_notebook_display()

    def run_dot(*_):
        raise getattr(viz, problem)("cannot draw")

    # viz.render is the function, so the module is looked up by name
    monkeypatch.setattr(importlib.import_module("scratchgrad.viz.render"), "run_dot", run_dot)
    assert (Value(2.0, name="x") * 3)._repr_svg_() is None


def test_an_svg_line_with_subscripts_is_one_text_element_that_the_viewer_lays_out():
    """Runs placed at Graphviz's own x positions drift apart in viewers that measure fonts differently."""
    figure = book.figure("softmax-with-loss-simple", symbolic=True)
    svg = run_dot(viz.to_dot(figure.root, **figure.options()), "svg").decode("utf-8")
    lines = [line for line in svg.splitlines() if "<tspan" in line and 'fill="red"' in line and "&#45; t" in line]
    assert len(lines) == 3  # y₁ - t₁, y₂ - t₂, y₃ - t₃
    for line in lines:
        assert line.count("<text ") == 1 and line.count(" x=") == 1 and 'xml:space="preserve"' in line
        assert re.sub(r"<[^>]+>", "", line).replace("\xa0", " ") in {f"y{k} &#45; t{k}" for k in "123"}
        assert line.count('baseline-shift="sub"') == 2
    assert ">Softmax</text>" in svg  # a one-run label is left as it is
def test_without_dot_an_existing_dot_file_is_never_overwritten(tmp_path, product, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    unrelated = tmp_path / "out.dot"
    unrelated.write_text("my own notes", encoding="utf-8")
    with pytest.raises(viz.GraphvizNotFound, match=r"the DOT text was not saved: .*out\.dot already exists") as caught:
        viz.render(product, tmp_path / "out.svg")
    assert caught.value.dot_file is None
    assert unrelated.read_text(encoding="utf-8") == "my own notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.dot"]


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, product, monkeypatch):
    path = tmp_path / "g.dot"  # no dot run: os.write is only ours while it is broken
    path.write_text("old drawing", encoding="utf-8")

    def broken_write(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sys.modules["scratchgrad.viz.render"].os, "write", broken_write)
    with pytest.raises(OSError, match="No space left on device") as caught:
        viz.render(product, path)
    assert caught.value.filename == str(path)
    assert path.read_text(encoding="utf-8") == "old drawing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


def test_a_new_file_gets_the_usual_permissions(tmp_path, product):
    import os
    import stat

    umask = os.umask(0o022)
    os.umask(umask)
    path = viz.render(product, tmp_path / "g.dot")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_files_are_written_all_or_none(tmp_path):
    from scratchgrad.viz.render import write_files

    (tmp_path / "a.svg").write_text("old", encoding="utf-8")
    (tmp_path / "b.svg").mkdir()
    with pytest.raises(IsADirectoryError) as caught:
        write_files({tmp_path / "a.svg": b"new", tmp_path / "b.svg": b"new"})
    assert caught.value.filename == str(tmp_path / "b.svg")
    assert (tmp_path / "a.svg").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg", "b.svg"]


def test_after_the_opt_in_jupyter_shows_the_network_views_figures_too(monkeypatch):
    """The network view draws matplotlib Figures without pyplot, and IPython shows a Figure only through a
    formatter: `install_notebook_display` registers one, so ``viz.network(...)`` as a cell's last line is a picture."""
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    figure = pytest.importorskip("matplotlib.figure")
    monkeypatch.setattr(Node, "_repr_svg_", None, raising=False)
    shell = interactiveshell.InteractiveShell.instance()
    try:
        drawn = figure.Figure(figsize=(1, 1))
        drawn.add_subplot().plot([0, 1])
        assert "image/png" not in shell.display_formatter.format(drawn)[0]
        viz.install_notebook_display()
        assert shell.display_formatter.format(drawn)[0]["image/png"][:4] == b"\x89PNG"
    finally:
        interactiveshell.InteractiveShell.clear_instance()
