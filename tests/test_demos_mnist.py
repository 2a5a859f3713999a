"""The MNIST demos end to end on tiny generated IDX files, the gradient check on real MNIST when present."""

from __future__ import annotations

import csv
import gzip
import os
import re
import struct
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from tqdm.notebook import tqdm as notebook_tqdm

from scratchgrad import nn
from scratchgrad.demos import __main__ as main_job
from scratchgrad.demos import gradient_check, train_mnist
from scratchgrad.demos.blas import BLAS_VARIABLES
from scratchgrad.nn.data import FILES

ROOT = Path(__file__).resolve().parents[1]
FINAL_LINE = re.compile(r"test_acc=(\d\.\d{4}) train_acc=(\d\.\d{4}) train_time_s=(\d+\.\d)")
EPOCH_LINE = re.compile(r"epoch +\d+  iteration +\d+/\d+  loss=\d+\.\d{4}  train_acc=\d\.\d{4}  test_acc=\d\.\d{4}")
CHECK_ROW = re.compile(r" +(W1|b1|W2|b2) +(\S+) +(\S+) +(ok|FAILED|-) ")


def write_idx(path: Path, array: np.ndarray) -> None:
    """Unsigned-byte IDX, gzip-compressed: magic (0, 0, 0x08, ndim), big-endian dims, the bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def learnable_split(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy dark images whose label k is a bright band on rows 2k+4 and 2k+5: easy, but only if learnt."""
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 80, (n, 28, 28))
    band = np.arange(28)[np.newaxis, :] // 2 - 2 == labels[:, np.newaxis]  # (n, 28): the label's two rows
    images[band] = 255
    return images, labels


