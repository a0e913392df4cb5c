"""Canonical keys and IRIs for entity mentions.

"The Tesla Powerwalls", "tesla powerwall" and "Tesla-Powerwall" share the key "tesla powerwall":
case folded, accents stripped, punctuation removed, leading determiners/possessives dropped, the last word
singularised. IRIs are built from keys, so the same entity gets the same IRI in every run.

Singularisation strips a plural ending only when that is safe: the stripped form is a known English noun
(spaCy's English lemma index: "panels" -> "panel", "ideas" -> "idea"), or the word itself is not a known
noun and does not end like a name ("-as", "-ss", "-us", "-is": "Texas", "Vegas", "glass", "status" stay).
A known noun that is its own base form ("Texas", "series", "lens", "news", "Athens") is never stripped.
Unknown words ("Powerwalls", "optimizers") keep the plain -s rule, so ordinary plurals keep their IRIs.
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
_NAME_S = ("as", "es", "os")  # a capitalised word ending so is a name ("Texas", "Las Vegas", "Los Altos")


@lru_cache(maxsize=1)
def _nouns() -> frozenset[str]:
    """Base forms of English nouns (the lemma index of the spaCy model the extractor uses); empty when the
    model is missing, which leaves the suffix rules alone in charge."""
    try:
        from sro.nlp.nlp import load_nlp

        tables = load_nlp().get_pipe("lemmatizer").lookups
        return frozenset(tables.get_table("lemma_index")["noun"])
    except Exception:  # noqa: BLE001 - a key must never fail because the lexicon is unavailable
        return frozenset()


def _strip(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=200_000)
def singular(word: str, proper: bool = False, name: bool = False) -> str:
    """`word` lower-cased; `proper`: it was capitalised in the mention (a name, unless a known plural);
    `name`: the mention is several capitalised words ("Las Vegas", "Los Altos")."""
    if len(word) <= 3 or word.isdigit() or not word.endswith("s") or word.endswith(_KEEP_S):
        return word
    nouns = _nouns()
    if word in nouns and (proper or _strip(word) not in nouns):
        return word  # "Texas", "Athens", "series", "lens", "news"
    if proper and word.endswith(_NAME_S) and (name or _strip(word) not in nouns):
        return word  # "Vegas", "Mercedes", "Altos"
    stripped = _strip(word)
    if stripped in nouns or not word.endswith("as"):
        return stripped  # "panels", "ideas", "days", "Powerwalls"
    return word  # an unknown "-as" word: a name more often than a plural


@lru_cache(maxsize=200_000)
def canonical_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("'s ", " ").replace("_", " ")
    words = [w for w in _NON_WORD.sub(" ", folded).split() if w]
    while len(words) > 1 and words[0] in _DETERMINERS:
        words = words[1:]
    if words:
        raw = _NON_WORD.sub(" ", text).split()
        caps = [w[:1].isupper() for w in raw]
        words[-1] = singular(words[-1], proper=bool(caps) and caps[-1], name=len(caps) > 1 and all(caps))
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


@lru_cache(maxsize=4096)  # every candidate of a document asks (urllib's quote was ~3% of the driver's work)
def document_iri(base: str, doc_id: str) -> str:
    return base + "doc/" + quote(doc_id, safe="")
