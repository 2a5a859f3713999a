"""The MNIST loader: the IDX parser, where files are looked for, every refusal, the download, the real data."""

import errno
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytest
from mnist_files import idx_bytes, tiny_mnist, write, write_mnist

from scratchgrad.nn import data
from scratchgrad.nn.data import FILES, SHA256, IdxError, MnistError, cache_dir, load_mnist, read_idx, register

TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS = FILES


class FakeResponse(io.BytesIO):
    """Just enough of an HTTP response for the downloader."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.headers = {"Content-Length": str(len(content))}


def serve(monkeypatch, files: dict[str, bytes], down: tuple[str, ...] = ()) -> list[str]:
    """Make urlopen serve ``files`` by URL basename, except from the mirrors ``down``; return the URLs asked for."""
    calls = []

    def urlopen(url, timeout=None):
        calls.append(url)
        if url.startswith(down):
            raise urllib.error.URLError("mirror down")
        return FakeResponse(files[url.rsplit("/", 1)[1]])

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return calls


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No test sees the user's MNIST_DIR or cache, and none touches the network unless it fakes it."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def no_network(url, timeout=None):
        raise AssertionError(f"unexpected download of {url}")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)


@pytest.fixture
def tiny():
    return tiny_mnist()


@pytest.fixture
def tiny_dir(tmp_path, tiny):
    return write_mnist(tmp_path / "mnist", tiny)


@pytest.fixture
def tiny_digests(monkeypatch, tiny):
    """Make the tiny files the 'known' ones, as if they were the real MNIST."""
    digests = {name: hashlib.sha256(idx_bytes(array)).hexdigest() for name, array in tiny.items()}
    monkeypatch.setattr(data, "SHA256", digests)
    return digests


# --- the IDX parser ---------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [">u1", ">i1", ">i2", ">i4", ">f4", ">f8"])
def test_read_idx_round_trips_every_type_code(tmp_path, dtype, suffix):
    values = np.arange(24).reshape(2, 3, 4) * 5
    array = (values if dtype == ">u1" else values - 60).astype(dtype)
    got = read_idx(write(tmp_path / f"x-idx{suffix}", idx_bytes(array)))
    np.testing.assert_array_equal(got, array)
    assert got.dtype == array.dtype.newbyteorder("=") and got.dtype.isnative
    assert got.flags.writeable


BROKEN_IDX = {
    "too short": (lambda b: b[:3], "3 bytes, too short for the 4-byte IDX magic number"),
    "bad magic": (
        lambda b: b"\x01" + b[1:],
        "not an IDX file: magic number 01000803 does not start with two zero bytes",
    ),
    "unknown type": (
        lambda b: b[:2] + b"\x07" + b[3:],
        "unknown IDX type code 0x07 (known: 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E)",
    ),
    "short header": (lambda b: b[:10], "truncated header: 3 dimensions need 16 bytes, file has 10"),
    "truncated": (lambda b: b[:-1], "truncated: header says 2×3×4 = 24 bytes of data, file has 23"),
    "trailing garbage": (lambda b: b + b"xyz", "trailing garbage: header says 2×3×4 = 24 bytes of data, file has 27"),
}


@pytest.mark.parametrize("case", BROKEN_IDX)
def test_read_idx_names_the_file_and_the_problem(tmp_path, case):
    damage, message = BROKEN_IDX[case]
    path = write(tmp_path / "broken-idx.gz", damage(idx_bytes(np.zeros((2, 3, 4), np.uint8))))
    with pytest.raises(IdxError) as caught:
        read_idx(path)
    assert str(caught.value) == f"{path}: {message}"


def test_truncation_of_multibyte_data_counts_bytes_per_value(tmp_path):
    path = write(tmp_path / "ints-idx", idx_bytes(np.zeros((2, 3), ">i4"))[:-4])
    with pytest.raises(IdxError, match=r"header says 2×3 int32 values × 4 bytes = 24 bytes of data, file has 20$"):
        read_idx(path)


GOOD_GZIP = gzip.compress(idx_bytes(np.zeros((2, 3, 4), np.uint8)))
BROKEN_GZIP = {
    "not gzip at all": (idx_bytes(np.zeros(3, np.uint8)), gzip.BadGzipFile),
    "cut short": (GOOD_GZIP[:-12], EOFError),
    "invalid deflate block": (GOOD_GZIP[:10] + b"\x07" + GOOD_GZIP[11:], zlib.error),
}


@pytest.mark.parametrize("case", BROKEN_GZIP)
def test_corrupt_gzip_is_reported_not_raised_raw(tmp_path, case):
    content, raw_error = BROKEN_GZIP[case]
    with pytest.raises(raw_error):  # the damage is of the kind named
        gzip.decompress(content)
    path = tmp_path / "x-idx.gz"
    path.write_bytes(content)
    with pytest.raises(IdxError, match=f"^{re.escape(str(path))}: not a valid gzip file"):
        read_idx(path)


# --- load_mnist on tiny files -------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_loads_a_folder_like_the_book(tmp_path, tiny, suffix):
    (x_train, t_train), (x_test, t_test) = load_mnist(write_mnist(tmp_path / "m", tiny, suffix))
    assert x_train.shape == (6, 784) and x_test.shape == (4, 784)
    assert x_train.dtype == np.float32 and t_train.dtype == np.int64
    np.testing.assert_allclose(x_train, tiny[TRAIN_IMAGES].reshape(6, 784) / 255, rtol=1e-6)
    np.testing.assert_allclose(x_test, tiny[TEST_IMAGES].reshape(4, 784) / 255, rtol=1e-6)
    np.testing.assert_array_equal(t_train, tiny[TRAIN_LABELS])
    np.testing.assert_array_equal(t_test, tiny[TEST_LABELS])


def test_raw_uint8_unflattened_images(tiny_dir, tiny):
    (x_train, _), (x_test, _) = load_mnist(tiny_dir, normalize=False, flatten=False)
    assert x_train.dtype == np.uint8 and x_train.shape == (6, 1, 28, 28)
    np.testing.assert_array_equal(x_train[:, 0], tiny[TRAIN_IMAGES])
    np.testing.assert_array_equal(x_test[:, 0], tiny[TEST_IMAGES])


def test_one_hot_labels_take_the_dtype(tiny_dir, tiny):
    (x_train, t_train), (_, t_test) = load_mnist(tiny_dir, one_hot=True, dtype=np.float64)
    assert x_train.dtype == np.float64 and t_train.dtype == np.float64
    assert t_train.shape == (6, 10) and t_test.shape == (4, 10)
    np.testing.assert_array_equal(t_train.sum(axis=1), 1)
    np.testing.assert_array_equal(t_train.argmax(axis=1), tiny[TRAIN_LABELS])
    np.testing.assert_array_equal(t_test.argmax(axis=1), tiny[TEST_LABELS])


def test_the_books_keyword_names_are_accepted(tiny_dir, tiny):
    """The book calls ``load_mnist(normalize=True, flatten=True, one_hot_label=True)``; one_hot is our name for it."""
    (x_book, t_book), (_, t_test_book) = load_mnist(tiny_dir, normalize=True, flatten=True, one_hot_label=True)
    (x_ours, t_ours), (_, t_test_ours) = load_mnist(tiny_dir, one_hot=True)
    assert t_book.shape == (6, 10) and t_test_book.shape == (4, 10)
    np.testing.assert_array_equal(t_book, t_ours)
    np.testing.assert_array_equal(t_test_book, t_test_ours)
    np.testing.assert_array_equal(x_book, x_ours)
    (_, t_both), _ = load_mnist(tiny_dir, one_hot=True, one_hot_label=True)
    np.testing.assert_array_equal(t_both, t_ours)
    for flags in ({"one_hot_label": False}, {"one_hot": False, "one_hot_label": False}, {}):
        (_, labels), _ = load_mnist(tiny_dir, **flags)
        np.testing.assert_array_equal(labels, tiny[TRAIN_LABELS])


@pytest.mark.parametrize(("one_hot", "one_hot_label"), [(True, False), (False, True)])
def test_one_hot_and_one_hot_label_that_disagree_are_refused(tiny_dir, one_hot, one_hot_label):
    with pytest.raises(TypeError) as caught:
        load_mnist(tiny_dir, one_hot=one_hot, one_hot_label=one_hot_label)
    assert str(caught.value) == (
        f"load_mnist() got one_hot={one_hot} and one_hot_label={one_hot_label}: they are one option "
        "(one_hot_label is the book's name), give one of them"
    )


def test_the_books_options_must_be_keywords(tiny_dir):
    """The book's order is (normalize, flatten, one_hot_label), ours starts with data_dir: no positional flag binds."""
    with pytest.raises(TypeError, match=r"^data_dir must be a folder \(str or os.PathLike\), not bool; pass the "
                                        r"book's options by name: load_mnist\(normalize=True, flatten=True, "
                                        r"one_hot_label=False\)$"):
        load_mnist(True)
    with pytest.raises(TypeError, match="positional argument"):
        load_mnist(tiny_dir, True)