@pytest.fixture(scope="module")
def tiny_mnist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 training and 100 test images in the four standard files."""
    folder = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(0)
    arrays = [*learnable_split(rng, 300), *learnable_split(rng, 100)]
    for name, array in zip(FILES, arrays, strict=True):
        write_idx(folder / f"{name}.gz", array)
    return folder


def train(data_dir: Path, out: Path, *args: str) -> None:
    train_mnist.main(["--data-dir", str(data_dir), "--out", str(out), *args])


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


@pytest.mark.parametrize("engine", train_mnist.ENGINES)
@pytest.mark.parametrize("optimizer", list(train_mnist.OPTIMIZERS))
def test_training_prints_the_final_line_and_writes_the_files(engine, optimizer, tiny_mnist, tmp_path, capsys):
    out = tmp_path / "out"
    train(tiny_mnist, out, "--iters", "30", "--batch-size", "20", "--engine", engine, "--optimizer", optimizer,
          "--quiet")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and FINAL_LINE.fullmatch(lines[0]), lines
    for name in ("loss.png", "accuracy.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    losses = read_csv(out / "loss.csv")
    assert [row["iteration"] for row in losses] == [str(i) for i in range(1, 31)]
    assert all(np.isfinite(float(row["loss"])) for row in losses)
    # 300 images / batch 20 = 15 iterations per epoch: evaluated after iterations 1 and 16, as the book does
    epochs = read_csv(out / "epochs.csv")
    assert [(row["epoch"], row["iteration"]) for row in epochs] == [("0", "1"), ("1", "16")]
    assert list(epochs[0]) == ["epoch", "iteration", "train_acc", "test_acc", "train_time_s"]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_both_engines_learn_the_same_way(optimizer, tiny_mnist, tmp_path, capsys):
    """One loop for both: float64, same seed ⇒ the same batches and the same losses; and the net learns."""
    finals, losses = [], []
    for engine in train_mnist.ENGINES:
        out = tmp_path / engine
        train(tiny_mnist, out, "--iters", "300", "--batch-size", "20", "--dtype", "float64", "--engine", engine,
              "--optimizer", optimizer, "--quiet")
        finals.append(FINAL_LINE.fullmatch(capsys.readouterr().out.strip()))
        losses.append(np.array([float(row["loss"]) for row in read_csv(out / "loss.csv")]))
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-9)
    assert finals[0][1] == finals[1][1] and finals[0][2] == finals[1][2]  # test and train accuracy
    assert float(finals[0][1]) >= 0.9  # chance is 0.1
    assert losses[0][-20:].mean() < 0.2 * losses[0][:20].mean()


def test_progress_is_a_line_per_epoch_when_not_on_a_terminal(tiny_mnist, tmp_path, capsys):
    train(tiny_mnist, tmp_path, "--iters", "31", "--batch-size", "20")
    captured = capsys.readouterr()  # pytest's capture is not a terminal, as a log file or CI is not
    lines = captured.out.splitlines()
    assert lines[0].startswith("MNIST training (book ch. 5.7.4): 784-50-10 on autograd, sgd (lr 0.1), batch 20")
    epoch_lines = [line for line in lines if EPOCH_LINE.fullmatch(line)]
    assert [line.split("  loss=")[0] for line in epoch_lines] == [
        "epoch  0  iteration  1/31", "epoch  1  iteration 16/31", "epoch  2  iteration 31/31"]
    losses = [float(row["loss"]) for row in read_csv(tmp_path / "loss.csv")]
    stated = [float(line.split("loss=")[1].split()[0]) for line in epoch_lines]
    np.testing.assert_allclose(stated, [losses[0], np.mean(losses[1:16]), np.mean(losses[16:31])], atol=5e-5)
    assert lines[-2].startswith("wrote ") and FINAL_LINE.fullmatch(lines[-1])
    assert captured.err == "" and "\r" not in captured.out  # no bar, no carriage returns


def test_progress_bar_on_a_terminal(tiny_mnist, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    train(tiny_mnist, tmp_path, "--iters", "31", "--batch-size", "20")
    captured = capsys.readouterr()
    assert "loss=" in captured.err and "31/31" in captured.err and "\r" in captured.err  # the bar, redrawn
    assert sum(bool(EPOCH_LINE.fullmatch(line)) for line in captured.out.splitlines()) == 3  # above the bar


def test_progress_bar_in_jupyter(monkeypatch):
    """tqdm.auto picks the notebook widget in Jupyter, whose stderr is no terminal: the bar stays on there."""
    assert not train_mnist.bar_redraws()
    monkeypatch.setattr(train_mnist, "tqdm", type("widget", (notebook_tqdm,), {}))
    assert train_mnist.bar_redraws()


def test_runs_write_into_a_folder_named_after_their_settings(tiny_mnist, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    common = ["--data-dir", str(tiny_mnist), "--iters", "3", "--batch-size", "20", "--quiet"]
    train_mnist.main(common)
    train_mnist.main([*common, "--optimizer", "adam", "--engine", "manual"])
    runs = sorted(path.name for path in (tmp_path / "out" / "mnist").iterdir())
    assert runs == ["autograd-sgd-lr0.1-hidden50-batch20-iters3-float32-seed0",
                    "manual-adam-lr0.001-hidden50-batch20-iters3-float32-seed0"]
    for run in runs:
        assert len(read_csv(tmp_path / "out" / "mnist" / run / "loss.csv")) == 3


def test_the_figures_say_which_settings_made_them(tmp_path):
    caption = "784-50-10 on manual, adam (lr 0.001), batch 20, 3 iterations, float32, seed 0"
    records = [train_mnist.EpochRecord(e, 600 * e + 1, 0.9, 0.8, 1.0) for e in range(3)]
    figures = [train_mnist.plot_loss(np.linspace(2.3, 0.2, 100), tmp_path / "loss.png", caption),
               train_mnist.plot_accuracy(records, tmp_path / "accuracy.png", caption)]
    assert [fig.get_supxlabel() for fig in figures] == [caption] * 2


def test_training_time_leaves_out_the_evaluations(tiny_mnist, tmp_path, capsys, monkeypatch):
    def slow_accuracy(self, x, t):
        time.sleep(0.2)
        return 0.5

    monkeypatch.setattr(nn.booknet.BookNet, "accuracy", slow_accuracy)
    train(tiny_mnist, tmp_path, "--iters", "16", "--batch-size", "20", "--quiet")
    final = FINAL_LINE.fullmatch(capsys.readouterr().out.strip())
    assert float(final[3]) < 0.2  # the two evaluations, after iterations 1 and 16, slept 0.8 s
    times = [float(row["train_time_s"]) for row in read_csv(tmp_path / "epochs.csv")]
    assert len(times) == 2 and times[0] <= times[1] < 0.2


def test_optimizer_updates_the_nets_own_arrays(tiny_mnist):
    """The optimizer works on tensors wrapping the net's params: a copy would leave the net untouched."""
    data = nn.data.load_mnist(tiny_mnist)
    for engine in train_mnist.ENGINES:
        rng = np.random.default_rng(0)
        net = train_mnist.make_net(engine, 8, "float32", rng)
        before = {name: array.copy() for name, array in net.params.items()}
        train_mnist.train(net, "momentum", None, data, 5, 10, rng, verbose=False)
        assert all(not np.array_equal(before[name], net.params[name]) for name in before), engine


