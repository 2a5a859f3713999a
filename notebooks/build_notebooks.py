"""Build the notebooks in en/ and ko/ from one readable source per notebook (the ``ch*_*.py`` files here).

    python notebooks/build_notebooks.py    # write en/*.ipynb and ko/*.ipynb

tests/test_notebooks.py fails when a committed notebook differs from what this writes.

Each source module has ``NAME`` (the file name, without .ipynb), ``DATA`` if it reads a data set, and
``CELLS``: markdown cells with
the English and the Korean text (`md`, `answer`), code cells shared by both (`code`). The code is the
same in both languages, so a fix reaches both; the notebooks are written without outputs, with
stable cell ids, so that rebuilding an unchanged source changes no byte (a test checks it).

Tags on code cells say what the cell must show when run (tests/test_notebooks.py checks it):
``drawing`` an image (SVG or PNG), ``page`` an HTML page (a backward replay).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
LANGS = ("en", "ko")
SOURCES = ("ch1_graph", "ch2_chain_rule", "ch3_activations", "ch4_affine_softmax",
           "ch5_two_layer_net", "ch6_training",
           "ch7_network_view")
"""The notebooks in the order the chapter teaches them."""


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" or "code"
    text: dict[str, str]  # per language; a code cell has one text for both
    tags: tuple[str, ...] = ()


def md(en: str, ko: str) -> Cell:
    """Prose, in English and in Korean."""
    return Cell("markdown", {"en": en.strip(), "ko": ko.strip()})


def code(source: str, *tags: str) -> Cell:
    """Code, the same in both languages but for ``{LANG}``, written as the notebook's language (``"en"``, ``"ko"``):
    the language of a figure's labels. ``tags``: ``drawing`` or ``page`` (what the cell must show)."""
    return Cell("code", {lang: source.strip().replace("{LANG}", lang) for lang in LANGS}, tags)


def answer(en: str, ko: str) -> Cell:
    """An exercise's answer, folded: the reader opens it after trying."""
    fold = {"en": "Answer (open after you have tried)", "ko": "정답 (먼저 풀어 본 뒤에 열어 보세요)"}
    return Cell("markdown", {lang: f"<details>\n<summary>{fold[lang]}</summary>\n\n{text.strip()}\n\n</details>"
                             for lang, text in (("en", en), ("ko", ko))})


def notebook(name: str, cells: list[Cell], lang: str, data: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """The notebook of ``cells`` in ``lang``: no outputs, cell ids made from the name and the position.

    ``data``: the data sets it reads (``"mnist"``), recorded in its metadata for the test that runs it.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    if data:
        nb.metadata["scratchgrad"] = {"data": list(data)}
    for k, cell in enumerate(cells, 1):
        made = (nbformat.v4.new_markdown_cell if cell.kind == "markdown" else nbformat.v4.new_code_cell)(
            cell.text[lang])
        made.id = f"{name[:40]}-{k:02d}"
        if cell.tags:
            made.metadata["tags"] = list(cell.tags)
        nb.cells.append(made)
    nbformat.validate(nb)
    return nb


def built() -> dict[Path, str]:
    """Every notebook's path and its text, as this script writes them."""
    sys.path.insert(0, str(HERE))
    try:
        modules = [importlib.import_module(source) for source in SOURCES]
    finally:
        sys.path.remove(str(HERE))
    return {HERE / lang / f"{module.NAME}.ipynb": nbformat.writes(
        notebook(module.NAME, module.CELLS, lang, getattr(module, "DATA", ()))) + "\n"
            for module in modules for lang in LANGS}


def main(argv: list[str]) -> int:
    if argv:
        print("usage: python notebooks/build_notebooks.py  (writes notebooks/en and notebooks/ko)", file=sys.stderr)
        return 2
    for path, text in built().items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
