"""python -m scratchgrad.viz: expressions and book figures to files; every mistake is one line, status 2."""

import subprocess
import sys

import pytest
from dot_reading import failing_dot

from scratchgrad.viz.cli import main


def run(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_expression_to_svg(tmp_path, capsys):
    path = tmp_path / "graph.svg"
    status, out, err = run(capsys, "x*y + exp(z)/-x", "--set", "x=2", "y=3", "z=4", "-o", path)
    assert (status, err) == (0, "")
    assert out == f"wrote {path}\n"
    svg = path.read_text(encoding="utf-8")
    assert ">exp</text>" in svg and 'fill="red"' in svg  # gradients drawn: backward ran


def test_expression_starting_with_minus_and_set_repeated(tmp_path, capsys):
    path = tmp_path / "graph.dot"
    status, _, err = run(capsys, "-x*y", "--set", "x=2", "--set", "y=3", "-o", path)
    assert (status, err) == (0, "")
    dot = path.read_text(encoding="utf-8")
    assert "label=<x>" in dot and "label=<y>" in dot and "<TD>-6</TD>" in dot


def test_numbers_only_expression_is_drawn_without_gradients(tmp_path, capsys):
    path = tmp_path / "six.dot"
    assert run(capsys, "2*3", "-o", path)[0] == 0
    assert "<TD>6</TD>" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["q*x", "--set", "x=1"], "error: unknown name 'q' (set it with --set q=...)"),
        (["x*y", "--set", "x=1"], "error: unknown name 'y' (set it with --set y=...)"),
        (["x", "--set", "x"], "expected NAME=NUMBER"),
        (["x", "--set", "x=abc"], "'abc' is not a number"),
        (["x", "--set", "2x=1"], "expected NAME=NUMBER"),
        (["x", "--set", "x=nan"], "finite number"),
        (["x", "--set", "x=1", "x=2"], "'x' is set twice"),
        (["foo(x)", "--set", "x=1"], "unknown function 'foo'"),
        (["__import__('os').system('touch pwned')"], "only the functions"),
        (["x.y", "--set", "x=1"], "attribute access"),
        (["x +", "--set", "x=1"], "syntax error"),
        (["x" * 2001], "too long"),
        (["-" * 150 + "x", "--set", "x=1"], "nested too deeply"),
        (["log(x)", "--set", "x=-1"], "log(-1) is undefined"),
        (["x ** 0.5", "--set", "x=0"], "derivative is undefined"),
        (["x", "--set", "x=1", "--bogus"], "unrecognized arguments"),
        ([], "give the expression first"),
        (["book", "pear"], "invalid choice: 'pear'"),
        (["book", "apple-tax", "--symbolic"], "only for softmax-with-loss"),
        (["book", "apple-tax", "--lang", "fr"], "invalid choice: 'fr'"),
    ],
)
def test_mistakes_give_one_line_and_status_2(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *args, "-o", tmp_path / "out.svg")
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err
    assert out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written (and no 'pwned' file)


def test_output_extension_and_missing_output_are_usage_errors(tmp_path, capsys):
    assert run(capsys, "x", "--set", "x=1", "-o", tmp_path / "out.jpg")[:2] == (2, "")
    status, _, err = run(capsys, "x", "--set", "x=1")
    assert status == 2 and "-o/--output" in err
    assert run(capsys)[:2] == (2, "")  # nothing at all


def test_missing_graphviz_is_one_line_status_1_and_keeps_the_dot(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    status, _, err = run(capsys, "x*y", "--set", "x=1", "y=2", "-o", tmp_path / "out.svg")
    assert status == 1
    assert err.count("\n") == 1 and "apt-get install graphviz" in err
    assert (tmp_path / "out.dot").exists()


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["apple-tax"], "사과의 개수"),
        (["apple-orange", "--lang", "en"], "orange count"),
        (["softmax-with-loss", "--symbolic"], "1/S"),
    ],
)
def test_book_figures(tmp_path, capsys, args, text):
    path = tmp_path / "figure.dot"
    status, _, err = run(capsys, "book", *args, "-o", path)
    assert (status, err) == (0, "")
    assert text in path.read_text(encoding="utf-8")


