"""The package as installed: one import package, its version and commands, the demos' extra, what is tested.

These run in every suite run: against the editable checkout (``make test-fast``) and, in CI, against
the wheel installed into a clean virtual environment outside the repository (``make test-dist``),
where ``SCRATCHGRAD_TEST_INSTALLED=1`` says so.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

import pytest

import scratchgrad
from scratchgrad.demos import __main__ as main_job

TESTS = Path(__file__).resolve().parent
SCRIPTS = {"scratchgrad-demos", "scratchgrad-train-mnist", "scratchgrad-gradient-check", "scratchgrad-viz",
           "scratchgrad-network"}
# Runs a module as ``python -m`` does, with matplotlib made unimportable (as without the demos extra).
WITHOUT_MATPLOTLIB = ("import runpy, sys; sys.modules['matplotlib'] = None; "
                      "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_suite_tests_the_package_it_means_to():
    """From a checkout, the source tree beside these tests; with SCRATCHGRAD_TEST_INSTALLED=1, site-packages."""
    where = Path(scratchgrad.autograd.__file__).resolve().parent
    if os.environ.get("SCRATCHGRAD_TEST_INSTALLED"):
        assert where.parent == Path(sysconfig.get_paths()["purelib"]).resolve() / "scratchgrad", where
        assert TESTS.parent not in where.parents
    else:
        assert where == TESTS.parent / "autograd", (
            f"testing {where}, not the checkout {TESTS.parent}; set SCRATCHGRAD_TEST_INSTALLED=1 to test an install")


def test_one_import_package_with_its_parts():
    from scratchgrad import Tensor, Value, autograd, demos, nn, viz

    assert Value is autograd.Value and Tensor is autograd.Tensor
    for part in (autograd, nn, viz, demos):
        assert part.__name__.startswith("scratchgrad.")


def test_version_is_written_once():
    assert scratchgrad.__version__ == importlib.metadata.version("scratchgrad")


def test_metadata_license_and_extras():
    meta = importlib.metadata.metadata("scratchgrad")
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in (meta.get_all("License-File") or [])
    assert {"demos", "test", "dev"} <= set(meta.get_all("Provides-Extra") or [])
    runtime = [r for r in importlib.metadata.requires("scratchgrad") or [] if "extra ==" not in r]
    assert not any(r.startswith(("matplotlib", "threadpoolctl")) for r in runtime), runtime  # the demos' only


def test_console_scripts_are_installed_and_answer_help(tmp_path):
    points = {ep.name: ep for ep in importlib.metadata.entry_points(group="console_scripts")
              if ep.dist is not None and ep.dist.name == "scratchgrad"}
    assert set(points) == SCRIPTS
    bin_dir = Path(sysconfig.get_path("scripts"))
    for name in sorted(SCRIPTS):
        done = run([str(bin_dir / name), "--help"], tmp_path)
        assert (done.returncode, done.stderr) == (0, ""), name
        assert done.stdout.startswith("usage: "), name
    assert list(tmp_path.iterdir()) == []  # --help ran nothing


def test_demos_help_prints_help_and_runs_no_demo(tmp_path):
    done = run([sys.executable, "-m", "scratchgrad.demos", "--help"], tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("usage: python -m scratchgrad.demos [-h] [--data-dir DIR]")
    assert "python -m scratchgrad.demos.train_mnist --help" in " ".join(done.stdout.split())
    assert list(tmp_path.iterdir()) == []  # no figure drawn, no training run
    bad = run([sys.executable, "-m", "scratchgrad.demos", "--iters", "3"], tmp_path)
    assert bad.returncode == 2 and "unrecognized arguments: --iters 3" in bad.stderr


def test_demos_pass_the_data_folder_on(monkeypatch, tmp_path):
    monkeypatch.setattr(main_job, "SHARED_MNIST", tmp_path / "absent")
    monkeypatch.delenv("MNIST_DIR", raising=False)
    assert main_job.mnist_args("/data") == ["--data-dir", "/data"]
    assert main_job.mnist_args() == []


@pytest.mark.parametrize("module", ["scratchgrad.demos", "scratchgrad.demos.train_mnist"])
def test_demos_without_their_extra_say_what_to_install_in_one_line(module, tmp_path):
    done = run([sys.executable, "-c", WITHOUT_MATPLOTLIB, module], tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"python -m {module}: error: matplotlib is missing (the demos extra): "
                           "pip install 'scratchgrad[demos]'\n")
    assert list(tmp_path.iterdir()) == []  # it stopped before drawing or training anything


def test_the_library_and_the_gradient_check_need_no_matplotlib(tmp_path):
    probe = ("import sys; sys.modules['matplotlib'] = None; "
             "import scratchgrad.nn, scratchgrad.viz, scratchgrad.demos.gradient_check; print('ok')")
    done = run([sys.executable, "-c", probe], tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")


def readme_commands() -> list[list[str]]:
    """Each shell command of the README's ``sh`` blocks, split into words, comments dropped."""
    readme = (TESTS.parent / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    return [shlex.split(line, comments=True) for block in blocks for line in block.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_readme_commands_name_real_programs_targets_and_extras(tmp_path):
    """Every program, make target, module, file and extra the README's commands name exists (and answers --help)."""
    commands = readme_commands()
    assert len(commands) >= 15
    targets = set(re.findall(r"^([\w-]+):", (TESTS.parent / "Makefile").read_text(), flags=re.MULTILINE))
    extras = set(importlib.metadata.metadata("scratchgrad").get_all("Provides-Extra") or [])
    bin_dir = Path(sysconfig.get_path("scripts"))
    for words in commands:
        program, args = words[0], words[1:]
        if program == "make":
            assert args[0] in targets, words
        elif program == "pip":
            assert args[0] == "install"
            wanted = re.fullmatch(r"\.(?:\[(\w+)\])?", args[-1])
            assert wanted and (wanted[1] is None or wanted[1] in extras), words
        elif program == ".venv/bin/python" and args[0] == "-m":
            assert args[1].startswith("scratchgrad.") and importlib.util.find_spec(args[1]), words
        elif program == ".venv/bin/python":
            assert (TESTS.parent / args[0]).is_file(), words  # a benchmark script
        elif program == "mkdir":
            assert args == ["-p", "out"], words  # the folder the drawing commands write into
        else:
            assert program.startswith(".venv/bin/") and Path(program).name in SCRIPTS, words
            sub = args[:1] if args[:1] in (["book"], ["replay"]) else []
            done = run([str(bin_dir / Path(program).name), *sub, "--help"], tmp_path)
            assert (done.returncode, done.stderr) == (0, ""), words


def lowest_constraints() -> ModuleType:
    path = TESTS.parent / "scripts" / "lowest_constraints.py"
    spec = importlib.util.spec_from_file_location("lowest_constraints", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lowest_constraints_pin_each_lower_bound_and_follow_own_extras(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "p"\ndependencies = ["numpy>=2.0", "tqdm >= 4.66, <5"]\n'
                         '[project.optional-dependencies]\ndemos = ["matplotlib>=3.8.4; python_version >= \'3.11\'"]\n'
                         'test = ["p[demos]", "pytest==8.0"]\nother = ["torch>=2"]\n')
    assert lowest_constraints().lowest(pyproject, ["test"]) == {
        "numpy": "2.0", "tqdm": "4.66", "matplotlib": "3.8.4", "pytest": "8.0"}
    pyproject.write_text('[project]\nname = "p"\ndependencies = ["graphviz"]\n')
    with pytest.raises(SystemExit, match="'graphviz' has no lower bound"):
        lowest_constraints().lowest(pyproject, [])


def test_lowest_constraints_cover_what_the_test_extra_installs():
    pins = lowest_constraints().lowest(TESTS.parent / "pyproject.toml", ["test"])
    wanted = {re.split(r"[\s\[<>=;]", r, maxsplit=1)[0] for r in importlib.metadata.requires("scratchgrad") or []
              if "extra ==" not in r or re.search(r"extra == \"(demos|test)\"", r)} - {"scratchgrad"}
    assert set(pins) == wanted