@pytest.mark.parametrize("flag", ["normalize", "flatten", "one_hot", "one_hot_label", "verify"])
def test_flags_must_be_booleans(tiny_dir, flag):
    with pytest.raises(TypeError, match=f"^{flag} must be True or False, not 'False'$"):
        load_mnist(tiny_dir, **{flag: "False"})
    load_mnist(tiny_dir, **{flag: np.bool_(False)})  # NumPy's booleans are booleans too


def test_normalized_images_need_a_float_dtype(tiny_dir):
    with pytest.raises(TypeError, match=r"^normalize=True scales the images to \[0, 1\]: dtype must be a float type, "
                                        r"not int32$"):
        load_mnist(tiny_dir, dtype=np.int32)
    (x_train, t_train), _ = load_mnist(tiny_dir, normalize=False, one_hot=True, dtype=np.int32)
    assert x_train.dtype == np.uint8 and t_train.dtype == np.int32


def test_mnist_dir_is_used_when_no_folder_is_given(monkeypatch, tiny_dir, tiny):
    monkeypatch.setenv("MNIST_DIR", str(tiny_dir))
    (_, t_train), _ = load_mnist()
    np.testing.assert_array_equal(t_train, tiny[TRAIN_LABELS])


def test_data_dir_wins_over_mnist_dir(monkeypatch, tmp_path, tiny_dir):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "empty"))
    (x_train, _), _ = load_mnist(tiny_dir)
    assert len(x_train) == 6


