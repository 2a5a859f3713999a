"""``whatif EXPR`` and ``book apple-loss --whatif``: the table of predicted and recomputed changes, and its drawing."""

import pytest

from scratchgrad.viz import whatif
from scratchgrad.viz.cli import main


def run(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def cells(out):
    return [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in out.splitlines()[2:]]


def test_book_apple_loss_whatif_prints_the_notes_numbers(capsys):
    status, out, err = run(capsys, "book", "apple-loss", "--whatif", "--lang", "en")
    assert (status, err) == (0, "")
    assert out.splitlines()[0].split() == ["input", "δ", "gradient", "predicted", "grad·δ", "actual", "change",
                                           "second", "order"]
    table = cells(out)
    assert ["apple", "+1", "2.2", "2.2", "4.62", "2.42"] in table
    assert ["apple count", "+1", "110", "110", "6160", "6050"] in table
    assert ["tax", "+0.01", "200", "2", "4", "2"] in table
    assert ["tax", "+0.0001", "200", "0.02", "0.0202", "0.0002"] in table  # smaller steps: the prediction converges
    assert len(table) == 9


def test_whatif_expression_with_several_steps_and_a_drawing(tmp_path, capsys):
    path = tmp_path / "w.dot"
    status, out, err = run(capsys, "whatif", "x*x", "--set", "x=3", "--delta", "1", "0.1", "-o", path)
    assert (status, err) == (0, "")
    assert cells(out)[:2] == [["x", "+1", "6", "6", "7", "1"], ["x", "+0.1", "6", "0.6", "0.61", "0.01"]]
    assert out.endswith(f"wrote {path}\n")
    dot = path.read_text(encoding="utf-8")
    assert "x +1: predicted 6, actual 7 (second order 1)" in dot  # the caption
    assert "<FONT COLOR=\"red\">6</FONT>" in dot  # the drawing has its gradients: backward ran


def test_korean_names_line_up(capsys):
    out = run(capsys, "book", "apple-loss", "--whatif")[1]
    lines = out.splitlines()
    assert all(whatif._width(line.split("  +")[0]) == whatif._width(lines[2].split("  +")[0]) for line in lines[2:])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["whatif"], "give the expression first"),
        (["whatif", "2*3"], "the expression has no name to nudge"),
        (["whatif", "x", "--set", "x=1", "--delta", "nan"], "expected a finite number to nudge by"),
        (["whatif", "x", "--set", "x=1", "--delta"], "expected at least one argument"),
        (["book", "apple-tax", "--whatif"], "no what-if experiment; these have one: chain-rule, apple-loss"),
        (["book", "apple-tax"], "required: -o/--output"),
        (["book", "apple-loss", "--whatif", "--collapse", "X"], "--collapse changes the drawing: give -o FILE too"),
        (["whatif", "x", "--set", "x=1", "--scale", "2"], "--dpi changes the drawing: give -o FILE too"),
        (["whatif", "log(x)", "--set", "x=1", "--delta", "-1"], "log(0) is undefined"),
    ],
)
def test_whatif_mistakes_are_one_line(capsys, args, message):
    status, out, err = run(capsys, *args)
    assert (status, out) == (2, "") and err.count("\n") == 1 and message in err, err


def test_every_figure_listed_with_an_experiment_has_one_and_the_chain_rule_converges(capsys):
    from scratchgrad.viz import book

    assert [name for name in book.FIGURES if book.figure(name).experiment] == list(book.WHAT_IF)
    table = cells(run(capsys, "book", "chain-rule", "--whatif")[1])
    assert table[:3] == [["x", "+1", "6", "6", "7", "1"], ["x", "+0.1", "6", "0.6", "0.61", "0.01"],
                         ["x", "+0.01", "6", "0.06", "0.0601", "1e-4"]]  # z = (x + y)²: the rest is exactly δ²
