"""The demos run end to end and print the book's numbers."""

import pytest

from scratchgrad.demos.book_figure import gallery
from scratchgrad.demos.book_figure import main as book_figure


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("apple-tax", ["price = 220", "apple = 2.2", "apple count = 110", "tax = 200"]),
        ("apple-orange", ["price = 715", "apple = 2.2", "apple count = 110", "orange = 3.3", "orange count = 165",
                          "tax = 650"]),
        ("softmax-with-loss", ["L = 0.3057", "a1 = 0.01821", "a2 = 0.2452", "a3 = -0.2634"]),
    ],
)
def test_book_figure_demos_print_the_numbers_and_draw(name, expected, tmp_path, capsys):
    book_figure(name, ["--out", str(tmp_path), "--lang", "en"])
    lines = capsys.readouterr().out.splitlines()
    for text in expected:  # whole numbers: "= 220" must not pass for "= 220.00000000000003"
        assert any(line.endswith(text) for line in lines), text
    svg = (tmp_path / f"{name}.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg


def test_the_demo_writes_the_gallery_of_every_graph(tmp_path, capsys):
    gallery(["--out", str(tmp_path), "--lang", "en"])
    assert capsys.readouterr().out == f"every graph of chapter 5: {tmp_path / 'gallery' / 'index.html'}\n"
    assert (tmp_path / "gallery" / "affine-batch-symbolic.svg").is_file()
