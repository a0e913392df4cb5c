"""Check that a compressed file is whole before any of it is stored.

A zstd stream cut short decompresses to a prefix without any error (DuckDB's reader and python-zstandard's
stream reader both stop quietly), so a half-copied dump would be ingested as a smaller one. Walking the frame
and block headers (RFC 8878) reads a few bytes per block, not the data, and finds where a frame is cut.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from sro.errors import IngestError

ZSTD_MAGIC = 0xFD2FB528
SKIPPABLE = range(0x184D2A50, 0x184D2A60)
_FCS_BYTES = (0, 2, 4, 8)
_DICT_BYTES = (0, 1, 2, 4)


def check_compressed(path: Path) -> None:
    """Raise IngestError naming the byte offset if a .zst file is truncated or not zstd at all."""
    if path.name.lower().endswith((".zst", ".zstd")):
        with open(path, "rb") as fh:
            _check_zstd(fh, path.stat().st_size, str(path))


def _check_zstd(fh: BinaryIO, size: int, name: str) -> None:
    offset = 0
    if size == 0:
        raise IngestError("empty file, not zstd data", name)
    while offset < size:
        magic = _read(fh, offset, 4, size, name, "frame magic number")
        (value,) = struct.unpack("<I", magic)
        if value in SKIPPABLE:
            (length,) = struct.unpack("<I", _read(fh, offset + 4, 4, size, name, "skippable frame size"))
            offset = _within(offset + 8 + length, size, name, offset)
        elif value == ZSTD_MAGIC:
            offset = _frame_end(fh, offset, size, name)
        else:
            raise IngestError(f"not zstd data at byte {offset} (bad frame magic number)", name)


def _frame_end(fh: BinaryIO, start: int, size: int, name: str) -> int:
    (descriptor,) = _read(fh, start + 4, 1, size, name, "frame header")
    single_segment = bool(descriptor & 0x20)
    if descriptor & 0x08:
        raise IngestError(f"corrupt zstd frame header at byte {start} (reserved bit set)", name)
    fcs = _FCS_BYTES[descriptor >> 6] or (1 if single_segment else 0)
    offset = start + 5 + (0 if single_segment else 1) + _DICT_BYTES[descriptor & 0x03] + fcs
    last = False
    while not last:
        header = int.from_bytes(_read(fh, offset, 3, size, name, "block header"), "little")
        last, kind, length = bool(header & 1), (header >> 1) & 0x03, header >> 3
        if kind == 3:
            raise IngestError(f"corrupt zstd block at byte {offset} (reserved block type)", name)
        offset = _within(offset + 3 + (1 if kind == 1 else length), size, name, start)
    return _within(offset + (4 if descriptor & 0x04 else 0), size, name, start)


def _read(fh: BinaryIO, offset: int, n: int, size: int, name: str, what: str) -> bytes:
    if offset + n > size:
        raise _truncated(name, size, what)
    fh.seek(offset)
    return fh.read(n)


def _within(end: int, size: int, name: str, frame_start: int) -> int:
    if end > size:
        raise _truncated(name, size, f"the frame starting at byte {frame_start}")
    return end


def _truncated(name: str, size: int, what: str) -> IngestError:
    return IngestError(f"truncated zstd data: the file ends at byte {size} inside {what}; "
                       "nothing of this file was stored (is the download or copy complete?)", name)
