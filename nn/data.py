"""MNIST for the demos, loaded like the book's ``load_mnist`` but strictly.

Three small steps, each refusing bad input with a message that names the file:

* ``read_idx`` parses the IDX format (the one MNIST ships in) straight into a
  NumPy array with ``np.frombuffer`` — no Python loop touches a pixel, so the
  demos can afford to load all 70 000 images on every run.
* ``load_mnist`` finds the four files (``data_dir``, then ``$MNIST_DIR``, then
  the cache), checks that they really are MNIST images and labels, and shapes
  them the way the book's chapters expect.
* Files missing from the cache are downloaded from public mirrors and kept only
  if the SHA-256 of their decompressed content matches the known one; hashing
  the decompressed bytes lets a locally re-compressed copy verify too.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import math
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

__all__ = ["FILES", "MIRRORS", "SHA256", "IdxError", "MnistError", "cache_dir", "load_mnist", "read_idx"]

SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FILES = tuple(name for pair in SPLITS.values() for name in pair)

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

# IDX type code -> element type; IDX stores multi-byte numbers big-endian.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

IMAGE_SIZE = (28, 28)
LAYOUT = {"images": f"N×{IMAGE_SIZE[0]}×{IMAGE_SIZE[1]}", "labels": "N"}
CLASSES = 10
TIMEOUT_S = 30
_NETWORK_ERRORS = (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException)


class MnistError(ValueError):
    """The MNIST files are missing, unreachable or not what they should be."""


class IdxError(MnistError):
    """A file breaks the IDX format itself (header, size, compression)."""


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, gzip-compressed (``.gz``) or raw, into a native-endian array.

    The header is checked against the data so that a damaged file fails here
    with its name and the byte counts, not later inside a reshape.
    """
    path = Path(path)
    return _parse_idx(_read_bytes(path), path)


def _read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when its name ends in ``.gz``."""
    data = path.read_bytes()
    return _gunzip(data, str(path)) if path.suffix == ".gz" else data


def _gunzip(data: bytes, source: str) -> bytes:
    """Decompress, turning the three ways gzip reports damage into one error that names ``source``."""
    try:
        return gzip.decompress(data)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise IdxError(f"{source}: not a valid gzip file ({error})") from None


def _parse_idx(data: bytes, path: Path) -> np.ndarray:
    """Decode IDX bytes: magic (0, 0, type code, ndim), big-endian uint32 dims, then the data."""
    if len(data) < 4:
        raise IdxError(f"{path}: {len(data)} bytes, too short for the 4-byte IDX magic number")
    if data[:2] != b"\0\0":
        raise IdxError(f"{path}: not an IDX file: magic number {data[:4].hex()} does not start with two zero bytes")
    code, ndim = data[2], data[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_TYPES)
        raise IdxError(f"{path}: unknown IDX type code 0x{code:02X} (known: {known})")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxError(f"{path}: truncated header: {ndim} dimensions need {header} bytes, file has {len(data)}")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype, count = IDX_TYPES[code], math.prod(dims)
    expected, actual = count * dtype.itemsize, len(data) - header
    if actual != expected:
        problem = "truncated" if actual < expected else "trailing garbage"
        raise IdxError(f"{path}: {problem}: header says {_size(dims, dtype)}, file has {actual}")
    flat = np.frombuffer(data, dtype, count=count, offset=header)
    # astype copies into native byte order, and the copy is writable (a view of `data` would not be).
    return flat.reshape(dims).astype(dtype.newbyteorder("="))


def _size(dims: tuple[int, ...], dtype: np.dtype) -> str:
    """Spell out how the header's dims add up to a byte count, e.g. ``60000×28×28 = 47040000 bytes of data``."""
    shape = "×".join(map(str, dims)) or "a scalar"
    per_item = "" if dtype.itemsize == 1 else f" {dtype.name} values × {dtype.itemsize} bytes"
    return f"{shape}{per_item} = {math.prod(dims) * dtype.itemsize} bytes of data"


def cache_dir() -> Path:
    """Where downloads go: ``$XDG_CACHE_HOME/scratchgrad/mnist``, else ``~/.cache/scratchgrad/mnist``."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "scratchgrad" / "mnist"


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    normalize: bool = True,
    one_hot: bool = False,
    flatten: bool = True,
    dtype: npt.DTypeLike = np.float32,
    verify: bool = False,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return ``(x_train, t_train), (x_test, t_test)`` as the book's ``load_mnist`` does.

    Images are ``(N, 784)`` when ``flatten`` (else ``(N, 1, 28, 28)``), in
    ``dtype`` scaled to [0, 1] when ``normalize`` (else the raw ``uint8``).
    Labels are ``int64`` class indices, or one-hot rows in ``dtype``.

    The files are looked for in ``data_dir``, else ``$MNIST_DIR``, else the
    cache (see `cache_dir`), which is filled from the public mirrors when
    needed. ``verify=True`` also checks every file's SHA-256; it is off by
    default because hashing the 47 MB training images would slow every load,
    and downloads are verified anyway.
    """
    paths = _locate(data_dir)
    train, test = (_load_split(paths, split, verify) for split in SPLITS)
    return _prepare(*train, normalize, one_hot, flatten, dtype), _prepare(*test, normalize, one_hot, flatten, dtype)


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
    """The raw file if present (it needs no decompression), else the ``.gz`` one, else None."""
    return next((p for p in (directory / name, directory / f"{name}.gz") if p.is_file()), None)