def test_the_cache_is_used_last_and_needs_no_download(monkeypatch, tmp_path, tiny):
    write_mnist(tmp_path / "xdg" / "scratchgrad" / "mnist", tiny)
    (x_train, _), _ = load_mnist()
    assert len(x_train) == 6


def test_mnist_dir_lacking_files_is_an_error_even_with_a_full_cache(monkeypatch, tmp_path, tiny):
    write_mnist(cache_dir(), tiny)
    partial = write_mnist(tmp_path / "partial", {TRAIN_IMAGES: tiny[TRAIN_IMAGES]})
    monkeypatch.setenv("MNIST_DIR", str(partial))
    with pytest.raises(MnistError) as caught:
        load_mnist()
    assert str(caught.value) == (
        f"MNIST folder {partial} (from the MNIST_DIR environment variable) lacks "
        f"{TRAIN_LABELS}[.gz], {TEST_IMAGES}[.gz], {TEST_LABELS}[.gz]"
    )


def test_missing_files_are_named_with_where_they_were_looked_for(tiny_dir):
    (tiny_dir / f"{TRAIN_LABELS}.gz").unlink()
    (tiny_dir / f"{TEST_IMAGES}.gz").unlink()
    with pytest.raises(MnistError) as caught:
        load_mnist(tiny_dir)
    assert str(caught.value) == (
        f"MNIST folder {tiny_dir} (from the data_dir argument) lacks {TRAIN_LABELS}[.gz], {TEST_IMAGES}[.gz]"
    )


