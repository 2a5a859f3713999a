"""The MNIST loader under hostile files: bombs, huge or special files, corrupt headers — all bounded, all named.

Memory is bounded for real: `memory_budget` lowers the address-space limit for the duration of a load, so
reading more than the header promises ends in MemoryError (a failure here), not in a slow machine. A load
that would block (opening a FIFO) is ended by `no_hang`'s alarm.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import resource
import signal
import struct
import tempfile
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mnist_files import MIB, TYPE_CODES, gzip_bomb, idx_bytes, idx_header, tiny_mnist, write, write_mnist

from scratchgrad.demos import gradient_check, train_mnist
from scratchgrad.nn import data
from scratchgrad.nn.data import FILES, MAX_BYTES, MAX_NDIM, IdxError, MnistError, load_mnist, read_idx

TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS = FILES
MNIST_TRAIN = (60000, 28, 28)
MNIST_TRAIN_BYTES = 60000 * 28 * 28


def vm_size() -> int:
    """Bytes of address space this process has mapped now."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmSize:\s+(\d+) kB$", status, re.M)[1]) * 1024


@contextmanager
def memory_budget(extra: int):
    """Let the process map at most ``extra`` more bytes inside the block: any allocation beyond fails."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = vm_size() + extra
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.fixture(autouse=True)
def no_hang():
    """A read that blocks (a FIFO opened without a writer) fails the test after 20 s instead of hanging the suite."""

    def hung(signum, frame):
        raise TimeoutError("the loader blocked for 20 s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """1 MiB of gzip that inflates to 1 GiB: a header promising MNIST's training images, then zeros."""
    path = tmp_path_factory.mktemp("bomb") / f"{TRAIN_IMAGES}.gz"
    path.write_bytes(gzip_bomb(idx_header(0x08, MNIST_TRAIN), 1024))
    return path


@pytest.fixture
def tiny_dir(tmp_path):
    return write_mnist(tmp_path / "mnist", tiny_mnist())


def test_the_bomb_is_a_valid_gzip_of_header_and_zeros():
    content = gzip.decompress(gzip_bomb(b"header", 3))
    assert content[:6] == b"header" and len(content) == 6 + 3 * MIB and not any(content[6:])


# --- sizes checked against the header before reading ---------------------------------------------------


def test_a_gzip_bomb_is_stopped_where_the_header_says_the_data_ends(bomb):
    assert bomb.stat().st_size < 1.1 * MIB
    with memory_budget(MNIST_TRAIN_BYTES + 32 * MIB), pytest.raises(IdxError) as caught:
        read_idx(bomb)
    assert str(caught.value) == (
        f"{bomb}: trailing garbage: header says 60000×28×28 = {MNIST_TRAIN_BYTES} bytes of data, "
        f"file has more than {MNIST_TRAIN_BYTES + MIB}"
    )


def test_load_mnist_stops_a_gzip_bomb_too(tiny_dir, bomb):
    (tiny_dir / f"{TRAIN_IMAGES}.gz").unlink()
    os.symlink(bomb, tiny_dir / f"{TRAIN_IMAGES}.gz")
    with memory_budget(MNIST_TRAIN_BYTES + 32 * MIB), pytest.raises(MnistError, match="trailing garbage"):
        load_mnist(tiny_dir)


@pytest.mark.parametrize(
    ("dims", "promised"),
    [((2**32 - 1, 28, 28), "4294967295×28×28 = 3367254359280"), ((65536, 65536), "65536×65536 = 4294967296")],
)
def test_a_header_promising_more_than_the_limit_is_refused_before_reading(tmp_path, dims, promised):
    path = tmp_path / "huge-idx.gz"
    path.write_bytes(gzip_bomb(idx_header(0x08, dims), 1))
    with memory_budget(16 * MIB), pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value) == (
        f"{path}: header says {promised} bytes of data, more than the limit of {MAX_BYTES} (read_idx's max_bytes)"
    )


def test_max_bytes_moves_the_limit(tmp_path):
    path = write(tmp_path / "x-idx.gz", idx_bytes(np.zeros((4, 5), np.uint8)))
    assert read_idx(path, max_bytes=20).shape == (4, 5)
    with pytest.raises(IdxError, match=r"4×5 = 20 bytes of data, more than the limit of 19 \(read_idx's max_bytes\)$"):
        read_idx(path, max_bytes=19)
    with pytest.raises(TypeError, match=r"^max_bytes must be an integer, not '20'$"):
        read_idx(path, max_bytes="20")