def test_real_interpreter_happy_path_and_error_without_traceback(tmp_path):
    path = tmp_path / "g.png"
    ok = subprocess.run([sys.executable, "-m", "scratchgrad.viz", "relu(x)*y", "--set", "x=2", "y=3", "-o", str(path)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert path.read_bytes().startswith(b"\x89PNG")
    bad = subprocess.run([sys.executable, "-m", "scratchgrad.viz", "log(x)", "--set", "x=0",
                          "-o", str(tmp_path / "b.svg")], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr == "error: log(0) is undefined: the argument must be positive\n"
    assert "Traceback" not in bad.stderr


def test_collapsed_book_figure_and_highlighted_path(tmp_path, capsys):
    path = tmp_path / "collapsed.dot"
    args = ["book", "softmax-with-loss", "--collapse", "Softmax", "Cross Entropy Error", "-o", path]
    assert run(capsys, *args)[:2] == (0, f"wrote {path}\n")
    dot = path.read_text(encoding="utf-8")
    assert "label=<Softmax>, shape=box" in dot and "label=<exp>" not in dot
    path = tmp_path / "bold.dot"
    assert run(capsys, "x*y + x*z", "--set", "x=1", "y=2", "z=3", "--highlight", "y", "-o", path)[0] == 0
    assert path.read_text(encoding="utf-8").count("penwidth") == 6  # y -> ×, × -> +, + -> out: two lines each


def test_budget_and_keep_from_the_command_line(tmp_path, capsys):
    expression = "+".join(f"x*{k}" for k in range(60))  # 180 nodes
    path = tmp_path / "small.dot"
    assert run(capsys, expression, "--set", "x=1", "--max-nodes", "20", "-o", path)[0] == 0
    assert "nodes (" in path.read_text(encoding="utf-8")
    assert run(capsys, expression, "--set", "x=1", "--max-nodes", "all", "-o", path)[0] == 0
    assert "nodes (" not in path.read_text(encoding="utf-8")
    # keep: a leaf feeding one product deep inside the summary is folded away unless named
    expression = "+".join(f"x{k}*{k}" for k in range(60))
    values = [f"x{k}=1" for k in range(60)]
    assert run(capsys, expression, "--set", *values, "--max-nodes", "20", "-o", path)[0] == 0
    assert "label=<x37>" not in path.read_text(encoding="utf-8")
    assert run(capsys, expression, "--set", *values, "--max-nodes", "20", "--keep", "x37", "-o", path)[0] == 0
    assert "label=<x37>" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["book", "apple-tax", "--collapse", "Softmax"], "no box is called 'Softmax'"),
        (["x*y", "--set", "x=1", "y=2", "--highlight", "q"], "no node is named 'q' (the names are: 'x', 'y')"),
        (["x", "--set", "x=1", "--max-nodes", "0"], "at least 1"),
        (["x", "--set", "x=1", "--timeout", "-3"], "seconds above 0"),
        (["--highlight", "x"], "give the expression first"),
        (["x", "--set", "x=1", "--collapse", "Softmax"], "unrecognized arguments: --collapse Softmax"),  # no boxes
    ],
)
def test_drawing_option_mistakes(tmp_path, capsys, args, message):
    status, out, err = run(capsys, *args, "-o", tmp_path / "out.svg")
    assert (status, out) == (2, "")
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert not list(tmp_path.iterdir())


def test_collapse_is_offered_for_book_figures_only(capsys):
    helps = {}
    for command in (["--help"], ["book", "--help"], ["replay", "--help"]):
        assert main(command) == 0
        helps[command[0]] = capsys.readouterr().out
    assert "--collapse" not in helps["--help"]
    assert "--collapse BOX" in helps["book"] and "--collapse BOX" in helps["replay"]


@pytest.mark.parametrize("command", [["x*y", "--set", "x=2", "y=3"], ["replay", "x*y", "--set", "x=2", "y=3"]])
def test_a_missing_output_folder_is_a_usage_error_found_before_drawing(tmp_path, capsys, command):
    path = tmp_path / "nowhere" / ("g.html" if command[0] == "replay" else "g.svg")
    assert run(capsys, *command, "-o", path) == (2, "", f"error: cannot write {path}: no folder {path.parent}\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["x*y", "--set", "x=2", "y=3"], ["replay", "x*y", "--set", "x=2", "y=3"]])
def test_a_file_that_cannot_be_written_is_one_line_and_status_1(tmp_path, capsys, command):
    path = tmp_path / ("g.html" if command[0] == "replay" else "g.svg")
    path.mkdir()  # a folder where the file should go
    status, out, err = run(capsys, *command, "-o", path)
    assert (status, out) == (1, "")
    assert err == f"error: {path}: Is a directory\n"


def test_dot_failing_is_one_line_and_status_1(tmp_path, capsys, monkeypatch):
    failing_dot(tmp_path, monkeypatch)
    status, out, err = run(capsys, "x*y", "--set", "x=2", "y=3", "-o", tmp_path / "g.svg")
    assert (status, out) == (1, "")
    assert err == "error: dot failed: Error: <stdin>: syntax error in line 1 near x\n"


def test_real_interpreter_reports_file_errors_without_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "scratchgrad.viz", "x*y", "--set", "x=2", "y=3",
                           "-o", "/nonexistent/g.svg"], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (2, "error: cannot write /nonexistent/g.svg: no folder /nonexistent\n")
