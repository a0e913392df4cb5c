"""Finding an entity or literal mention inside a quote (fuzzy), shared by grounding, direction, schema."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from sro.nlp.models import Entity, Term

_PAREN = re.compile(r"\s*\([^)]*\)")
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[a-z0-9]+")


def clean(name: str) -> str:
    """Surface forms from knowledge bases: "Alan_B._Miller_Hall" -> "alan b. miller hall"."""
    return _PAREN.sub("", name.replace("_", " ").replace('"', "")).strip().lower()


@lru_cache(maxsize=100_000)
def locate_name(name: str, quote: str) -> tuple[float, int, int]:
    """(support in [0, 1], start, end) of the best match of `name` in `quote` (lower-cased both)."""
    needle, hay = clean(name), quote.lower()
    if not needle:
        return 0.0, 0, 0
    pos = hay.find(needle)
    if pos >= 0:
        return 1.0, pos, pos + len(needle)
    best = fuzz.partial_ratio_alignment(needle, hay)
    score = best.score / 100 if best else 0.0
    start, end = (best.dest_start, best.dest_end) if best else (0, 0)
    tokens = [w for w in _WORD.findall(needle) if len(w) > 2]
    if tokens:
        hay_words = set(_WORD.findall(hay))
        share = sum(w in hay_words for w in tokens) / len(tokens)
        if share > score and share >= 0.5:
            first = next(w for w in tokens if w in hay_words)
            start = hay.find(first)
            end = start + len(first)
            score = share * 0.95  # a partial name ("Stern" for "Robert A. M. Stern") is slightly weaker
    acronym = "".join(w[0] for w in _WORD.findall(needle) if w not in ("of", "the", "and"))
    hit = re.search(rf"\b{re.escape(acronym)}\w?\b", hay) if len(acronym) >= 2 else None
    if hit:
        if score < 0.9:
            score, start, end = 0.9, hit.start(), hit.end()
    return (score if score >= 0.6 else score * 0.5), start, end


def locate_term(term: Term, quote: str) -> tuple[float, int, int]:
    if isinstance(term, Entity):
        return locate_name(term.text, quote)
    numbers = [n.replace(",", "") for n in _NUM.findall(term.text)]
    if numbers:
        hay_numbers = {n.replace(",", "") for n in _NUM.findall(quote)}
        hits = [n for n in numbers if n in hay_numbers or n.lstrip("0") in hay_numbers]
        if len(hits) == len(numbers) or (hits and term.datatype == "date"):
            m = re.search(",?".join(map(re.escape, hits[0])), quote)  # "12000" also matches "12,000"
            return 1.0, (m.start() if m else 0), (m.end() if m else 0)
    return locate_name(term.text, quote)