def test_a_small_gzip_cannot_promise_more_than_deflate_can_hold(tmp_path):
    """Deflate inflates at most 1032-fold: a 60-byte .gz promising 47 MB is refused before anything is allocated."""
    path = write(tmp_path / "x-idx.gz", idx_header(0x08, MNIST_TRAIN) + bytes(10))
    size = path.stat().st_size
    with memory_budget(16 * MIB), pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value) == (
        f"{path}: truncated: header says 60000×28×28 = {MNIST_TRAIN_BYTES} bytes of data, "
        f"more than {size} bytes of gzip can hold (deflate inflates at most 1032-fold)"
    )


def test_a_huge_raw_file_is_refused_by_its_size_without_reading_it(tmp_path):
    path = tmp_path / TRAIN_IMAGES
    path.write_bytes(idx_header(0x08, MNIST_TRAIN))
    os.truncate(path, 4 << 30)  # sparse: 4 GiB that take no disk
    with memory_budget(16 * MIB), pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value) == (
        f"{path}: trailing garbage: header says 60000×28×28 = {MNIST_TRAIN_BYTES} bytes of data, "
        f"file has {(4 << 30) - 16}"
    )


def test_a_raw_file_shorter_than_its_header_promises_is_refused_without_reading_it(tmp_path):
    path = tmp_path / TRAIN_IMAGES
    path.write_bytes(idx_header(0x08, (65536, 65536)))
    os.truncate(path, 1 << 20)
    with pytest.raises(IdxError, match=r"more than the limit"):
        read_idx(path)
    path.write_bytes(idx_header(0x08, MNIST_TRAIN) + bytes(100))
    with pytest.raises(IdxError, match=f"truncated: header says 60000×28×28 = {MNIST_TRAIN_BYTES} bytes of data, "
                                       "file has 100$"):
        read_idx(path)


def test_a_promise_the_memory_cannot_keep_is_an_idx_error(tmp_path):
    path = tmp_path / "x-idx"
    path.write_bytes(idx_header(0x08, (100, MIB)))
    os.truncate(path, 12 + 100 * MIB)  # sparse: an honest 100 MiB file
    with memory_budget(16 * MIB), pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value) == f"{path}: no memory for the {100 * MIB} bytes its header promises"


# --- corrupt headers -------------------------------------------------------------------------------------


def idx(code: int, dims: tuple[int, ...], body: bytes = b"") -> bytes:
    return idx_header(code, dims) + body


CORRUPT_HEADERS = {
    "too many dimensions": (idx(0x08, (1,) * (MAX_NDIM + 1)), f"{MAX_NDIM + 1} dimensions; IDX files here have 1 to "
                                                                f"{MAX_NDIM}"),
    "255 dimensions": (b"\0\0\x08\xff" + bytes(4 * 255), f"255 dimensions; IDX files here have 1 to {MAX_NDIM}"),
    "no dimensions": (b"\0\0\x08\x00x", f"0 dimensions; IDX files here have 1 to {MAX_NDIM}"),
    "zero items": (idx(0x08, (0, 28, 28)), "no items: header says 0×28×28"),
    "zero in a later dim": (idx(0x0D, (5, 0)), "no items: header says 5×0"),
    "product overflows 64 bits": (idx(0x0E, (2**32 - 1,) * 4), "header says 4294967295×4294967295×4294967295×"
                                                               "4294967295 float64 values × 8 bytes = "),
}


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("case", CORRUPT_HEADERS)
def test_corrupt_headers_are_named(tmp_path, case, suffix):
    content, message = CORRUPT_HEADERS[case]
    path = write(tmp_path / f"x-idx{suffix}", content)
    with memory_budget(16 * MIB), pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_gzip_content_under_a_raw_name_gets_a_hint(tmp_path):
    path = tmp_path / "x-idx"
    path.write_bytes(gzip.compress(idx(0x08, (1,), b"x")))
    with pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value) == (f"{path}: not an IDX file: magic number 1f8b0800 does not start with two zero bytes "
                                 "(gzip-compressed? then the name must end in .gz)")


# --- gzip damage -------------------------------------------------------------------------------------------

