"""MNIST for the demos, loaded like the book's ``load_mnist`` but strictly.

Three steps, each refusing bad input with a message that names the file:

* ``read_idx`` parses the IDX format (the one MNIST ships in), checking what
  the header promises before reading any data, then streams the data (gzip
  inflated a chunk at a time) into one preallocated array — no Python loop
  touches a pixel, so the demos can afford to load all 70 000 images on every
  run, and neither a gzip bomb nor a huge or special file can take memory.
* ``load_mnist`` finds the four files (``data_dir``, then ``$MNIST_DIR``, then
  the cache), checks that they really are MNIST images and labels, and shapes
  them the way the book's chapters expect.
* Files missing from the cache are downloaded from public mirrors and kept only
  if the SHA-256 of their decompressed content matches the known one; hashing
  the decompressed bytes lets a locally re-compressed copy verify too.
  ``register`` (``python -m scratchgrad.nn.data --register DIR``, run by
  set-up on ``../shared/mnist``) fills the cache from a folder the same way,
  so that the demos find MNIST offline.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.client
import math
import os
import shutil
import stat
import struct
import sys
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

__all__ = [
    "FILES", "MAX_BYTES", "MAX_NDIM", "MIRRORS", "SHA256",
    "IdxError", "MnistError", "cache_dir", "load_mnist", "read_idx", "register",
]

# --- what is checked: the IDX format's limits, MNIST's files, the mirrors -------------------------

# IDX type code -> element type; IDX stores multi-byte numbers big-endian.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# Limits on what a header may promise, checked before any data is read or any memory is taken.
MAX_NDIM = 32  # IDX allows 255 dimensions; NumPy 1.x arrays have at most 32
MAX_BYTES = 1 << 28  # 256 MiB of data per file, 5× MNIST's largest (47 MB); read_idx(max_bytes=…) moves it
GZIP_MAX_RATIO = 1032  # deflate's ceiling (a 258-byte match in 2 bits): n bytes of .gz inflate to at most ~1032·n
CHUNK = 1 << 20  # the most one read inflates: what a .gz costs in memory beyond the array it fills

SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FILES = tuple(name for pair in SPLITS.values() for name in pair)
KINDS = {name: kind for pair in SPLITS.values() for name, kind in zip(pair, ("images", "labels"), strict=True)}
IMAGE_SIZE = (28, 28)
LAYOUT = {"images": f"N×{IMAGE_SIZE[0]}×{IMAGE_SIZE[1]}", "labels": "N"}
CLASSES = 10

# SHA-256 of each file's decompressed content.
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
TIMEOUT_S = 30
DOWNLOAD_LIMIT = 1 << 25  # 32 MiB: MNIST's largest .gz has 9.9 MB; a mirror sending more is broken or hostile
_NETWORK_ERRORS = (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException)


def _printable(text: str) -> str:
    """``text`` with control characters (and lone surrogates) escaped, so that a message stays one line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode() for c in text)


class MnistError(ValueError):
    """The MNIST files are missing, unreachable or not what they should be."""

    def __init__(self, message: str) -> None:
        # A path may hold a newline or an escape sequence: the demos print the message as one line.
        super().__init__(_printable(message))


class IdxError(MnistError):
    """A file breaks the IDX format itself (header, size, compression), or is no file to read."""


# --- IDX files: the header first, then the data streamed into one array ---------------------------


