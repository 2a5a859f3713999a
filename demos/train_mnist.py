"""Train the book's two-layer net on MNIST (ch. 5.7.4) and draw its figures 4-11 and 4-12.

The defaults are the book's ``train_neuralnet.py``: 784-50-10 with ReLU and
softmax-with-loss, weights drawn with std 0.01, mini-batches of 100 drawn with
replacement, SGD with lr 0.1, 10,000 iterations, and the train and test
accuracy once per epoch (every 600 iterations, counting from the first).
``--engine`` picks the autograd net (`nn.TwoLayerNet`) or the book's
hand-written layers (`nn.manual.TwoLayerNet`); both run the same loop and the
same `nn.optim` optimizers.

Run: ``python -m scratchgrad.demos.train_mnist [--optimizer adam --hidden 100] [--engine manual]``
(or ``scratchgrad-train-mnist …``). Writes ``loss.png``, ``accuracy.png``,
``loss.csv`` and ``epochs.csv`` to ``--out`` — by default a folder of
``out/mnist/`` named after the run's settings, so runs with other settings
do not overwrite each other, and the plots say which settings made them — and
ends with the line ``test_acc=… train_acc=… train_time_s=…`` (the time of the
training steps alone, without the evaluations). Progress is a bar on a
terminal (a widget in Jupyter) and a line per epoch elsewhere (a log file, CI).
BLAS gets one thread unless told otherwise (see `demos.blas`). Needs the
``demos`` extra (matplotlib, threadpoolctl): without it, one line says how to
install it.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm.auto import tqdm
from tqdm.notebook import tqdm as notebook_tqdm

from scratchgrad import nn
from scratchgrad.autograd import Tensor
from scratchgrad.demos.extras import require_demos_extra
from scratchgrad.nn.booknet import BookNet
from scratchgrad.nn.data import MnistError, load_mnist
from scratchgrad.viz.network.style import hangul_font

# matplotlib (the demos extra) is imported where the figures are drawn, not here: this module's
# helpers serve the gradient check too, which draws nothing, and main() can then name a missing
# extra in one line instead of a traceback.
if TYPE_CHECKING:
    from matplotlib.figure import Figure

PROG = "python -m scratchgrad.demos.train_mnist"
ENGINES = ("autograd", "manual")
# name -> (class in nn.optim, default lr): SGD's is the book's ch. 4-5 script's, the others its ch. 6 defaults.
OPTIMIZERS = {
    "sgd": ("SGD", 0.1),
    "momentum": ("Momentum", 0.01),
    "adagrad": ("AdaGrad", 0.01),
    "rmsprop": ("RMSprop", 0.01),
    "adam": ("Adam", 0.001),
}


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train the book's two-layer net on MNIST; plot the loss and the accuracy per epoch.",
        allow_abbrev=False,
    )
    add = parser.add_argument
    add("--data-dir", metavar="DIR", help="folder with the four MNIST files (default: $MNIST_DIR, else the cache)")
    add("--iters", type=positive_int, metavar="N", default=10_000, help="training iterations (default: 10000)")
    add("--batch-size", type=positive_int, metavar="N", default=100, help="mini-batch size (default: 100)")
    add("--hidden", type=positive_int, metavar="N", default=50, help="hidden units (default: 50)")
    add("--optimizer", choices=OPTIMIZERS, default="sgd", help="update rule (default: sgd)")
    defaults = ", ".join(f"{name} {lr}" for name, (_, lr) in OPTIMIZERS.items())
    add("--lr", type=positive_float, help=f"learning rate (default: the optimizer's: {defaults})")
    add("--engine", choices=ENGINES, default="autograd",
        help="autograd: nn.TwoLayerNet; manual: the book's hand-written layers (default: autograd)")
    add("--dtype", choices=("float32", "float64"), default="float32",
        help="of the images and the weights (default: float32)")
    add("--seed", type=int, metavar="N", default=0, help="seed of the initial weights and the batches (default: 0)")
    add("--out", metavar="DIR",
        help="folder for the plots and CSV files (default: out/mnist/ENGINE-OPTIMIZER-lrLR-..., named after the run)")
    add("--blas-threads", type=positive_int, metavar="N",
        help="BLAS threads (default: 1, or what OPENBLAS_NUM_THREADS etc. already say)")
    add("--quiet", action="store_true", help="no progress bar and no per-epoch lines")
    return parser.parse_args(argv)


Split = tuple[np.ndarray, np.ndarray]
POSTFIX_EVERY = 50  # iterations between updates of the running loss shown on the progress bar


@dataclass(frozen=True)
class EpochRecord:
    """One evaluation, as a row of ``epochs.csv``."""

    epoch: int
    iteration: int  # updates done so far
    train_acc: float
    test_acc: float
    train_time_s: float  # training time so far, evaluations excluded


@dataclass(frozen=True)
class Run:
    """What a training run leaves for the figures, the CSV files and the final line."""

    losses: np.ndarray  # the mini-batch loss of every iteration
    epochs: list[EpochRecord]
    train_time_s: float


def learning_rate(args: argparse.Namespace) -> float:
    return OPTIMIZERS[args.optimizer][1] if args.lr is None else args.lr


def settings(args: argparse.Namespace) -> str:
    """The run's settings in words: the first line printed, and the caption of both figures."""
    return (f"784-{args.hidden}-10 on {args.engine}, {args.optimizer} (lr {learning_rate(args)}), "
            f"batch {args.batch_size}, {args.iters} iterations, {args.dtype}, seed {args.seed}")


