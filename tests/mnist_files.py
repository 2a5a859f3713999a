"""Small IDX and MNIST files for the loader's tests, written independently of the code under test."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from scratchgrad.nn.data import FILES

TYPE_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}
MIB = 1 << 20


def idx_header(code: int, dims: tuple[int, ...]) -> bytes:
    """Magic (0, 0, type code, ndim), then the big-endian uint32 dims."""
    return struct.pack(">BBBB", 0, 0, code, len(dims)) + struct.pack(f">{len(dims)}I", *dims)


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode ``array`` as IDX."""
    big_endian = array.astype(array.dtype.newbyteorder(">"))
    return idx_header(TYPE_CODES[array.dtype.str[1:]], array.shape) + big_endian.tobytes()


def write(path: Path, content: bytes) -> Path:
    """Write ``content``, gzip-compressed when the name ends in .gz."""
    path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)
    return path


def tiny_mnist(n_train: int = 6, n_test: int = 4) -> dict[str, np.ndarray]:
    """A few random 28×28 images and labels per split, keyed by the standard file names."""
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (n_train, n_test)]
    labels = [np.arange(n, dtype=np.uint8) % 10 for n in (n_train, n_test)]
    return dict(zip(FILES, (images[0], labels[0], images[1], labels[1])))


def write_mnist(folder: Path, arrays: dict[str, np.ndarray], suffix: str = ".gz") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        write(folder / f"{name}{suffix}", idx_bytes(array))
    return folder


def gzip_bomb(content: bytes, zero_mib: int) -> bytes:
    """A valid gzip file of ``content`` followed by ``zero_mib`` MiB of zeros: about 1 KiB per MiB.

    Built without deflating every MiB: after a full flush the compressor starts afresh, so
    each MiB of zeros compresses to the same bytes, which are repeated. The trailer's CRC and
    length are those of the whole inflated content, so gzip itself accepts the file.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = deflate.compress(content) + deflate.flush(zlib.Z_FULL_FLUSH)
    zeros = bytes(MIB)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(content)
    for _ in range(zero_mib):
        crc = zlib.crc32(zeros, crc)
    final_empty_block = b"\x03\x00"  # BFINAL=1, fixed Huffman, end-of-block at once
    size = (len(content) + zero_mib * MIB) & 0xFFFFFFFF
    return head + block * zero_mib + final_empty_block + struct.pack("<II", crc, size)