def _find_all(directory: Path, source: str) -> dict[str, Path]:
    """Find all four files in ``directory`` or say exactly which are missing."""
    if not directory.is_dir():
        raise MnistError(f"MNIST folder {directory} (from {source}) does not exist")
    found = {name: _find(directory, name) for name in FILES}
    missing = [f"{name}[.gz]" for name, path in found.items() if path is None]
    if missing:
        raise MnistError(f"MNIST folder {directory} (from {source}) lacks {', '.join(missing)}")
    return found


def _load_split(paths: dict[str, Path], split: str, verify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Read one split's images and labels, checked to be MNIST-shaped and to match one to one."""
    images_path, labels_path = (paths[name] for name in SPLITS[split])
    images = _read_mnist(images_path, "images", verify)
    labels = _read_mnist(labels_path, "labels", verify)
    if len(images) != len(labels):
        raise MnistError(f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels")
    bad = np.flatnonzero(labels >= CLASSES)
    if bad.size:
        raise MnistError(
            f"{labels_path}: labels must be 0–{CLASSES - 1}, found {labels[bad[0]]} at index {bad[0]}"
            f" ({bad.size} out-of-range labels in all)"
        )
    return images, labels


def _read_mnist(path: Path, kind: str, verify: bool) -> np.ndarray:
    """Read an IDX file that must hold MNIST ``kind`` ("images" or "labels") as unsigned bytes."""
    data = _read_bytes(path)
    if verify:
        _check_sha256(data, path.name.removesuffix(".gz"), str(path))
    array = _parse_idx(data, path)
    if array.dtype != np.uint8:
        raise MnistError(f"{path}: holds {array.dtype} values, MNIST {kind} are unsigned bytes (IDX type 0x08)")
    if not _looks_like(array, kind):
        other = "labels" if kind == "images" else "images"
        hint = f" — a mislabelled {other} file?" if _looks_like(array, other) else ""
        shape = "×".join(map(str, array.shape))
        raise MnistError(f"{path}: expected {kind} shaped {LAYOUT[kind]}, found {array.ndim}-D {shape}{hint}")
    return array


def _looks_like(array: np.ndarray, kind: str) -> bool:
    """Whether ``array`` has the shape of MNIST ``kind``."""
    return array.shape[1:] == IMAGE_SIZE if kind == "images" else array.ndim == 1


def _check_sha256(data: bytes, name: str, source: str) -> None:
    """Compare decompressed content with the known digest of the standard file ``name``."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[name]:
        raise MnistError(f"{source}: SHA-256 of the content is {digest}, but {name} should be {SHA256[name]}")


def _prepare(
    images: np.ndarray, labels: np.ndarray, normalize: bool, one_hot: bool, flatten: bool, dtype: npt.DTypeLike
) -> tuple[np.ndarray, np.ndarray]:
    """Shape one split the way the book's chapters consume it."""
    images = images.reshape(len(images), -1) if flatten else images[:, np.newaxis]
    x = np.divide(images, 255, dtype=dtype) if normalize else images
    t = np.eye(CLASSES, dtype=dtype)[labels] if one_hot else labels.astype(np.int64)
    return x, t


def _download(name: str, cache: Path) -> None:
    """Fetch ``name.gz`` into ``cache`` from the first mirror that answers, or explain how to do without."""
    cache.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in MIRRORS:
        url = f"{mirror}{name}.gz"
        try:
            _fetch_verified(url, cache / f"{name}.gz", name)
            return
        except _NETWORK_ERRORS as error:
            failures.append(f"{url}: {error}")
    raise MnistError(
        f"{name} is not in the cache {cache} and could not be downloaded ({'; '.join(failures)}). "
        f"Put the four MNIST files ({', '.join(FILES)}, raw or .gz) in {cache}, "
        "or pass the folder holding them as data_dir (the demos' --data-dir) or in the MNIST_DIR environment variable."
    )


def _fetch_verified(url: str, target: Path, name: str) -> None:
    """Download into a temporary folder beside ``target`` and move the file in only once its checksum matches.

    So an interrupted, corrupt or forged download never sits in the cache
    looking like a good file.
    """
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-") as tmp:
        part = Path(tmp) / target.name
        _fetch(url, part)
        try:
            _check_sha256(_gunzip(part.read_bytes(), url), name, url)
        except MnistError as error:
            raise MnistError(f"{error}; the download was discarded, nothing was saved in {target.parent}") from None
        part.replace(target)


def _fetch(url: str, path: Path) -> None:
    """Stream ``url`` into ``path`` behind a progress bar."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, path.open("wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=path.name) as bar:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                bar.update(len(chunk))
