"""notebooks/: committed without outputs, exactly as notebooks/build_notebooks.py makes them; each one runs in a
real Jupyter kernel (this venv's python), showing a picture in every cell tagged ``drawing``."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*/*.ipynb"))
IMAGES = ("image/svg+xml", "image/png")


def test_every_notebook_exists_in_english_and_korean():
    names = {lang: sorted(p.name for p in (NOTEBOOKS / lang).glob("*.ipynb")) for lang in ("en", "ko")}
    assert names["en"] and names["en"] == names["ko"]
    assert {p.parent.name for p in PATHS} == {"en", "ko"}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_committed_notebook_has_no_outputs_or_execution_counts(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, (
                f"{path.name}: cell {cell.get('id')} was committed with its outputs; clear them "
                "(python notebooks/build_notebooks.py rewrites every notebook without them)")


def test_the_committed_notebooks_are_what_build_notebooks_makes():
    pytest.importorskip("nbformat")
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS / "build_notebooks.py")
    build = importlib.util.module_from_spec(spec)
    sys.modules["build_notebooks"] = build  # its dataclass and the sources look it up by that name
    try:
        spec.loader.exec_module(build)
        made = build.built()
    finally:
        del sys.modules["build_notebooks"]
    assert sorted(made) == PATHS  # no notebook without a source, no source without its notebook
    stale = [str(p.relative_to(NOTEBOOKS)) for p, text in made.items() if p.read_text(encoding="utf-8") != text]
    assert not stale, f"run python notebooks/build_notebooks.py: {stale} differ from their sources"


def this_python_kernel():
    """A kernel manager that starts ipykernel on this test's python: the project's venv, never another Jupyter's."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="this python", language="python")

    return KernelManager(kernel_name="this-python", kernel_spec_manager=ThisPython())


@pytest.mark.parametrize("path", PATHS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_notebook_runs_top_to_bottom_and_shows_its_drawings(path, tmp_path, request, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(path, as_version=4)
    if "mnist" in nb.metadata.get("scratchgrad", {}).get("data", []):  # the kernel inherits the environment
        monkeypatch.setenv("MNIST_DIR", str(request.getfixturevalue("real_mnist")))
    probe = nbformat.v4.new_code_cell("import sys; print(sys.executable)")
    nb.cells.append(probe)
    # timeout: per cell, so a hung cell fails instead of hanging the suite; errors fail (CellExecutionError)
    client = nbclient.NotebookClient(nb, km=this_python_kernel(), timeout=120,
                                     resources={"metadata": {"path": str(tmp_path)}})  # files go to tmp, not the repo
    client.execute()
    assert probe.outputs[0]["text"].strip() == sys.executable
    tagged = {"drawing": 0, "page": 0}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        kinds = {kind for output in cell.get("outputs", []) for kind in output.get("data", {})}
        if "drawing" in tags:
            tagged["drawing"] += 1
            assert kinds & set(IMAGES), f"{path.name}: cell {cell.id} should draw a picture, not {kinds or 'nothing'}"
        if "page" in tags:
            tagged["page"] += 1
            html = next((o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})), "")
            assert html.startswith("<iframe srcdoc="), f"{path.name}: cell {cell.id} should show a page inline"
        assert not any(o["output_type"] == "error" for o in cell.get("outputs", []))
    assert tagged["drawing"] > 0
    assert not list(tmp_path.iterdir()), "a notebook should write no files"
