"""Corroboration: how many independent sources (distinct documents and authors) state the same triple.

One source scores 0.6, two 0.85, three or more 1.0; sources by the same author count once. Support comes
from the current batch and from candidates already stored in DuckDB.
"""

from __future__ import annotations

from collections import defaultdict

from sro.nlp.models import Candidate
from sro.judge.axioms.contradiction import object_key
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

NAME = "corroboration"
SCALE = {1: 0.6, 2: 0.85}


def triple_key(c: Candidate) -> tuple[str, str, str]:
    return (c.subject.iri or c.subject.text.lower(), c.predicate_iri or c.predicate, object_key(c))


def batch(candidates: list[Candidate], ctx: JudgeContext) -> list[AxiomScore]:
    docs: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for c in candidates:
        docs[triple_key(c)].add(c.evidence.doc_id)
    for key, stored in ctx.stored_support.items():
        docs[key].update(stored)
    out = []
    for c in candidates:
        sources = docs[triple_key(c)]
        authors = {(ctx.docs[d].author or d) if d in ctx.docs else d for d in sources}
        n = len(authors)
        value = SCALE.get(n, 1.0) if n else 0.6
        out.append(AxiomScore.of(NAME, value, reason=f"{len(sources)} document(s), {n} independent source(s)"))
    return out