GOOD = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
GOOD_GZIP = gzip.compress(GOOD)
CUT = "not a valid gzip file: the file ends inside the gzip stream"
GZIP_DAMAGE = {
    "cut in the trailer": (GOOD_GZIP[:-6], CUT),
    "cut before the length": (GOOD_GZIP[:-4], CUT),
    "cut in the data": (GOOD_GZIP[:25], CUT),
    "cut in the gzip header": (GOOD_GZIP[:5], CUT),
    "trailing garbage after the stream": (GOOD_GZIP + b"garbage", "not a valid gzip file: trailing garbage after the "
                                                                  "gzip stream"),
    "zero padding after the stream": (GOOD_GZIP + bytes(8), "not a valid gzip file: trailing garbage after the gzip "
                                                            "stream"),
    "wrong CRC": (GOOD_GZIP[:-8] + b"\0\0\0\0" + GOOD_GZIP[-4:], "not a valid gzip file (Error -3 while "
                                                                "decompressing data: incorrect data check)"),
    "wrong length": (GOOD_GZIP[:-4] + b"\0\0\0\0", "not a valid gzip file (Error -3 while decompressing data: "
                                                 "incorrect length check)"),
    "more content than promised": (gzip.compress(GOOD + b"more"), "trailing garbage: header says 2×3×4 = 24 bytes of "
                                                                  "data, file has 28"),
}


@pytest.mark.parametrize("case", GZIP_DAMAGE)
def test_gzip_damage_is_named(tmp_path, case):
    content, message = GZIP_DAMAGE[case]
    path = tmp_path / "x-idx.gz"
    path.write_bytes(content)
    with pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_multi_member_gzip_reads_whole(tmp_path):
    path = tmp_path / "x-idx.gz"
    path.write_bytes(gzip.compress(GOOD[:10]) + gzip.compress(GOOD[10:]))
    np.testing.assert_array_equal(read_idx(path), np.arange(24).reshape(2, 3, 4))


# --- not files ---------------------------------------------------------------------------------------------


def special_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "folder").mkdir()
    return {
        "FIFO": (fifo, "is a FIFO (named pipe), not a regular file"),
        "character device": (Path("/dev/zero"), "is a character device, not a regular file"),
        "directory": (tmp_path / "folder", "is a directory, not a regular file"),
        "symlink loop": (loop, "cannot be read (Too many levels of symbolic links)"),
        "missing": (tmp_path / "absent", "cannot be read (No such file or directory)"),
        "NUL in the name": (tmp_path / "a\0b", "cannot be read (embedded null byte)"),
        "name too long": (tmp_path / ("x" * 300), "cannot be read (File name too long)"),
    }


@pytest.mark.parametrize("kind", ["FIFO", "character device", "directory", "symlink loop", "missing",
                                  "NUL in the name", "name too long"])
def test_read_idx_refuses_what_is_not_a_regular_file(tmp_path, kind):
    path, message = special_files(tmp_path)[kind]
    with memory_budget(16 * MIB), pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value) == f"{path}: {message}".replace("\0", "\\x00")


