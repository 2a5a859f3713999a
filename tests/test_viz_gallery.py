"""``book --all -o DIR``: every figure as SVG and one self-contained, escaped index.html; --dpi/--scale for PNGs."""

import html
import re
import struct

import pytest

from scratchgrad.viz import book, gallery
from scratchgrad.viz.cli import main
from scratchgrad.viz.render import run_dot


def run(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_book_all_writes_every_figure_and_an_index_that_inlines_them(tmp_path, capsys):
    folder = tmp_path / "gallery"
    status, out, err = run(capsys, "book", "--all", "-o", folder, "--lang", "en")
    assert (status, err) == (0, "") and out == f"wrote {folder / 'index.html'} and the figures beside it\n"
    stems = [*book.FIGURES, *(f"{name}-symbolic" for name in book.SYMBOLIC)]
    assert sorted(p.name for p in folder.glob("*.svg")) == sorted(f"{stem}.svg" for stem in stems)
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count("<svg") == len(stems) and "<?xml" not in index  # inlined: the page needs no other file
    assert not re.search(r"""\b(src|xlink:href)=["'](?!#)""", index)  # nothing is fetched
    ids = re.findall(r'\bid="([^"]+)"', index)
    assert len(ids) == len(set(ids))  # the frames' ids made unique
    for name in book.FIGURES:
        assert f"<h2>{html.escape(book.figure(name, lang='en').title)}</h2>" in index
    assert index.count("<pre>") == len(book.WHAT_IF)
    assert "apple count  +1       110       110               6160" in index  # the notes' table


def test_the_gallery_page_escapes_its_titles():
    page = gallery.page([("x", '<script>alert("x")</script> & co', False, "<svg></svg>", "a < b")], "en")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert "<pre>a &lt; b</pre>" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["book", "--all", "apple-tax"], "give a FIGURE or --all, not both"),
        (["book"], "give a FIGURE (chain-rule"),
        (["book", "--all", "--symbolic"], "--symbolic is for one figure, not --all"),
        (["book", "--all", "--scale", "2"], "--dpi and --scale are for one .png figure; --all writes SVG"),
        (["book", "--all", "--whatif"], "--whatif is for one figure, not --all"),
        (["book", "apple-tax", "--dpi", "5000"], "expected a resolution from 10 to 1200 dpi"),
        (["book", "apple-tax", "--scale", "x"], "expected a scale from"),
        (["book", "apple-tax", "--dpi", "200", "--scale", "2"], "not allowed with argument"),
    ],
)
def test_book_mistakes_are_one_line(tmp_path, capsys, args, message):
    status, out, err = run(capsys, *args, "-o", tmp_path / "x.png")
    assert (status, out) == (2, "") and message in err and err.count("\n") == 1


def test_book_all_refuses_a_file_for_the_folder(tmp_path, capsys):
    target = tmp_path / "taken.svg"
    target.write_text("")
    error = run(capsys, "book", "--all", "-o", target)[2]
    assert error == f"error: --all writes a folder of figures, and {target} is a file\n"


def png_size(path):
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def test_dpi_and_scale_make_bigger_pngs_for_slides(tmp_path, capsys):
    plain, dpi, scaled = tmp_path / "plain.png", tmp_path / "dpi.png", tmp_path / "scaled.png"
    assert run(capsys, "book", "apple-tax", "-o", plain)[0] == 0
    assert run(capsys, "book", "apple-tax", "-o", dpi, "--dpi", "192")[0] == 0
    assert run(capsys, "book", "apple-tax", "-o", scaled, "--scale", "2")[0] == 0
    (w, h), (w2, h2) = png_size(plain), png_size(dpi)
    assert abs(w2 - 2 * w) <= 4 and abs(h2 - 2 * h) <= 4
    assert dpi.read_bytes() == scaled.read_bytes()
    svg = tmp_path / "a.svg"
    assert run(capsys, "book", "apple-tax", "-o", svg, "--dpi", "300")[0] == 0  # vector formats stay vector
    assert svg.read_text(encoding="utf-8").startswith("<?xml")


def test_run_dot_refuses_an_absurd_resolution():
    with pytest.raises(ValueError, match="dpi must be a number from 10 to 1200"):
        run_dot("digraph { a }", "png", dpi=100_000)