def test_a_folder_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(MnistError, match=f"^MNIST folder {re.escape(str(tmp_path / 'nowhere'))} .* does not exist$"):
        load_mnist(tmp_path / "nowhere")


def test_raw_file_is_preferred_to_its_gz(tiny_dir, tiny):
    write(tiny_dir / TRAIN_LABELS, idx_bytes(tiny[TRAIN_LABELS][::-1].copy()))
    (_, t_train), _ = load_mnist(tiny_dir)
    np.testing.assert_array_equal(t_train, tiny[TRAIN_LABELS][::-1])


WRONG_CONTENT = {
    "flat images": (TRAIN_IMAGES, np.zeros((6, 784), np.uint8), "expected images shaped N×28×28, found 2-D 6×784$"),
    "wrong image size": (
        TEST_IMAGES,
        np.zeros((4, 32, 32), np.uint8),
        "expected images shaped N×28×28, found 3-D 4×32×32$",
    ),
    "labels where images belong": (
        TRAIN_IMAGES,
        np.zeros(6, np.uint8),
        "expected images shaped N×28×28, found 1-D 6 — a mislabelled labels file\\?$",
    ),
    "images where labels belong": (
        TEST_LABELS,
        np.zeros((4, 28, 28), np.uint8),
        "expected labels shaped N, found 3-D 4×28×28 — a mislabelled images file\\?$",
    ),
    "int32 images": (
        TRAIN_IMAGES,
        np.zeros((6, 28, 28), ">i4"),
        "holds int32 values, MNIST images are unsigned bytes \\(IDX type 0x08\\)$",
    ),
    "label out of range": (
        TRAIN_LABELS,
        np.array([1, 2, 12, 3, 10, 4], np.uint8),
        "labels must be 0–9, found 12 at index 2 \\(2 out-of-range labels in all\\)$",
    ),
    "truncated": (TEST_LABELS, None, "truncated: header says 4 = 4 bytes of data, file has 3$"),
}


@pytest.mark.parametrize("case", WRONG_CONTENT)
def test_files_that_are_not_mnist_are_refused_by_name(tiny_dir, tiny, case):
    name, array, message = WRONG_CONTENT[case]
    content = idx_bytes(tiny[name])[:-1] if array is None else idx_bytes(array)
    path = write(tiny_dir / f"{name}.gz", content)
    with pytest.raises(MnistError, match=f"^{re.escape(str(path))}: {message}"):
        load_mnist(tiny_dir)


def test_images_and_labels_must_pair_up(tiny_dir, tiny):
    labels = write(tiny_dir / f"{TRAIN_LABELS}.gz", idx_bytes(tiny[TRAIN_LABELS][:5]))
    images = tiny_dir / f"{TRAIN_IMAGES}.gz"
    with pytest.raises(MnistError) as caught:
        load_mnist(tiny_dir)
    assert str(caught.value) == f"{images} has 6 images but {labels} has 5 labels"


def test_verify_checks_every_file_against_the_known_digests(tiny_dir, tiny_digests):
    load_mnist(tiny_dir, verify=True)
    other = idx_bytes(np.array([9, 9, 9, 9], np.uint8))
    path = write(tiny_dir / TEST_LABELS, other)
    with pytest.raises(MnistError) as caught:
        load_mnist(tiny_dir, verify=True)
    assert str(caught.value) == (
        f"{path}: SHA-256 of the content is {hashlib.sha256(other).hexdigest()}, "
        f"but {TEST_LABELS} should be {tiny_digests[TEST_LABELS]}"
    )


def test_loading_does_not_hash_unless_asked(monkeypatch, tiny_dir):
    def no_hashing(*args):
        raise AssertionError("hashed on a plain load")

    monkeypatch.setattr(hashlib, "sha256", no_hashing)
    (x_train, _), _ = load_mnist(tiny_dir)
    assert len(x_train) == 6


