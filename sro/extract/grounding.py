"""Locating a model's "verbatim" quote in the source text, with exact offsets.

Models change whitespace, curly/straight quotes and dashes when they copy text. Both sides are normalised
character by character while remembering, for every normalised character, the offset it came from; the
match found in normalised space is mapped back to original offsets. A quote that cannot be found this way
is not grounded: we never guess a span.
"""

from __future__ import annotations

# Characters that models commonly substitute for one another.
_CHAR_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2026": "...",
}


def _norm_char(ch: str) -> str:
    mapped = _CHAR_MAP.get(ch)
    if mapped is not None:
        return mapped
    if ch.isspace():
        return " "
    return ch.lower()


def normalise(text: str) -> tuple[str, list[int]]:
    """Normalised text and, per normalised char, its offset in `text`. Whitespace runs become one space."""
    out: list[str] = []
    index: list[int] = []
    for pos, ch in enumerate(text):  # no NFC: it would shift offsets
        norm = _norm_char(ch)
        if norm == " " and out and out[-1] == " ":
            continue  # collapse whitespace runs
        for piece in norm:
            out.append(piece)
            index.append(pos)
    return "".join(out), index


def locate(quote: str, text: str, start_hint: int = 0) -> tuple[int, int] | None:
    """Exact (start, end) of `quote` in `text`, tolerant of whitespace/quote/dash variants; None if absent.

    `start_hint` prefers the first occurrence at or after that offset (several candidates quoting the
    same repeated sentence then get distinct spans in reading order).
    """
    quote = quote.strip()
    if not quote:
        return None
    exact = text.find(quote, start_hint)
    if exact < 0:
        exact = text.find(quote)
    if exact >= 0:
        return exact, exact + len(quote)
    norm_text, index = normalise(text)
    norm_quote = normalise(quote)[0].strip()
    if not norm_quote:
        return None
    hint = next((i for i, p in enumerate(index) if p >= start_hint), 0)
    pos = norm_text.find(norm_quote, hint)
    if pos < 0:
        pos = norm_text.find(norm_quote)
    if pos < 0:
        return None
    start = index[pos]
    last = index[pos + len(norm_quote) - 1]
    end = last + 1
    # An ellipsis "…" maps to three normalised chars with the same origin; end stays exclusive of it.
    return start, end
