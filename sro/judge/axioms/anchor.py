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

from spacy.tokens import Doc

from sro.nlp.keys import singular
from sro.nlp.models import Candidate
from sro.nlp.predicates import split_camel
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


class Tree:
    """Heads and sentence ids as plain ints, built once per cached parse: distances are then computed
    without creating spaCy Token objects (that was most of this axiom's time)."""

    def __init__(self, doc: Doc):
        self.heads = [t.head.i for t in doc]
        self.sent = [0] * len(doc)
        for n, sent in enumerate(doc.sents):
            for i in range(sent.start, sent.end):
                self.sent[i] = n
        roots = {chunk.root.i for chunk in doc.noun_chunks} | {ent.root.i for ent in doc.ents}
        self.mentions = [i for i in sorted(roots) if doc[i].pos_ != "PRON"]
        self.lemmas = [(t.lemma_.lower(), t.lower_) for t in doc]

    def path(self, i: int) -> list[int]:
        out = [i]
        while self.heads[out[-1]] != out[-1]:
            out.append(self.heads[out[-1]])
        return out

    def distance(self, a: int, b: int) -> int:
        if self.sent[a] != self.sent[b]:
            return FAR
        pos_b = {t: n for n, t in enumerate(self.path(b))}
        for n, t in enumerate(self.path(a)):
            if t in pos_b:
                return n + pos_b[t]
        return FAR


def tree(doc: Doc) -> Tree:
    cached = doc.user_data.get("sro_tree")
    if cached is None:
        cached = doc.user_data["sro_tree"] = Tree(doc)
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
    t = tree(doc)
    anchors = [i for i, (lemma, lower) in enumerate(t.lemmas) if lemma in words or lower in words]
    if not anchors:
        return AxiomScore.of(NAME, 1.0, reason="predicate word not in the quote", skipped=True)
    sup, start, end = locate_term(c.object, quote)
    span = doc.char_span(start, end, alignment_mode="expand") if sup >= 0.6 and end > start else None
    if span is None or not len(span):
        return AxiomScore.of(NAME, 1.0, reason="object not aligned with the parse", skipped=True)
    obj = span.root.i
    s_sup, s_start, s_end = locate_term(c.subject, quote)
    s_span = doc.char_span(s_start, s_end, alignment_mode="expand") if s_sup >= 0.6 and s_end > s_start else None
    skip = set(range(span.start, span.end)) | (set(range(s_span.start, s_span.end)) if s_span else set())
    skip |= set(anchors)
    others = [m for m in t.mentions if m not in skip]
    d_obj = min(t.distance(a, obj) for a in anchors)
    d_other = min((t.distance(a, m) for a in anchors for m in others), default=FAR)
    word = doc[anchors[0]].text
    if d_obj < FAR and d_obj <= d_other + SLACK:
        return AxiomScore.of(NAME, CLOSE, reason=f"object is {d_obj} step(s) from '{word}'")
    return AxiomScore.of(NAME, MISPLACED, reason=(
        f"'{word}' attaches to another phrase ({d_other} steps) rather than the object ({d_obj})"))