def test_cache_dir_defaults_to_home_cache(monkeypatch, tmp_path):
    assert cache_dir() == tmp_path / "xdg" / "scratchgrad" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "scratchgrad" / "mnist"


# --- downloading into the cache ------------------------------------------------


@pytest.mark.parametrize("error", [urllib.error.URLError("no route to host"), TimeoutError("timed out")])
def test_offline_says_where_to_put_the_files(monkeypatch, error):
    calls = []

    def offline(url, timeout=None):
        calls.append(url)
        raise error

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(MnistError) as caught:
        load_mnist()
    message = str(caught.value)
    assert message.startswith(f"{TRAIN_IMAGES} is not in the cache {cache_dir()} and could not be downloaded")
    assert f"Put the four MNIST files ({', '.join(FILES)}, raw or .gz) in {cache_dir()}" in message
    assert "data_dir (the demos' --data-dir)" in message and "MNIST_DIR" in message
    assert calls == [f"{mirror}{TRAIN_IMAGES}.gz" for mirror in data.MIRRORS]
    assert all(f"{url}: " in message for url in calls)
    assert list(cache_dir().iterdir()) == []


def test_a_download_with_the_wrong_checksum_is_discarded(monkeypatch, tiny):
    serve(monkeypatch, {f"{name}.gz": gzip.compress(idx_bytes(array)) for name, array in tiny.items()})
    with pytest.raises(MnistError) as caught:
        load_mnist()
    url = f"{data.MIRRORS[0]}{TRAIN_IMAGES}.gz"
    assert str(caught.value).startswith(f"{url}: SHA-256 of the content is ")
    assert str(caught.value).endswith(
        f"but {TRAIN_IMAGES} should be {SHA256[TRAIN_IMAGES]}; the download was discarded, "
        f"nothing was saved in {cache_dir()}"
    )
    assert list(cache_dir().iterdir()) == []


def test_a_download_that_is_not_gzip_is_discarded(monkeypatch, tiny):
    serve(monkeypatch, {f"{name}.gz": b"<html>Service Unavailable</html>" for name in tiny})
    url = re.escape(f"{data.MIRRORS[0]}{TRAIN_IMAGES}.gz")
    with pytest.raises(MnistError, match=f"^{url}: not a valid gzip file .*; the download was discarded"):
        load_mnist()
    assert list(cache_dir().iterdir()) == []


def test_a_download_larger_than_any_mnist_file_is_stopped(monkeypatch, tiny):
    """A broken or hostile mirror cannot fill the disk: the download stops past DOWNLOAD_LIMIT bytes."""
    monkeypatch.setattr(data, "DOWNLOAD_LIMIT", 100_000)
    serve(monkeypatch, {f"{name}.gz": bytes(300_000) for name in tiny})
    with pytest.raises(MnistError) as caught:
        load_mnist()
    url = f"{data.MIRRORS[0]}{TRAIN_IMAGES}.gz"
    assert str(caught.value) == (
        f"{url}: more than 100000 bytes, more than any MNIST file; the download was discarded, "
        f"nothing was saved in {cache_dir()}"
    )
    assert list(cache_dir().iterdir()) == []


def test_missing_files_are_downloaded_verified_and_kept(monkeypatch, tiny, tiny_digests):
    files = {f"{name}.gz": gzip.compress(idx_bytes(array)) for name, array in tiny.items()}
    calls = serve(monkeypatch, files, down=data.MIRRORS[:1])
    (_, t_train), (x_test, _) = load_mnist()
    assert calls == [f"{mirror}{name}.gz" for name in FILES for mirror in data.MIRRORS]
    assert sorted(p.name for p in cache_dir().iterdir()) == sorted(f"{name}.gz" for name in FILES)
    np.testing.assert_array_equal(t_train, tiny[TRAIN_LABELS])
    np.testing.assert_allclose(x_test, tiny[TEST_IMAGES].reshape(4, 784) / 255, rtol=1e-6)
    load_mnist()  # now served from the cache: no more requests
    assert len(calls) == 8


