"""Predicate anchor: when the quote contains the predicate's own word, the object must hang off it.

"The address of the hall is 101 Ukrop Way ... designed by Robert A.M. Stern": for (hall, address, ?) the
word "address" is in the quote, and 101 Ukrop Way is two dependency steps from it while Stern sits in
another clause. An object that is farther from every anchor than some other noun phrase of the quote is
probably the wrong object (the classic "right entities, wrong pairing" error). Anchors are tokens whose
lemma is a content word of the predicate's name, label or synonyms. No anchor in the quote: skipped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc, Token

from sro.extract.keys import singular
from sro.extract.models import Candidate
from sro.extract.predicates import split_camel
from sro.judge.axioms.mentions import locate_term
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

NAME = "anchor"
FAR = 100
_STOP = {"have", "with", "from", "this", "that", "than", "into", "name", "type", "their", "other", "made",
         "make", "what", "which", "been", "being", "were", "they", "does"}
MISPLACED, CLOSE = 0.25, 1.0
SLACK = 1  # the object may be this many steps farther than the nearest other phrase


@lru_cache(maxsize=4096)
def words_of(*forms: str) -> frozenset[str]:
    out = set()
    for form in forms:
        for word in re.findall(r"[a-z]+", split_camel(form).lower()):
            if len(word) >= 4 and word not in _STOP:
                out.update({word, singular(word)})
    return frozenset(out)


def _depth_path(token: Token) -> list[int]:
    path = [token.i]
    while token.head.i != token.i:
        token = token.head
        path.append(token.i)
    return path


def distance(a: Token, b: Token) -> int:
    if a.sent.start != b.sent.start:
        return FAR
    pa, pb = _depth_path(a), _depth_path(b)
    pos_b = {t: i for i, t in enumerate(pb)}
    for i, t in enumerate(pa):
        if t in pos_b:
            return i + pos_b[t]
    return FAR


def _mentions(doc: Doc) -> list[Token]:
    """Noun-phrase heads of the quote, computed once per cached parse."""
    cached = doc.user_data.get("sro_mentions")
    if cached is None:
        roots = {chunk.root.i for chunk in doc.noun_chunks} | {ent.root.i for ent in doc.ents}
        cached = doc.user_data["sro_mentions"] = [doc[i] for i in sorted(roots) if doc[i].pos_ != "PRON"]
    return cached


def _lemmas(doc: Doc) -> list[tuple[str, str]]:
    cached = doc.user_data.get("sro_lemmas")
    if cached is None:
        cached = doc.user_data["sro_lemmas"] = [(t.lemma_.lower(), t.lower_) for t in doc]
    return cached


def score(c: Candidate, ctx: JudgeContext) -> AxiomScore:
    pred = ctx.predicate_by_iri.get(c.predicate_iri or "")
    local = re.split(r"[#/]", c.predicate_iri or "")[-1]
    # Only the predicate's own name/label: synonyms such as "located in" are too common to anchor on.
    forms = (c.predicate, local) + ((pred.label or "",) if pred else ())
    words = words_of(*forms)
    if not words or c.subject.ref == "document":
        return AxiomScore.of(NAME, 1.0, reason="no content word in the predicate", skipped=True)
    quote = c.evidence.quote
    doc = ctx.cache.parse(quote)
    anchors = [doc[i] for i, (lemma, lower) in enumerate(_lemmas(doc)) if lemma in words or lower in words]
    if not anchors:
        return AxiomScore.of(NAME, 1.0, reason="predicate word not in the quote", skipped=True)
    sup, start, end = locate_term(c.object, quote)
    span = doc.char_span(start, end, alignment_mode="expand") if sup >= 0.6 and end > start else None
    if span is None or not len(span):
        return AxiomScore.of(NAME, 1.0, reason="object not aligned with the parse", skipped=True)
    obj = span.root
    s_sup, s_start, s_end = locate_term(c.subject, quote)
    s_span = doc.char_span(s_start, s_end, alignment_mode="expand") if s_sup >= 0.6 and s_end > s_start else None
    skip = set(range(span.start, span.end)) | (set(range(s_span.start, s_span.end)) if s_span else set())
    skip |= {a.i for a in anchors}
    others = [m for m in _mentions(doc) if m.i not in skip]
    d_obj = min(distance(a, obj) for a in anchors)
    d_other = min((distance(a, m) for a in anchors for m in others), default=FAR)
    if d_obj < FAR and d_obj <= d_other + SLACK:
        return AxiomScore.of(NAME, CLOSE, reason=f"object is {d_obj} step(s) from '{anchors[0].text}'")
    return AxiomScore.of(NAME, MISPLACED, reason=(
        f"'{anchors[0].text}' attaches to another phrase ({d_other} steps) rather than the object ({d_obj})"))
