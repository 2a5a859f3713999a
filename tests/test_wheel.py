"""The built wheel as a user gets it: nothing but ``scratchgrad`` at the top, harmless beside HIPS autograd.

The wheel of 0.1 installed top-level ``autograd``, ``nn`` and ``viz`` packages: into an environment with
HIPS autograd (a dependency of PennyLane and others) it silently overwrote ``autograd/__init__.py``, and
uninstalling either package broke the other (issue #12). These tests install the wheel given with
``--wheel`` (``make test-dist`` builds it) into a fresh virtual environment outside the repository;
without ``--wheel`` they are deselected.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

# HIPS autograd at work: d/dx tanh(x)² = 2 tanh(x) (1 − tanh(x)²), by its own grad and elementwise_grad.
HIPS_PROBE = """
import math, autograd, autograd.numpy as anp
assert hasattr(autograd, "elementwise_grad"), autograd.__file__  # HIPS autograd, not anything of ours
t = math.tanh(0.5)
assert abs(autograd.grad(lambda x: anp.tanh(x) ** 2)(0.5) - 2 * t * (1 - t * t)) < 1e-12
print("hips autograd ok")
"""
OUR_PROBE = """
import scratchgrad, scratchgrad.autograd
from scratchgrad import Value
x = Value(2.0)
(x * x * x).backward()
assert x.grad == 12.0 and scratchgrad.autograd.__name__ == "scratchgrad.autograd"
print("scratchgrad ok")
"""


@pytest.fixture(scope="module")
def wheel(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.getoption("--wheel")).resolve()


class Venv:
    """A fresh virtual environment, used from a folder outside the repository (whose autograd/ would shadow)."""

    def __init__(self, path: Path) -> None:
        self.path, self.cwd = path / "venv", path / "elsewhere"
        self.cwd.mkdir()
        subprocess.run([sys.executable, "-m", "venv", str(self.path)], check=True, timeout=300)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(self.path / "bin" / args[0]), *args[1:]], cwd=self.cwd, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0 or not check, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def python(self, code: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("python", "-c", code, check=check)

    def hips_files(self) -> dict[str, str]:
        """SHA-256 of every file of the installed HIPS autograd package."""
        folder = Path(self.python("import autograd, os; print(os.path.dirname(autograd.__file__))").stdout.strip())
        return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
                for path in sorted(folder.rglob("*")) if path.is_file() and "__pycache__" not in path.parts}


@pytest.fixture(scope="module")
def hips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Venv, dict[str, str]]:
    """A venv with HIPS autograd from the package index, and its files' hashes before ours comes in."""
    venv = Venv(tmp_path_factory.mktemp("hips"))
    venv.run("python", "-m", "pip", "install", "-q", "autograd")
    assert venv.python(HIPS_PROBE).stdout == "hips autograd ok\n"
    return venv, venv.hips_files()


def test_the_wheel_installs_nothing_but_scratchgrad(wheel):
    version = wheel.name.split("-")[1]
    dist_info = f"scratchgrad-{version}.dist-info/"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        record = archive.read(f"{dist_info}RECORD").decode()
        top_level = archive.read(f"{dist_info}top_level.txt").decode().split()
    recorded = [line.split(",")[0] for line in record.splitlines() if line]
    for listing in (names, recorded):
        assert [name for name in listing if not name.startswith(("scratchgrad/", dist_info))] == []
    assert sorted(recorded) == sorted(names) and top_level == ["scratchgrad"]
    parts = {f"scratchgrad/{part}/__init__.py" for part in ("autograd", "nn", "viz", "demos")}
    assert parts | {"scratchgrad/py.typed", f"{dist_info}licenses/LICENSE"} <= set(names)


def test_scratchgrad_installs_beside_hips_autograd_and_harms_nothing(wheel, hips):
    venv, before = hips
    venv.run("python", "-m", "pip", "install", "-q", str(wheel))
    assert venv.python(HIPS_PROBE).stdout == "hips autograd ok\n"
    assert venv.python(OUR_PROBE).stdout == "scratchgrad ok\n"
    assert venv.hips_files() == before  # not one file of HIPS autograd overwritten
    assert venv.run("python", "-m", "pip", "check").returncode == 0


def test_demos_without_their_extra_say_what_to_install(wheel, hips):
    """This venv has only the runtime requirements: the demos' own (matplotlib) are missing for real."""
    venv, _ = hips
    venv.run("python", "-m", "pip", "install", "-q", str(wheel))
    done = venv.run("scratchgrad-train-mnist", check=False)
    assert done.returncode == 2
    assert done.stderr == ("python -m scratchgrad.demos.train_mnist: error: matplotlib and threadpoolctl are missing "
                           "(the demos extra): pip install 'scratchgrad[demos]'\n")


def test_uninstalling_scratchgrad_leaves_hips_autograd_whole(wheel, hips):
    venv, before = hips
    venv.run("python", "-m", "pip", "install", "-q", str(wheel))
    venv.run("python", "-m", "pip", "uninstall", "-y", "-q", "scratchgrad")
    assert venv.python(HIPS_PROBE).stdout == "hips autograd ok\n"
    assert venv.hips_files() == before
    gone = venv.python("import scratchgrad", check=False)
    assert gone.returncode == 1 and "No module named 'scratchgrad'" in gone.stderr