def test_missing_data_dir_is_one_line_and_exit_2(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    with pytest.raises(SystemExit) as exit_info:
        train_mnist.main(["--data-dir", str(missing), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("python -m scratchgrad.demos.train_mnist: error: ")
    assert str(missing) in captured.err and "does not exist" in captured.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad", [["--iters", "0"], ["--lr", "-0.1"], ["--optimizer", "lbfgs"], ["--blas", "2"]])
def test_bad_flags_exit_2(bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train_mnist.parse_args(bad)
    assert exit_info.value.code == 2


def test_figures_use_a_hangul_font_without_missing_glyphs(tmp_path):
    font = train_mnist.hangul_font()
    if font is None:
        pytest.skip("no font with Hangul installed (e.g. apt install fonts-nanum)")
    records = [train_mnist.EpochRecord(e, 600 * e + 1, 0.9, 0.8, 1.0) for e in range(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for tofu
        train_mnist.plot_loss(np.linspace(2.3, 0.2, 100), tmp_path / "loss.png", "a caption")
        train_mnist.plot_accuracy(records, tmp_path / "accuracy.png", "a caption")
    fig = Figure()
    fig.subplots()
    train_mnist.titled(fig, "학습", "Learning", "settings")
    assert fig.get_suptitle() == "학습" and fig.axes[0].get_title() == "Learning"


def test_figures_fall_back_to_english_titles(tmp_path, monkeypatch):
    monkeypatch.setattr(train_mnist, "hangul_font", lambda: None)
    fig = Figure()
    fig.subplots()
    train_mnist.titled(fig, "학습", "Learning", "settings")
    assert fig.get_suptitle() == "Learning" and fig.axes[0].get_title() == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train_mnist.plot_loss(np.linspace(2.3, 0.2, 100), tmp_path / "loss.png", "settings")


PROBE = """
import sys
from scratchgrad.demos import blas, train_mnist
train_mnist.load_data = lambda *a: (print(*blas.blas_threads()), sys.exit(0))  # stop once the threads are set
train_mnist.main(sys.argv[1:])
"""


@pytest.mark.parametrize(
    ("args", "preset", "expected"),
    [
        ([], {}, "1"),
        (["--blas-threads", "2"], {}, "2"),
        (["--blas-threads=1"], {"OPENBLAS_NUM_THREADS": "2"}, "1"),
        ([], {"OPENBLAS_NUM_THREADS": "2"}, "2"),  # the environment's own setting is kept
    ],
)
def test_blas_threads_are_limited_after_numpy_loaded(args, preset, expected):
    if os.cpu_count() < 2:
        pytest.skip("OpenBLAS caps its threads at the number of cores")
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES} | preset
    result = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True,
                            text=True, timeout=60, check=True)
    assert result.stdout.split() == [expected]


def test_main_job_uses_the_shared_mnist_folder_unless_mnist_dir_is_set(monkeypatch, tmp_path):
    monkeypatch.setattr(main_job, "SHARED_MNIST", tmp_path)
    monkeypatch.delenv("MNIST_DIR", raising=False)
    assert main_job.mnist_args() == ["--data-dir", str(tmp_path)]
    monkeypatch.setenv("MNIST_DIR", "/somewhere")
    assert main_job.mnist_args() == []
    monkeypatch.delenv("MNIST_DIR")
    monkeypatch.setattr(main_job, "SHARED_MNIST", tmp_path / "absent")
    assert main_job.mnist_args() == []


def test_book_defaults_learn_real_mnist(real_mnist, tmp_path, capsys):
    """The book's whole run on the real images (~10 s). It ends at 97.01% here (seeds 0–4:
    96.89–97.13%); the bound leaves room for another CPU's rounding, not for a broken step."""
    train(real_mnist, tmp_path, "--quiet")
    final = FINAL_LINE.fullmatch(capsys.readouterr().out.strip())
    assert final, "no final line"
    test_acc, train_acc = float(final[1]), float(final[2])
    assert test_acc >= 0.965 and train_acc >= 0.97, final[0]


def check_rows(printed: str) -> list[tuple[str, float, float, str]]:
    return [(m[1], float(m[2]), float(m[3]), m[4]) for m in map(CHECK_ROW.match, printed.splitlines()) if m]


def test_gradient_check_agrees_to_1e_7_in_float64(real_mnist, capsys):
    """On the real images, as the book does; a small hidden layer for speed."""
    gradient_check.main(["--data-dir", str(real_mnist), "--hidden", "5"])
    printed = capsys.readouterr().out
    rows = check_rows(printed)
    assert [row[0] for row in rows] == ["W1", "b1", "W2", "b2"] * 2  # autograd, then manual
    for name, mean_diff, rel_error, verdict in rows:
        assert rel_error <= 1e-7 and mean_diff <= 1e-9 and verdict == "ok", name
    assert printed.count("(7,970 loss evaluations)") == 2  # 2 × (784·5 + 5 + 5·10 + 10)


def test_gradient_check_fails_a_wrong_gradient(tiny_mnist, capsys, monkeypatch):
    original = nn.manual.TwoLayerNet.loss_and_gradient

    def doubled_b2(self, x, t):
        loss, grads = original(self, x, t)
        return loss, {**grads, "b2": 2 * grads["b2"]}

    monkeypatch.setattr(nn.manual.TwoLayerNet, "loss_and_gradient", doubled_b2)
    with pytest.raises(SystemExit, match="gradient check failed: manual b2"):
        gradient_check.main(["--data-dir", str(tiny_mnist), "--hidden", "3", "--engine", "manual"])
    verdicts = {name: verdict for name, _, _, verdict in check_rows(capsys.readouterr().out)}
    assert verdicts == {"W1": "ok", "b1": "ok", "W2": "ok", "b2": "FAILED"}


def test_gradient_check_gives_no_verdict_in_float32_and_warns_why(tiny_mnist, capsys):
    gradient_check.main(["--data-dir", str(tiny_mnist), "--hidden", "3", "--engine", "autograd", "--dtype", "float32"])
    captured = capsys.readouterr()
    rows = check_rows(captured.out)
    assert [verdict for *_, verdict in rows] == ["-"] * 4
    assert all(rel_error < 0.05 for _, _, rel_error, _ in rows)  # measured <= 0.016; 1.5x wrong gives 0.33
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("python -m scratchgrad.demos.gradient_check: warning: float32 rounds every loss")
    assert "not a wrong backprop" in captured.err and "--dtype float64" in captured.err


def test_gradient_check_in_float64_does_not_warn(tiny_mnist, capsys):
    gradient_check.main(["--data-dir", str(tiny_mnist), "--hidden", "2", "--engine", "manual"])
    assert capsys.readouterr().err == ""
