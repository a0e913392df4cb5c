"""Canonical keys and IRIs for entity mentions.

"The Tesla Powerwalls", "tesla powerwall" and "Tesla-Powerwall" share the key "tesla powerwall":
case folded, accents stripped, punctuation removed, leading determiners/possessives dropped, the last word
singularised. IRIs are built from keys, so the same entity gets the same IRI in every run.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "our", "my", "your", "their", "his", "her",
                "its", "some", "any"}
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_KEEP_S = ("ss", "us", "is", "ics", "ws")


def singular(word: str) -> str:
    if len(word) <= 3 or word.isdigit() or word.endswith(_KEEP_S):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


@lru_cache(maxsize=200_000)
def canonical_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("'s ", " ").replace("_", " ")
    words = [w for w in _NON_WORD.sub(" ", folded).split() if w]
    while len(words) > 1 and words[0] in _DETERMINERS:
        words = words[1:]
    if words:
        words[-1] = singular(words[-1])
    key = " ".join(words)
    if not key and text.strip():  # non-Latin script: keep the text itself, case-folded
        key = " ".join(text.casefold().split())
    return key


def slug(key: str, max_len: int = 80) -> str:
    """IRI-safe local name for a key; long or non-ASCII keys get a short hash suffix."""
    base = re.sub(r"[^a-z0-9]+", "-", key).strip("-")
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    if not base:
        return digest
    if len(base) > max_len or not key.isascii():
        return f"{base[:max_len]}-{digest}"
    return base


def entity_iri(base: str, key: str) -> str:
    return base + quote(slug(key), safe="-")


def document_iri(base: str, doc_id: str) -> str:
    return base + "doc/" + quote(doc_id, safe="")