def run_folder(args: argparse.Namespace) -> Path:
    """``out/mnist/`` and a name made of every setting that changes the numbers, e.g.
    ``autograd-sgd-lr0.1-hidden50-batch100-iters10000-float32-seed0``: another run goes elsewhere."""
    name = (f"{args.engine}-{args.optimizer}-lr{learning_rate(args)}-hidden{args.hidden}-batch{args.batch_size}-"
            f"iters{args.iters}-{args.dtype}-seed{args.seed}")
    return Path("out", "mnist", name)


def bar_redraws() -> bool:
    """Whether a progress bar can redraw in place: on a terminal, or as the widget tqdm.auto picks in Jupyter.

    Anywhere else (a pipe, a log file, CI) a bar's carriage returns pile up; there the epoch lines alone
    report progress.
    """
    return issubclass(tqdm, notebook_tqdm) or sys.stderr.isatty()


def load_data(prog: str, data_dir: str | None, dtype: str) -> tuple[Split, Split]:
    """MNIST as the book's chapters use it (flat rows in [0, 1], class indices), or exit 2 with one line."""
    try:
        return load_mnist(data_dir, dtype=dtype)
    except MnistError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def make_net(engine: str, hidden: int, dtype: str, rng: np.random.Generator) -> BookNet:
    """The book's 784-hidden-10 net (weight std 0.01); one seed draws the same weights on both engines."""
    net_class = nn.manual.TwoLayerNet if engine == "manual" else nn.TwoLayerNet
    return net_class(784, hidden, 10, weight_init_std=0.01, dtype=dtype, rng=rng)


def make_optimizer(name: str, tensors: dict[str, Tensor], lr: float | None) -> nn.optim.Optimizer:
    """The `nn.optim` optimizer called ``name``, with the book's learning rate for it unless ``lr`` is given."""
    class_name, default_lr = OPTIMIZERS[name]
    return getattr(nn.optim, class_name)(tensors.values(), lr=default_lr if lr is None else lr)