@pytest.mark.parametrize("kind", ["FIFO", "character device", "directory", "symlink loop"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_load_mnist_names_a_special_file_where_a_file_should_be(tmp_path, tiny_dir, kind, suffix):
    """Anything by a file's name is read, not passed over: a broken raw file never silently yields to its .gz."""
    source, message = special_files(tmp_path)[kind]
    path = tiny_dir / f"{TRAIN_LABELS}{suffix}"
    if suffix:
        path.unlink()
    if kind in ("character device", "symlink loop"):
        os.symlink(source, path)
    else:
        os.rename(source, path)
    with memory_budget(16 * MIB), pytest.raises(MnistError) as caught:
        load_mnist(tiny_dir)
    assert str(caught.value) == f"{path}: {message}"


@contextmanager
def unprivileged():
    """Run the block with the effective uid of ``nobody`` (65534) when root, whom file permissions do not stop."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


def test_an_unreadable_file_is_named():
    folder = Path(tempfile.mkdtemp(prefix="scratchgrad-unreadable-"))  # not under tmp_path, which only root may enter
    path = write(folder / "x-idx", GOOD)
    try:
        folder.chmod(0o755)
        path.chmod(0)
        with unprivileged(), pytest.raises(IdxError) as caught:
            read_idx(path)
        assert str(caught.value) == f"{path}: cannot be read (Permission denied)"
    finally:
        path.unlink()
        folder.rmdir()


FOLDERS = {
    "a file": (lambda tmp: write(tmp / "file", b"x"), "is a regular file, not a folder"),
    "a FIFO": (lambda tmp: special_files(tmp)["FIFO"][0], "is a FIFO (named pipe), not a folder"),
    "a symlink loop": (lambda tmp: special_files(tmp)["symlink loop"][0],
                       "cannot be opened (Too many levels of symbolic links)"),
    "a NUL in the name": (lambda tmp: tmp / "a\0b", "cannot be opened (embedded null byte)"),
}


@pytest.mark.parametrize("case", FOLDERS)
def test_a_data_dir_that_is_not_a_folder_is_named(tmp_path, case):
    make, message = FOLDERS[case]
    folder = make(tmp_path)
    with pytest.raises(MnistError) as caught:
        load_mnist(folder)
    escaped = str(folder).replace("\0", "\\x00")
    assert str(caught.value) == f"MNIST folder {escaped} (from the data_dir argument) {message}"


def test_a_cache_that_cannot_be_created_is_named(tmp_path, monkeypatch):
    write(tmp_path / "xdg", b"not a folder")
    with pytest.raises(MnistError) as caught:
        load_mnist()
    cache = tmp_path / "xdg" / "scratchgrad" / "mnist"
    assert str(caught.value).startswith(f"cannot create the MNIST cache folder {cache} (Not a directory); ")


def test_control_characters_in_a_path_stay_on_one_line(tmp_path):
    folder = tmp_path / "two\nlines\x1b[31m"
    with pytest.raises(MnistError) as caught:
        load_mnist(folder)
    escaped = f"{tmp_path}/two\\nlines\\x1b[31m"
    assert str(caught.value) == f"MNIST folder {escaped} (from the data_dir argument) does not exist"


# --- the demos: one line on stderr, exit status 2 --------------------------------------------------------


def hostile_dirs(tmp_path: Path) -> dict[str, Path]:
    tiny = tiny_mnist()
    dirs = {}
    for case in ("fifo", "bomb", "too many labels", "label 10"):
        dirs[case] = write_mnist(tmp_path / case.replace(" ", "-"), tiny)
    (dirs["fifo"] / f"{TEST_IMAGES}.gz").unlink()
    os.mkfifo(dirs["fifo"] / f"{TEST_IMAGES}.gz")
    (dirs["bomb"] / f"{TRAIN_IMAGES}.gz").write_bytes(gzip_bomb(idx_header(0x08, (6, 28, 28)), 64))
    write(dirs["too many labels"] / f"{TRAIN_LABELS}.gz", idx_bytes(np.zeros(7, np.uint8)))
    write(dirs["label 10"] / f"{TEST_LABELS}.gz", idx_bytes(np.array([0, 1, 10, 3], np.uint8)))
    dirs["a file"] = write(tmp_path / "file", b"x")
    dirs["newline in the name"] = tmp_path / "new\nline"
    return dirs


@pytest.mark.parametrize("case", ["fifo", "bomb", "too many labels", "label 10", "a file", "newline in the name"])
@pytest.mark.parametrize("demo", [train_mnist, gradient_check], ids=["train_mnist", "gradient_check"])
def test_the_demos_print_a_loader_error_as_one_line_and_exit_2(tmp_path, capsys, demo, case):
    folder = hostile_dirs(tmp_path)[case]
    with memory_budget(64 * MIB), pytest.raises(SystemExit) as exit_info:
        demo.main(["--data-dir", str(folder)])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{demo.PROG}: error: ") and err.endswith("\n") and err.count("\n") == 1, err


# --- fuzzing read_idx ----------------------------------------------------------------------------------------


@st.composite
def idx_like(draw) -> bytes:
    """Bytes that mostly start like IDX (so the fuzzing gets past the magic number), sometimes anything."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=200))
    code = draw(st.sampled_from([*TYPE_CODES.values(), 0x00, 0x07, 0xFF]))
    dims = draw(st.lists(st.one_of(st.integers(0, 5), st.integers(0, 2**32 - 1)), max_size=MAX_NDIM + 2))
    body = draw(st.binary(max_size=200))
    size = math.prod(dims) * data.IDX_TYPES.get(code, np.dtype("u1")).itemsize
    if size <= 4096 and draw(st.booleans()):  # often exactly the promised size, so that arrays come out
        body = (body * (size // max(len(body), 1) + 1))[:size]
    header = struct.pack(">BBBB", 0, 0, code, len(dims)) + struct.pack(f">{len(dims)}I", *dims)
    return header[: draw(st.sampled_from([len(header), draw(st.integers(0, len(header)))]))] + body


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


FUZZ_MEMORY = 2 * MIB  # the files are below 8 KiB: a read may cost its 1 MiB chunk and change, never more


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=idx_like(), form=st.sampled_from(["raw", "gzip", "raw bytes named .gz"]))
def test_read_idx_returns_an_array_or_raises_idx_error(fuzz_dir, content, form):
    path = fuzz_dir / ("x-idx" if form == "raw" else "x-idx.gz")
    path.write_bytes(gzip.compress(content) if form == "gzip" else content)
    tracemalloc.start()
    try:
        array = read_idx(path)
    except IdxError as error:
        assert str(error).startswith(f"{path}: ")
    else:
        assert isinstance(array, np.ndarray) and array.dtype.isnative and array.size >= 1
        assert array.flags.writeable and array.flags.c_contiguous
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak <= FUZZ_MEMORY
