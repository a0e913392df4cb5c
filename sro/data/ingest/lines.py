"""Stream lines out of plain, .gz or .zst files in big blocks, with exact line numbers for errors.

Pushshift/Arctic Shift dumps use zstd long-distance windows up to 2 GiB, hence max_window_size. Only one block
(a few MB) and one partial line are in memory at any time.
"""

from __future__ import annotations

import gzip
import os
import queue
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, Iterator

import zstandard

from sro.errors import IngestError

BLOCK = 8 << 20
DECOMPRESS_ERRORS = (zstandard.ZstdError, OSError, EOFError, gzip.BadGzipFile)


def open_binary(path: Path, raw: BinaryIO | None = None) -> BinaryIO:
    """The decompressed bytes of `path` (read through `raw`, its open file, when given)."""
    name = path.name.lower()
    raw = raw or open(path, "rb")
    if name.endswith(".zst") or name.endswith(".zstd"):
        dctx = zstandard.ZstdDecompressor(max_window_size=2**31)
        return dctx.stream_reader(raw, read_size=1 << 20, closefd=True)  # type: ignore[return-value]
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def compression_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".zst", ".zstd")):
        return "zstd"
    return "gzip" if name.endswith(".gz") else "uncompressed"


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, line without newline) for every line; decompression errors name the line reached."""
    lineno = 0
    rest = b""
    raw = open(path, "rb")
    with open_binary(path, raw) as fh:
        while True:
            try:
                block = fh.read(BLOCK)
            except DECOMPRESS_ERRORS as exc:
                offset = raw.tell() if not raw.closed else "?"
                raise IngestError(f"truncated or corrupt {compression_of(path)} data near byte {offset} of the "
                                  f"file ({exc}); nothing of this file was stored", str(path), lineno + 1) from None
            if not block:
                break
            parts = (rest + block).split(b"\n")
            rest = parts.pop()
            for part in parts:
                lineno += 1
                yield lineno, part
    if rest:
        yield lineno + 1, rest


FIRST_SLICE = 16 << 20


def iter_slices(path: Path, size: int) -> Iterator[str]:
    """Decompress `path` into temporary plain files of about `size` bytes, each ending at a line end.
    The first is FIRST_SLICE bytes and each next one twice the previous until `size`, so the caller starts
    at once instead of waiting for a whole slice, and each slice is written while the caller works on the
    one before (DuckDB reads ~90 MB/s here, the slicer writes faster).

    A background thread writes the next slice while the caller works on the current one (zstd and file
    writes release the GIL, so decompression overlaps DuckDB's work). Yields each file's path (at least one,
    maybe empty) and deletes it when the caller moves on or stops. Decompression errors propagate
    (DECOMPRESS_ERRORS): the caller falls back to iter_lines for exact line numbers."""
    ready: queue.Queue = queue.Queue(maxsize=1)  # at most: one slice in use, one ready, one being written
    stop = threading.Event()

    def put(item: tuple) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for tmp in _write_slices(path, size, stop):
                if not put(("slice", tmp)):
                    os.unlink(tmp)
                    return
            put(("end", None))
        except BaseException as exc:  # handed to the consumer
            put(("error", exc))

    worker = threading.Thread(target=produce, name="sro-slices", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            try:
                yield item
            finally:
                os.unlink(item)
    finally:
        stop.set()
        worker.join()
        while not ready.empty():
            kind, item = ready.get()
            if kind == "slice":
                os.unlink(item)


def _write_slices(path: Path, size: int, stop: threading.Event) -> Iterator[str]:
    step = max(1, min(BLOCK, size))
    target = min(size, FIRST_SLICE)
    with open_binary(path) as fh:
        rest = b""
        done = False
        while not done and not stop.is_set():
            fd, tmp = tempfile.mkstemp(prefix="sro-slice-", suffix=".ndjson")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(rest)
                    written, rest = len(rest), b""
                    while written < target:
                        block = fh.read(step)
                        if not block:
                            done = True
                            break
                        out.write(block)
                        written += len(block)
                    while not done:  # finish the line the slice ends in; the rest opens the next slice
                        block = fh.read(step)
                        cut = block.find(b"\n") + 1
                        if not block:
                            done = True
                        elif cut == 0:
                            out.write(block)  # a line longer than a block: keep reading
                        else:
                            out.write(block[:cut])
                            rest = block[cut:]
                            break
            except BaseException:
                os.unlink(tmp)
                raise
            target = min(size, 2 * target)
            yield tmp


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding) of a whole text file: a byte-order mark, else UTF-8, else the encoding
    charset-normalizer detects (Windows-1252 among near-ties: on short texts the detector cannot tell the
    Latin code pages apart, and 1252 is by far the commonest). Binary data and undecodable bytes are IngestErrors naming the line."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    nul = data.find(b"\x00", 0, 8192)
    if nul >= 0:
        raise IngestError("binary data (NUL bytes), not a text file", str(path), data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    from charset_normalizer import from_bytes

    best = _likeliest(from_bytes(data))
    if best is None:
        line = data.count(b"\n", 0, first_bad) + 1
        raise IngestError(f"undecodable bytes at byte {first_bad}: not UTF-8 and no other encoding fits",
                          str(path), line)
    return str(best), best.encoding


def _likeliest(matches):
    """charset-normalizer's best match, or cp1252 when it fits the bytes about as well (chaos within 0.1)."""
    best = matches.best()
    if best is None:
        return None
    western = next((m for m in matches if m.encoding == "cp1252" and m.chaos <= best.chaos + 0.1), None)
    return western or best