def train(net: BookNet, optimizer_name: str, lr: float | None, data: tuple[Split, Split], iters: int,
          batch_size: int, rng: np.random.Generator, verbose: bool) -> Run:
    """The book's loop, for either engine: sample a batch, backprop, update, evaluate every epoch.

    The optimizer gets the net's live ``params`` arrays wrapped as tensors
    (a float array is wrapped, not copied) and each step's gradients as their
    ``.grad``, so it updates the net in place whichever engine computed them.
    """
    (x_train, t_train), _ = data
    tensors = {name: Tensor(array) for name, array in net.params.items()}
    optimizer = make_optimizer(optimizer_name, tensors, lr)
    per_epoch = max(len(x_train) // batch_size, 1)
    losses, epochs = np.empty(iters), []
    evaluating = 0.0
    with tqdm(total=iters, desc="training", disable=not (verbose and bar_redraws())) as bar:
        start = time.perf_counter()
        for i in range(iters):
            batch = rng.integers(0, len(x_train), batch_size)
            losses[i], grads = net.loss_and_gradient(x_train[batch], t_train[batch])
            for name, tensor in tensors.items():
                tensor.grad = grads[name]
            optimizer.step()
            bar.update()
            if i % POSTFIX_EVERY == 0:
                bar.set_postfix(loss=f"{losses[max(i + 1 - POSTFIX_EVERY, 0):i + 1].mean():.4f}", refresh=False)
            if i % per_epoch == 0:
                paused = time.perf_counter()
                epochs.append(evaluate(net, i // per_epoch, i + 1, paused - start - evaluating, data))
                if verbose:  # above the bar on a terminal; the only progress report elsewhere
                    tqdm.write(epoch_line(epochs[-1], iters, losses[max(i + 1 - per_epoch, 0):i + 1].mean()))
                evaluating += time.perf_counter() - paused
        train_time = time.perf_counter() - start - evaluating
    return Run(losses, epochs, train_time)


def evaluate(net: BookNet, epoch: int, iteration: int, train_time: float, data: tuple[Split, Split]) -> EpochRecord:
    (x_train, t_train), (x_test, t_test) = data
    return EpochRecord(epoch, iteration, net.accuracy(x_train, t_train), net.accuracy(x_test, t_test), train_time)


def epoch_line(record: EpochRecord, iters: int, loss: float) -> str:
    """``epoch  1  iteration   601/10000  loss=0.3127  train_acc=…  test_acc=…``; ``loss`` is the mean since
    the last evaluation."""
    return (f"epoch {record.epoch:2d}  iteration {record.iteration:{len(str(iters))}d}/{iters}  loss={loss:.4f}  "
            f"train_acc={record.train_acc:.4f}  test_acc={record.test_acc:.4f}")


def titled(fig: Figure, korean: str, english: str, caption: str) -> None:
    """The book's Korean title with an English subtitle, or the English alone when no font can draw Hangul;
    ``caption`` (the run's settings) below the plot."""
    fig.supxlabel(caption, fontsize=8, color="0.35")
    font = hangul_font()
    if font is None:
        fig.suptitle(english)
    else:
        fig.suptitle(korean, fontfamily=font, fontsize=13)
        fig.axes[0].set_title(english, fontsize=10, color="0.3")


def plot_loss(losses: np.ndarray, path: Path, caption: str) -> Figure:
    """Figure 4-11: the loss of every mini-batch; returns the figure saved."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.plot(np.arange(1, len(losses) + 1), losses, linewidth=0.6)
    ax.set(xlabel="iteration", ylabel="loss", xlim=(0, len(losses)), ylim=(0, None))
    titled(fig, "학습에 의한 손실 함수값의 변화", "Loss function value over training, one mini-batch per iteration",
           caption)
    fig.savefig(path, dpi=120)
    return fig


def plot_accuracy(epochs: list[EpochRecord], path: Path, caption: str) -> Figure:
    """Figure 4-12: train (solid) and test (dashed) accuracy per epoch; returns the figure saved."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    x = [record.epoch for record in epochs]
    ax.plot(x, [record.train_acc for record in epochs], marker="o", label="train acc")
    ax.plot(x, [record.test_acc for record in epochs], marker="s", linestyle="--", label="test acc")
    ax.set(xlabel="epochs", ylabel="accuracy", ylim=(0, 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower right")
    titled(fig, "훈련 데이터와 시험 데이터에 대한 정확도 추이", "Accuracy on the training and test data, per epoch",
           caption)
    fig.savefig(path, dpi=120)
    return fig


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def save(run: Run, out: Path, caption: str) -> list[Path]:
    """The two figures (``caption`` says what made them) and their numbers; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in ("loss.png", "accuracy.png", "loss.csv", "epochs.csv")]
    plot_loss(run.losses, paths[0], caption)
    plot_accuracy(run.epochs, paths[1], caption)
    write_csv(paths[2], ["iteration", "loss"], list(enumerate(run.losses.tolist(), start=1)))
    write_csv(paths[3], [field.name for field in fields(EpochRecord)], [astuple(record) for record in run.epochs])
    return paths


def main(argv: list[str] | None = None) -> None:
    """Train, save the figures and CSV files, and end with ``test_acc=… train_acc=… train_time_s=…``.

    The final accuracies are those of the trained net, after the last
    iteration; the last per-epoch evaluation can come earlier (at iteration
    9,601 of the book's 10,000).
    """
    args = parse_args(argv)
    require_demos_extra(PROG)
    from scratchgrad.demos.blas import use_blas_threads  # threadpoolctl: the demos extra

    use_blas_threads(args.blas_threads)
    data = load_data(PROG, args.data_dir, args.dtype)
    rng = np.random.default_rng(args.seed)
    net = make_net(args.engine, args.hidden, args.dtype, rng)
    if not args.quiet:
        print(f"MNIST training (book ch. 5.7.4): {settings(args)}")
    run = train(net, args.optimizer, args.lr, data, args.iters, args.batch_size, rng, not args.quiet)
    out = run_folder(args) if args.out is None else Path(args.out)
    paths = save(run, out, settings(args))
    if not args.quiet:
        print(f"wrote {', '.join(path.name for path in paths)} in {out}")
    (x_train, t_train), (x_test, t_test) = data
    print(f"test_acc={net.accuracy(x_test, t_test):.4f} train_acc={net.accuracy(x_train, t_train):.4f} "
          f"train_time_s={run.train_time_s:.1f}")


if __name__ == "__main__":
    main()
