"""viz.expression: arithmetic text to a Value graph, without ever running it as Python."""

import ast
import builtins
import math

import pytest

from scratchgrad.autograd import DomainError
from scratchgrad.viz.expression import MAX_DEPTH, MAX_LENGTH, ExpressionError, UnknownName, build


def test_builds_the_graph_with_named_inputs():
    out, inputs = build("x*y + exp(z)/-x", {"x": 2, "y": 3, "z": 4, "unused": 9})
    assert list(inputs) == ["x", "y", "z"]
    assert all(v.name == name for name, v in inputs.items())
    assert out.data == pytest.approx(2 * 3 + math.exp(4) / -2)
    out.backward()
    assert inputs["z"].grad == pytest.approx(math.exp(4) / -2)


def test_a_name_used_twice_is_one_leaf():
    out, inputs = build("x * x", {"x": 3})
    assert out.inputs == (inputs["x"], inputs["x"])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-x ** 2", -9.0),
        ("+x - 1", 2.0),
        ("(x + 1) / 2", 2.0),
        ("2 ** -1", 0.5),
        ("tanh(0) + sigmoid(0) + relu(-x) + abs(-x) + log(exp(1))", 4.5),
        ("1e3 + 0x10", 1016.0),
    ],
)
def test_supported_syntax(text, value):
    assert build(text, {"x": 3})[0].data == pytest.approx(value)


def test_numbers_are_constants_and_constant_arithmetic_folds():
    out, inputs = build("2 * 3", {})
    assert inputs == {} and out.data == 6 and not out.requires_grad and out.op is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('echo pwned')", "only the functions"),
        ("__import__('os')", "unknown function '__import__'"),
        ("x.real", "attribute access"),
        ("x[0]", "subscripts"),
        ("(lambda: 1)()", "only the functions"),
        ("lambda: 1", "lambdas"),
        ("[x for x in y]", "comprehensions"),
        ("'text'", "only numbers"),
        ("f'{x}'", "strings"),
        ("x < y", "comparisons"),
        ("x and y", "'and'/'or'"),
        ("x if y else 1", "conditional"),
        ("(x, y)", "tuples"),
        ("exp(x, y)", "exactly one argument"),
        ("exp(x=1)", "exactly one argument"),
        ("exp(*x)", "exactly one argument"),
        ("foo(x)", "unknown function 'foo'"),
        ("x % y", "operator '%'"),
        ("x // y", "operator '//'"),
        ("not x", "operator 'not'"),
        ("~x", "operator '~'"),
        ("True", "only numbers"),
        ("1j", "only real numbers"),
        ("x +", "syntax error"),
        ("x = 1", "syntax error"),
        ("1" + "0" * 400, "number too large"),
        ("1e999", "number too large"),
        ("-" * (MAX_DEPTH + 1) + "x", "nested too deeply"),
        ("exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "nested too deeply"),
        ("x+" * 1000 + "x", "too long"),
    ],
)
def test_rejected_with_a_one_line_reason(text, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(")) as caught:
        build(text, {"x": 1, "y": 2})
    assert "\n" not in str(caught.value)


def test_length_and_depth_limits_are_inclusive():
    assert build("x" + " " * (MAX_LENGTH - 1), {"x": 1})[0].name == "x"
    assert build("-" * (MAX_DEPTH - 1) + "x", {"x": 1})[0].data == -1.0


def test_syntax_errors_give_the_column_in_the_text_as_typed():
    with pytest.raises(ExpressionError, match="column 7"):
        build("  x + * y", {"x": 1, "y": 2})  # the '*'
    assert build("  x  ", {"x": 1})[0].name == "x"


def test_parser_recursion_limits_are_reported_as_nesting(monkeypatch):
    def too_deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded during ast construction")

    monkeypatch.setattr(ast, "parse", too_deep)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        build("x", {"x": 1})


def test_unknown_name_says_which():
    with pytest.raises(UnknownName, match="unknown name 'q'") as caught:
        build("x * q", {"x": 1})
    assert caught.value.name == "q"


def test_domain_errors_come_from_the_engine():
    with pytest.raises(DomainError, match="log"):
        build("log(x - 1)", {"x": 1})


def test_text_is_parsed_never_run(monkeypatch):
    """eval and exec are never called; compile only in ast.parse's AST-only mode."""
    real_compile = builtins.compile

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & ast.PyCF_ONLY_AST, "user text compiled to code"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert build("exp(x) * 2", {"x": 0})[0].data == 2.0
    with pytest.raises(ExpressionError):
        build("__import__('os').getcwd()", {})


def test_a_name_is_reported_as_typed_and_as_python_reads_it():
    """Python reads identifiers in NFKC form: 'ｘ' (fullwidth) is the name 'x'; the message names both."""
    with pytest.raises(UnknownName, match=r"^unknown name 'ｘ' \(read as 'x'\)$") as caught:
        build("2 * ｘ", {"y": 1})
    assert caught.value.name == "ｘ"
    with pytest.raises(ExpressionError, match=r"^unknown function 'ｆｏｏ' \(read as 'foo'\)"):
        build("ｆｏｏ(1)", {})


def test_names_match_in_the_form_python_reads_them():
    out, inputs = build("ｘ * x + ｙ", {"x": 2, "ｙ": 3})  # one leaf for ｘ and x, as Python has it
    assert out.data == 7 and list(inputs) == ["ｘ", "ｙ"] and inputs["ｘ"].name == "ｘ"  # drawn as first typed
    with pytest.raises(ExpressionError, match="'x' and 'ｘ' are the same name"):
        build("x", {"x": 1, "ｘ": 2})