def test_only_the_files_missing_from_the_cache_are_downloaded(monkeypatch, tiny, tiny_digests):
    write_mnist(cache_dir(), {name: array for name, array in tiny.items() if name != TEST_LABELS})
    calls = serve(monkeypatch, {f"{TEST_LABELS}.gz": gzip.compress(idx_bytes(tiny[TEST_LABELS]))})
    (_, _), (_, t_test) = load_mnist()
    assert calls == [f"{data.MIRRORS[0]}{TEST_LABELS}.gz"]
    np.testing.assert_array_equal(t_test, tiny[TEST_LABELS])


# --- registering a folder in the cache ---------------------------------------------


def cached_files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in cache_dir().iterdir()} if cache_dir().exists() else {}


def test_register_copies_verified_files_so_that_loads_need_no_folder(tiny_dir, tiny, tiny_digests):
    copied = register(tiny_dir)
    assert copied == [cache_dir() / f"{name}.gz" for name in FILES]
    assert cached_files() == {f"{name}.gz": (tiny_dir / f"{name}.gz").read_bytes() for name in FILES}
    (_, t_train), (x_test, _) = load_mnist()  # the autouse fixture fails any download
    np.testing.assert_array_equal(t_train, tiny[TRAIN_LABELS])
    np.testing.assert_allclose(x_test, tiny[TEST_IMAGES].reshape(4, 784) / 255, rtol=1e-6)


def test_register_never_replaces_a_good_cached_file(tiny_dir, tiny, tiny_digests):
    register(tiny_dir)
    before = cached_files()
    for name, array in tiny.items():  # the same content, compressed differently
        (tiny_dir / f"{name}.gz").write_bytes(gzip.compress(idx_bytes(array), compresslevel=1))
    write(tiny_dir / TEST_LABELS, idx_bytes(tiny[TEST_LABELS]))  # and a raw file, preferred to its .gz
    assert register(tiny_dir) == []
    assert cached_files() == before


def test_register_replaces_a_damaged_cached_file(tiny_dir, tiny, tiny_digests):
    cache_dir().mkdir(parents=True)
    write(cache_dir() / TRAIN_LABELS, idx_bytes(tiny[TRAIN_LABELS][::-1].copy()))  # raw: found before any .gz
    write(cache_dir() / f"{TEST_LABELS}.gz", b"damaged")
    register(tiny_dir)
    assert sorted(cached_files()) == sorted(f"{name}.gz" for name in FILES)
    (_, t_train), (_, t_test) = load_mnist()
    np.testing.assert_array_equal(t_train, tiny[TRAIN_LABELS])
    np.testing.assert_array_equal(t_test, tiny[TEST_LABELS])


def test_register_removes_a_damaged_raw_file_beside_a_good_gz_and_keeps_the_gz(tiny_dir, tiny, tiny_digests):
    register(tiny_dir)
    before = cached_files()
    write(cache_dir() / TEST_IMAGES, b"damaged, and found before the good .gz")
    assert register(tiny_dir) == []
    assert cached_files() == before
    load_mnist()


def test_register_refuses_files_that_do_not_verify(tiny_dir, tiny):
    """The tiny files are not the real MNIST: nothing of them may enter the cache."""
    with pytest.raises(MnistError) as caught:
        register(tiny_dir)
    path = tiny_dir / f"{TRAIN_IMAGES}.gz"
    assert str(caught.value).startswith(f"{path}: SHA-256 of the content is ")
    assert str(caught.value).endswith(f"but {TRAIN_IMAGES} should be {SHA256[TRAIN_IMAGES]}")
    assert cached_files() == {}


