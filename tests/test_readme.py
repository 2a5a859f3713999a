"""The README's Python examples run and print what they say."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_python_examples_run():
    blocks = python_blocks()
    assert len(blocks) >= 2
    compared = 0
    for block in blocks:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block, str(README), "exec"), {})  # the README is ours, not user input
        for line in block.splitlines():  # a "# 220 2.2 ..." comment after print(...) states the output
            stated = line.split("#", 1)[1].split() if line.startswith("print(") and "#" in line else []
            if stated and re.fullmatch(r"-?\d[\d.e-]*", stated[0]):
                assert printed.getvalue().split() == stated
                compared += 1
    assert compared >= 1, "no README example states its output in a '# ...' comment: nothing was compared"
