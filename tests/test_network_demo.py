"""`python -m scratchgrad.demos.network` end to end: on tiny generated MNIST always, on the real files when present."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from scratchgrad.demos import network as demo
from scratchgrad.nn.data import FILES


def write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


@pytest.fixture(scope="module")
def tiny_mnist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 training and 100 test images; label k is a bright band on rows 2k+4, 2k+5 (learnable, not perfectly)."""
    folder = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(0)
    arrays = []
    for n in (400, 100):
        labels = rng.integers(0, 10, n)
        images = rng.integers(0, 160, (n, 28, 28))
        images[np.arange(28)[np.newaxis, :] // 2 - 2 == labels[:, np.newaxis]] = 255
        arrays += [images, labels]
    for name, array in zip(FILES, arrays, strict=True):
        write_idx(folder / f"{name}.gz", array)
    return folder


def run(data_dir: Path, out: Path, *args: str) -> list[Path]:
    return demo.main(["--data-dir", str(data_dir), "--out", str(out), *args])


@pytest.fixture
def no_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Figures built but not rendered: the tests that only check what is drawn skip the slow PNG and SVG writing."""
    monkeypatch.setattr(demo, "save", lambda fig, out, name: [out / f"{name}.png", out / f"{name}.svg"])


def test_demo_writes_every_view_as_png_and_svg(tiny_mnist, tmp_path, capsys):
    written = run(tiny_mnist, tmp_path, "--iters", "20", "--lang", "en", "--index", "3", "--descent-seconds", "0.05")
    names = sorted(path.name for path in written)
    stems = ["batch", "descent", "network-3", "network-3-untrained", "neurons"]
    assert names == sorted([f"{stem}.{ext}" for stem in stems for ext in ("png", "svg")] + ["page.html"])
    for path in written:
        data = path.read_bytes()
        if path.suffix == ".html":
            assert data.startswith(b"<!DOCTYPE html>") and b'"iterations":[0,10,20]' in data
        else:
            assert data.startswith(b"\x89PNG") if path.suffix == ".png" else b"<svg" in data[:2000]
    printed = capsys.readouterr().out
    assert "drew test images 3" in printed and "SGD batch 100:" in printed


def test_demo_picks_a_right_and_a_wrong_image_by_default(tiny_mnist, tmp_path, capsys, no_files):
    written = run(tiny_mnist, tmp_path, "--iters", "10", "--no-descent", "--edges", "grad", "--top-k", "2")
    views = sorted(p.stem for p in written if p.stem.startswith("network-") and p.suffix == ".png")
    indices = [int(stem.split("-")[1]) for stem in views if not stem.endswith("untrained")]
    assert len(indices) == 2
    assert not any(p.stem == "descent" for p in written)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--index", "100"], "--index 100 is out of range: the test set has 100 images"),
        (["--index", "-1"], "must be a test-set index"),
        (["--top-k", "0"], "must be from 1 to 20"),
        (["--edges", "both"], "invalid choice"),
        (["--lang", "fr"], "invalid choice"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(args, message, tiny_mnist, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run(tiny_mnist, tmp_path, "--iters", "1", "--no-descent", *args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_demo_on_real_mnist(real_mnist, tmp_path, capsys, no_files):
    """The default views on the real images, after a short training (the GD/SGD runs shortened)."""
    written = run(real_mnist, tmp_path, "--iters", "600", "--descent-seconds", "0.1")
    printed = capsys.readouterr().out
    accuracy = float(printed.split("test accuracy ")[1].split(";")[0])
    assert accuracy > 0.85  # 600 iterations of the book's SGD: ~90%
    right, wrong = (int(p.stem.split("-")[1]) for p in written[:3:2])
    assert right == 0 < wrong  # test image 0, a clear 7, is right already; the first wrong one comes later
    assert len(written) == 13  # a right and a wrong image, the untrained view, neurons, batch, descent; the page