def test_a_cache_that_cannot_be_written_is_named(monkeypatch, tiny_dir, tiny_digests):
    def disk_full(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", disk_full)
    with pytest.raises(MnistError) as caught:
        register(tiny_dir)
    target = cache_dir() / f"{TRAIN_IMAGES}.gz"
    assert str(caught.value) == f"cannot save {target} in the MNIST cache (No space left on device)"
    assert cached_files() == {}


def test_register_names_a_folder_without_the_files(tmp_path):
    with pytest.raises(MnistError) as caught:
        register(tmp_path / "nowhere")
    assert str(caught.value) == f"MNIST folder {tmp_path / 'nowhere'} (from the folder to register) does not exist"


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scratchgrad.nn.data", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_register_command_fills_the_cache_with_the_real_files(real_mnist, tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    cache = tmp_path / "xdg" / "scratchgrad" / "mnist"
    first = run_cli("--register", str(real_mnist), env=env)
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == f"registered {real_mnist} in the MNIST cache {cache}: copied 4 verified files\n"
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{name}.gz" for name in FILES)
    again = run_cli("--register", str(real_mnist), env=env)
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout == f"registered {real_mnist} in the MNIST cache {cache}: it already had the 4 verified files\n"


def test_register_command_says_what_is_wrong_in_one_line(tmp_path):
    result = run_cli("--register", str(tmp_path / "nowhere"), env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"python -m scratchgrad.nn.data: error: MNIST folder {tmp_path / 'nowhere'} "
                             "(from the folder to register) does not exist\n")


SETUP = Path(__file__).resolve().parents[1] / "scripts" / "setup.sh"


def test_setup_registers_the_shared_mnist_folder(real_mnist, tmp_path):
    """The line of scripts/setup.sh that registers ../shared/mnist, run as set-up runs it (with this interpreter)."""
    lines = [line for line in SETUP.read_text().splitlines() if "scratchgrad.nn.data --register" in line]
    assert len(lines) == 1, lines
    # A checkout with ../shared/mnist beside it, wherever the suite runs (a checkout, or an unpacked sdist).
    (tmp_path / "repo").mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "mnist").symlink_to(real_mnist)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "root": str(tmp_path / "repo"), "venv": sys.prefix}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", lines[0]], capture_output=True, text=True, env=env,
                            timeout=120)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    registered = sorted(p.name for p in (tmp_path / "cache" / "scratchgrad" / "mnist").iterdir())
    assert registered == sorted(f"{n}.gz" for n in FILES)


# --- the real MNIST, where present -----------------------------------------------

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def real(real_mnist):
    return load_mnist(real_mnist)


def test_real_mnist_shapes_types_and_ranges(real):
    (x_train, t_train), (x_test, t_test) = real
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == x_test.dtype == np.float32
    assert t_train.dtype == t_test.dtype == np.int64
    assert x_train.min() == x_test.min() == 0.0 and x_train.max() == x_test.max() == 1.0
    assert np.bincount(t_train).tolist() == TRAIN_COUNTS
    assert np.bincount(t_test).tolist() == TEST_COUNTS
    assert t_train[:5].tolist() == [5, 0, 4, 1, 9] and t_test[:5].tolist() == [7, 2, 1, 0, 4]


def test_real_mnist_raw_images_and_one_hot_labels(real, real_mnist):
    (x_train, t_train), (x_test, t_test) = load_mnist(real_mnist, normalize=False, one_hot=True, flatten=False)
    assert x_train.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    assert x_train.dtype == np.uint8 and x_train.max() == 255
    np.testing.assert_array_equal(x_train[:1000].reshape(1000, 784) / np.float32(255), real[0][0][:1000])
    assert t_train.shape == (60000, 10) and t_train.dtype == np.float32
    np.testing.assert_array_equal(t_train.sum(axis=1), 1)
    np.testing.assert_array_equal(t_train.argmax(axis=1), real[0][1])
    np.testing.assert_array_equal(t_test.argmax(axis=1), real[1][1])


def test_real_mnist_matches_the_known_checksums(real_mnist):
    for name in FILES:
        content = gzip.decompress((real_mnist / f"{name}.gz").read_bytes())
        assert hashlib.sha256(content).hexdigest() == SHA256[name], name
    load_mnist(real_mnist, verify=True)
