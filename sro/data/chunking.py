"""Split text into overlapping chunks at paragraph, sentence or word boundaries.

Offsets are character offsets into the original string, so `text[start:end]` reproduces each chunk exactly,
and consecutive chunks always touch or overlap, so together they cover the whole text.
"""

from __future__ import annotations

import re

_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE = re.compile(r"[.!?…][\"')\]]*\s+")
_SPACE = re.compile(r"\s+")


def _last_break(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> int | None:
    """End offset of the last match of `pattern` that ends inside (lo, hi]."""
    best = None
    for m in pattern.finditer(text, lo, hi):
        if m.end() > lo:
            best = m.end()
    return best


def _cut(text: str, start: int, size: int) -> int:
    """Where to end a chunk beginning at `start`: the best natural break in its second half."""
    hi = start + size
    lo = start + size // 2
    for pattern in (_PARAGRAPH, _SENTENCE, _SPACE):
        end = _last_break(pattern, text, lo, hi)
        if end is not None:
            return end
    return hi  # no break at all (e.g. a long URL): hard cut


def _next_start(text: str, start: int, end: int, overlap: int) -> int:
    """Start the next chunk `overlap` characters back, moved forward to the start of a word."""
    if overlap <= 0:
        return end
    candidate = max(end - overlap, start + 1)
    m = _SPACE.search(text, candidate, end)
    return m.end() if m and m.end() < end else candidate


def chunk_spans(text: str, size: int = 1200, overlap: int = 150) -> list[tuple[int, int]]:
    """(start, end) spans covering `text`; each span is at most `size` characters long."""
    if size <= 0:
        raise ValueError("chunk size must be positive")
    overlap = max(0, min(overlap, size // 2))
    n = len(text)
    if n <= size:
        return [(0, n)] if n else []
    spans: list[tuple[int, int]] = []
    start = 0
    while start < n:
        end = n if n - start <= size else _cut(text, start, size)
        spans.append((start, end))
        if end >= n:
            break
        start = _next_start(text, start, end, overlap)
    return spans