def read_idx(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> np.ndarray:
    """Read an IDX file, gzip-compressed (``.gz``) or raw, into a native-endian array.

    The header is checked before any data is read: at most ``max_bytes`` of
    data, no more than a raw file holds or than a ``.gz`` of its size can
    inflate to. Decompression stops where the header says the data ends, so a
    gzip bomb costs no more memory than an honest file. Anything wrong raises
    `IdxError` naming the file and the problem.
    """
    if not isinstance(max_bytes, int | np.integer):
        raise TypeError(f"max_bytes must be an integer, not {max_bytes!r}")
    path = Path(path)
    return _read_idx(path, str(path), int(max_bytes))


class IdxHeader(NamedTuple):
    """What an IDX header promises."""

    dtype: np.dtype  # as stored: big-endian
    shape: tuple[int, ...]

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def _read_idx(
    path: Path,
    source: str,
    max_bytes: int = MAX_BYTES,
    check: Callable[[IdxHeader], None] | None = None,
    content_hash: hashlib._Hash | None = None,
) -> np.ndarray:
    """`read_idx`, naming the file ``source`` in errors; ``check`` may refuse the header before the data is read,
    and ``content_hash`` is fed the (decompressed) content."""
    with _open_regular(path, source) as (file, size):
        compressed = path.suffix == ".gz"
        stream = _GzipContent(file, source) if compressed else _Content(file, source)
        header, head = _read_header(stream, source)
        _check_size(header, len(head), size, compressed, max_bytes, source)
        if check is not None:
            check(header)
        try:
            data = np.empty(header.nbytes, np.uint8)
        except MemoryError:
            raise IdxError(f"{source}: no memory for the {header.nbytes} bytes its header promises") from None
        filled = _fill(stream, memoryview(data))
        # One chunk more tells an exact file from a longer one without reading all of a bomb.
        extra = len(_read_upto(stream, CHUNK)) if filled == len(data) else 0
    if filled < len(data):
        raise IdxError(f"{source}: truncated: header says {_size(header)}, file has {filled}")
    if extra:
        at_least = "more than " if extra == CHUNK else ""
        raise IdxError(f"{source}: trailing garbage: header says {_size(header)}, file has {at_least}{filled + extra}")
    if content_hash is not None:
        content_hash.update(head)
        content_hash.update(data)
    array = data.view(header.dtype).reshape(header.shape)
    native = header.dtype.newbyteorder("=")
    if native != header.dtype:  # multi-byte values: swap in place rather than copy
        array.byteswap(inplace=True)
    return array.view(native)


_FILE_KINDS = (
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "an unknown kind of file")


@contextmanager
def _open_regular(path: Path, source: str) -> Iterator[tuple[BinaryIO, int]]:
    """Open ``path`` (symlinks followed) if it is a regular file; yield the open file and its size.

    The type is checked with os.stat before opening, because opening a FIFO
    blocks until a writer comes and opening a device can act on it. O_NONBLOCK
    and a second check on the open file cover a file swapped in between.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise _unreadable(source, error) from None
    _require_regular(mode, source)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise _unreadable(source, error) from None
    with open(fd, "rb") as file:
        info = os.fstat(fd)
        _require_regular(info.st_mode, source)
        yield file, info.st_size


def _unreadable(source: str, error: OSError | ValueError) -> IdxError:
    return IdxError(f"{source}: cannot be read ({getattr(error, 'strerror', None) or error})")


def _require_regular(mode: int, source: str) -> None:
    if not stat.S_ISREG(mode):
        raise IdxError(f"{source}: is {_kind(mode)}, not a regular file")


class _Content:
    """A raw file's content, read errors named."""

    def __init__(self, file: BinaryIO, source: str) -> None:
        self._file, self._source = file, source

    def read(self, n: int) -> bytes:
        try:
            return self._file.read(n)
        except OSError as error:
            raise _unreadable(self._source, error) from None


class _GzipContent(_Content):
    """A gzip file's content: ``read(n)`` inflates at most ``n`` bytes, so a bomb cannot take memory.

    zlib checks each member's CRC and length (wbits=31). Members may follow
    one another, as gzip allows; a stream that stops early, or anything but
    another member after it, is refused.
    """

    def __init__(self, file: BinaryIO, source: str) -> None:
        super().__init__(file, source)
        self._inflate = zlib.decompressobj(wbits=31)
        self._input = b""  # compressed bytes read from the file, not yet inflated

    def read(self, n: int) -> bytes:
        while True:
            if self._inflate.eof:
                self._input = self._inflate.unused_data
                if not self._next_member():
                    return b""
            if not self._input:
                self._input = super().read(1 << 16)
                if not self._input:
                    raise IdxError(f"{self._source}: not a valid gzip file: the file ends inside the gzip stream")
            try:
                out = self._inflate.decompress(self._input, n)
            except zlib.error as error:
                raise IdxError(f"{self._source}: not a valid gzip file ({error})") from None
            self._input = self._inflate.unconsumed_tail
            if out:
                return out

    def _next_member(self) -> bool:
        """After a member's end: start inflating the next one, or say there is none."""
        while len(self._input) < 2 and (more := super().read(1 << 16)):
            self._input += more
        if not self._input:
            return False
        if not self._input.startswith(b"\x1f\x8b"):
            raise IdxError(f"{self._source}: not a valid gzip file: trailing garbage after the gzip stream")
        self._inflate = zlib.decompressobj(wbits=31)
        return True


def _read_upto(stream: _Content, n: int) -> bytes:
    """Exactly ``n`` bytes, or fewer at the end of the content."""
    parts, got = [], 0
    while got < n and (part := stream.read(n - got)):
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _fill(stream: _Content, buffer: memoryview) -> int:
    """Read into ``buffer`` a chunk at a time until it is full or the content ends; return the bytes read."""
    filled = 0
    while filled < len(buffer) and (part := stream.read(min(CHUNK, len(buffer) - filled))):
        buffer[filled:filled + len(part)] = part
        filled += len(part)
    return filled


def _read_header(stream: _Content, source: str) -> tuple[IdxHeader, bytes]:
    """Read and decode the magic number (0, 0, type code, ndim) and the ndim big-endian uint32 dims after it.

    Returns the header and its bytes.
    """
    magic = _read_upto(stream, 4)
    if len(magic) < 4:
        raise IdxError(f"{source}: {len(magic)} bytes, too short for the 4-byte IDX magic number")
    if magic[:2] != b"\0\0":
        hint = " (gzip-compressed? then the name must end in .gz)" if magic[:2] == b"\x1f\x8b" else ""
        raise IdxError(f"{source}: not an IDX file: magic number {magic.hex()} does not start with two zero bytes"
                       + hint)
    code, ndim = magic[2], magic[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_TYPES)
        raise IdxError(f"{source}: unknown IDX type code 0x{code:02X} (known: {known})")
    if not 1 <= ndim <= MAX_NDIM:
        raise IdxError(f"{source}: {ndim} dimensions; IDX files here have 1 to {MAX_NDIM}")
    dims = _read_upto(stream, 4 * ndim)
    if len(dims) < 4 * ndim:
        raise IdxError(f"{source}: truncated header: {ndim} dimensions need {4 + 4 * ndim} bytes, "
                       f"file has {4 + len(dims)}")
    header = IdxHeader(IDX_TYPES[code], struct.unpack(f">{ndim}I", dims))
    if 0 in header.shape:
        raise IdxError(f"{source}: no items: header says {'×'.join(map(str, header.shape))}")
    return header, magic + dims


def _check_size(header: IdxHeader, header_size: int, file_size: int, compressed: bool, max_bytes: int,
                source: str) -> None:
    """Refuse a promise the limit, or the file's own size, cannot keep — before reading any data."""
    if header.nbytes > max_bytes:
        raise IdxError(f"{source}: header says {_size(header)}, more than the limit of {max_bytes} "
                       "(read_idx's max_bytes)")
    if compressed:
        if header_size + header.nbytes > GZIP_MAX_RATIO * (file_size + 1):
            raise IdxError(f"{source}: truncated: header says {_size(header)}, more than {file_size} bytes of gzip "
                           f"can hold (deflate inflates at most {GZIP_MAX_RATIO}-fold)")
    elif (actual := file_size - header_size) != header.nbytes:
        problem = "truncated" if actual < header.nbytes else "trailing garbage"
        raise IdxError(f"{source}: {problem}: header says {_size(header)}, file has {actual}")


def _size(header: IdxHeader) -> str:
    """Spell out how the header's dims add up to a byte count, e.g. ``60000×28×28 = 47040000 bytes of data``."""
    size = header.dtype.itemsize
    per_item = "" if size == 1 else f" {header.dtype.name} values × {size} bytes"
    return f"{'×'.join(map(str, header.shape))}{per_item} = {header.nbytes} bytes of data"


# --- MNIST: where the four files are, and what they must hold -------------------------------------


def cache_dir() -> Path:
    """Where downloads go: ``$XDG_CACHE_HOME/scratchgrad/mnist``, else ``~/.cache/scratchgrad/mnist``."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "scratchgrad" / "mnist"


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool | None = None,
    one_hot_label: bool | None = None,
    dtype: npt.DTypeLike = np.float32,
    verify: bool = False,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return ``(x_train, t_train), (x_test, t_test)`` as the book's ``load_mnist`` does.

    Images are ``(N, 784)`` when ``flatten`` (else ``(N, 1, 28, 28)``), in
    ``dtype`` scaled to [0, 1] when ``normalize`` (else the raw ``uint8``).
    Labels are ``int64`` class indices, or one-hot rows in ``dtype`` when
    ``one_hot`` — or ``one_hot_label``, the book's name for it; give either
    (both only if they agree). The options are keywords, since the book's
    positional order (normalize, flatten, one_hot_label) is not ours.

    The files are looked for in ``data_dir``, else ``$MNIST_DIR``, else the
    cache (see `cache_dir`), which is filled from the public mirrors when
    needed. ``verify=True`` also checks every file's SHA-256; it is off by
    default because hashing the 47 MB training images would slow every load,
    and downloads are verified anyway.
    """
    if data_dir is not None and not isinstance(data_dir, str | os.PathLike):
        raise TypeError(f"data_dir must be a folder (str or os.PathLike), not {type(data_dir).__name__}; pass the "
                        "book's options by name: load_mnist(normalize=True, flatten=True, one_hot_label=False)")
    one_hot = _one_hot(one_hot, one_hot_label)
    for name, flag in (("normalize", normalize), ("flatten", flatten), ("verify", verify)):
        _check_flag(name, flag)
    dtype = np.dtype(dtype)
    if normalize and not np.issubdtype(dtype, np.floating):
        raise TypeError(f"normalize=True scales the images to [0, 1]: dtype must be a float type, not {dtype}")
    paths = _locate(data_dir)
    train, test = (_load_split(paths, split, verify) for split in SPLITS)
    return _prepare(*train, normalize, one_hot, flatten, dtype), _prepare(*test, normalize, one_hot, flatten, dtype)


def _one_hot(one_hot: bool | None, one_hot_label: bool | None) -> bool:
    """One option under two names: ours (as in PyTorch's ``one_hot``) and the book's ``one_hot_label``."""
    _check_flag("one_hot", one_hot, none_ok=True)
    _check_flag("one_hot_label", one_hot_label, none_ok=True)
    if one_hot is not None and one_hot_label is not None and bool(one_hot) != bool(one_hot_label):
        raise TypeError(f"load_mnist() got one_hot={one_hot} and one_hot_label={one_hot_label}: they are one option "
                        "(one_hot_label is the book's name), give one of them")
    return bool(one_hot if one_hot is not None else one_hot_label)


def _check_flag(name: str, value: object, none_ok: bool = False) -> None:
    """Refuse a flag that is not a boolean: ``"False"`` would be taken as true."""
    if not (isinstance(value, bool | np.bool_) or (none_ok and value is None)):
        raise TypeError(f"{name} must be True or False, not {value!r}")


def _locate(data_dir: str | os.PathLike[str] | None) -> dict[str, Path]:
    """Map each MNIST file name to its path; only the cache, never a folder you named, gets downloads."""
    if data_dir is not None:
        return _find_all(Path(data_dir), "the data_dir argument")
    if env := os.environ.get("MNIST_DIR"):
        return _find_all(Path(env), "the MNIST_DIR environment variable")
    cache = cache_dir()
    for name in FILES:
        if _find(cache, name) is None:
            _download(name, cache)
    return _find_all(cache, "the download cache")


def _find(directory: Path, name: str) -> Path | None:
    """The raw file if there is anything by its name (it needs no decompression), else the ``.gz`` one, else None.

    Anything counts, even a folder or a broken link, so that reading it says
    what is wrong instead of quietly passing on to the other file.
    """
    return next((p for p in _candidates(directory, name) if os.path.lexists(p)), None)


def _candidates(directory: Path, name: str) -> tuple[Path, Path]:
    """Where the file ``name`` may be, in the order it is looked for."""
    return directory / name, directory / f"{name}.gz"


def _find_all(directory: Path, source: str) -> dict[str, Path]:
    """Find all four files in ``directory`` or say exactly which are missing."""
    where = f"MNIST folder {directory} (from {source})"
    try:
        mode = os.stat(directory).st_mode
    except FileNotFoundError:
        raise MnistError(f"{where} does not exist") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise MnistError(f"{where} cannot be opened ({getattr(error, 'strerror', None) or error})") from None
    if not stat.S_ISDIR(mode):
        raise MnistError(f"{where} is {_kind(mode)}, not a folder")
    found = {name: _find(directory, name) for name in FILES}
    missing = [f"{name}[.gz]" for name, path in found.items() if path is None]
    if missing:
        raise MnistError(f"{where} lacks {', '.join(missing)}")
    return found


def _load_split(paths: dict[str, Path], split: str, verify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Read one split's images and labels, checked to be MNIST-shaped and to match one to one."""
    images_path, labels_path = (paths[name] for name in SPLITS[split])
    images, labels = (_read_mnist(paths[name], name, verify) for name in SPLITS[split])
    if len(images) != len(labels):
        raise MnistError(f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels")
    bad = np.flatnonzero(labels >= CLASSES)
    if bad.size:
        raise MnistError(
            f"{labels_path}: labels must be 0–{CLASSES - 1}, found {labels[bad[0]]} at index {bad[0]}"
            f" ({bad.size} out-of-range labels in all)"
        )
    return images, labels


def _read_mnist(path: Path, name: str, verify: bool, source: str | None = None) -> np.ndarray:
    """Read the standard file ``name``: MNIST images or labels as unsigned bytes, its header checked first.

    With ``verify``, the SHA-256 of the decompressed content must be the known one.
    """
    source = source or str(path)
    content_hash = hashlib.sha256() if verify else None
    array = _read_idx(path, source, check=lambda header: _check_mnist(header, KINDS[name], source),
                      content_hash=content_hash)
    if content_hash is not None and (digest := content_hash.hexdigest()) != SHA256[name]:
        raise MnistError(f"{source}: SHA-256 of the content is {digest}, but {name} should be {SHA256[name]}")
    return array


def _check_mnist(header: IdxHeader, kind: str, source: str) -> None:
    """Refuse a header that is not that of MNIST ``kind`` ("images" or "labels")."""
    if header.dtype != np.uint8:
        raise MnistError(f"{source}: holds {header.dtype.name} values, MNIST {kind} are unsigned bytes (IDX type 0x08)")
    if not _looks_like(header.shape, kind):
        other = "labels" if kind == "images" else "images"
        hint = f" — a mislabelled {other} file?" if _looks_like(header.shape, other) else ""
        shape = "×".join(map(str, header.shape))
        raise MnistError(f"{source}: expected {kind} shaped {LAYOUT[kind]}, found {len(header.shape)}-D {shape}{hint}")


def _looks_like(shape: tuple[int, ...], kind: str) -> bool:
    """Whether ``shape`` is that of MNIST ``kind``."""
    return shape[1:] == IMAGE_SIZE if kind == "images" else len(shape) == 1


def _prepare(
    images: np.ndarray, labels: np.ndarray, normalize: bool, one_hot: bool, flatten: bool, dtype: npt.DTypeLike
) -> tuple[np.ndarray, np.ndarray]:
    """Shape one split the way the book's chapters consume it."""
    images = images.reshape(len(images), -1) if flatten else images[:, np.newaxis]
    x = np.divide(images, 255, dtype=dtype) if normalize else images
    t = np.eye(CLASSES, dtype=dtype)[labels] if one_hot else labels.astype(np.int64)
    return x, t


# --- the cache: verified downloads and registered folders ------------------------------------------


def _download(name: str, cache: Path) -> None:
    """Fetch ``name.gz`` into ``cache`` from the first mirror that answers, or explain how to do without."""
    _create(cache)
    failures = []
    for mirror in MIRRORS:
        url = f"{mirror}{name}.gz"
        try:
            _add_verified(name, url, cache / f"{name}.gz", functools.partial(_fetch, url), "download")
            return
        except _NETWORK_ERRORS as error:
            failures.append(f"{url}: {error}")
    raise MnistError(
        f"{name} is not in the cache {cache} and could not be downloaded ({'; '.join(failures)}). "
        f"Put the four MNIST files ({', '.join(FILES)}, raw or .gz) in {cache}, "
        "or pass the folder holding them as data_dir (the demos' --data-dir) or in the MNIST_DIR environment variable."
    )


def _create(cache: Path) -> None:
    """Make the cache folder, or say why it cannot be made and how to do without it."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MnistError(
            f"cannot create the MNIST cache folder {cache} ({error.strerror or error}); set XDG_CACHE_HOME to a "
            "writable folder, or pass the folder holding the files as data_dir (the demos' --data-dir)"
        ) from None


def _add_verified(name: str, origin: str, target: Path, fill: Callable[[Path], None], what: str) -> None:
    """Let ``fill`` write the file ``name`` into a temporary folder beside ``target``; move it in once it verifies.

    So an interrupted, corrupt or forged download or copy never sits in the
    cache looking like a good file.
    """
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{what}-") as tmp:
            part = Path(tmp) / target.name
            try:
                fill(part)
                _read_mnist(part, name, verify=True, source=origin)
            except MnistError as error:
                raise MnistError(f"{error}; the {what} was discarded, nothing was saved in {target.parent}") from None
            part.replace(target)
    except _NETWORK_ERRORS:
        raise  # the next mirror may answer
    except OSError as error:  # a full disk, a cache we may not write to
        raise MnistError(f"cannot save {target} in the MNIST cache ({error.strerror or error})") from None


def _fetch(url: str, path: Path) -> None:
    """Stream ``url`` into ``path`` behind a progress bar, refusing more than `DOWNLOAD_LIMIT` bytes."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, path.open("wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        received = 0
        with tqdm(total=total, unit="B", unit_scale=True, desc=path.name) as bar:
            while chunk := response.read(1 << 16):
                received += len(chunk)
                if received > DOWNLOAD_LIMIT:
                    raise MnistError(f"{url}: more than {DOWNLOAD_LIMIT} bytes, more than any MNIST file")
                out.write(chunk)
                bar.update(len(chunk))


def register(directory: str | os.PathLike[str]) -> list[Path]:
    """Copy the four MNIST files in ``directory`` into the cache, so that later loads need neither it nor a network.

    Only files that verify (SHA-256 of the decompressed content) are copied,
    and each copy is verified again before it is moved into the cache. A
    cached file that verifies is never replaced; a damaged one is. Returns the
    files copied: none when the cache already had all four.
    """
    sources = _find_all(Path(directory), "the folder to register")
    cache = cache_dir()
    _create(cache)
    copied = []
    for name, source in sources.items():
        cached = [path for path in _candidates(cache, name) if os.path.lexists(path)]
        good = [path for path in cached if _verifies(path, name)]
        for path in cached:
            if path not in good:
                _remove(path)  # damaged: a raw one would even be found before a good .gz
        if good:
            continue
        _read_mnist(source, name, verify=True)  # refuse a bad source by its own name, before copying anything
        target = cache / source.name
        _add_verified(name, str(source), target, functools.partial(_copy, source), "copy")
        copied.append(target)
    return copied


def _verifies(path: Path, name: str) -> bool:
    try:
        _read_mnist(path, name, verify=True)
    except MnistError:
        return False
    return True


def _copy(source: Path, target: Path) -> None:
    with _open_regular(source, str(source)) as (file, _), target.open("wb") as out:
        shutil.copyfileobj(file, out)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError as error:
        raise MnistError(f"{path} is damaged and cannot be removed ({error.strerror or error}); remove it") from None


PROG = "python -m scratchgrad.nn.data"


def main(argv: list[str] | None = None) -> None:
    """``python -m scratchgrad.nn.data --register DIR``, which set-up runs on the folder of MNIST files it finds."""
    parser = argparse.ArgumentParser(prog=PROG, description="Put verified copies of the MNIST files in the cache "
                                     f"({cache_dir()}), so that the demos find them offline.", allow_abbrev=False)
    parser.add_argument("--register", metavar="DIR", required=True,
                        help="the folder holding the four MNIST files (raw or .gz)")
    args = parser.parse_args(argv)
    try:
        copied = register(args.register)
    except MnistError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    done = f"copied {len(copied)} verified files" if copied else f"it already had the {len(FILES)} verified files"
    print(_printable(f"registered {args.register} in the MNIST cache {cache_dir()}: {done}"))


if __name__ == "__main__":
    main()
