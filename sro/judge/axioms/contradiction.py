"""Contradiction: a functional predicate (one value per subject) must not get a second, different value.

The graph's current values are read through `store.values(s, p)`; candidates in the same batch that
disagree with each other are conflicts too. A conflict is never written over the existing value: the
verdict becomes `conflict` and both sides stay visible (graph + DuckDB) for a person or a later run.
"""

from __future__ import annotations

from collections import defaultdict

from sro.nlp.models import Candidate, Entity
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

NAME = "contradiction"


def object_key(c: Candidate) -> str:
    return (c.object.iri or c.object.text.lower()) if isinstance(c.object, Entity) else c.object.value


def _term_key(term: object) -> str:
    value = getattr(term, "value", term)
    return str(value)


def batch(candidates: list[Candidate], ctx: JudgeContext) -> list[AxiomScore]:
    functional = {iri for iri, p in ctx.predicate_by_iri.items() if p.functional}
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for c in candidates:
        if c.predicate_iri in functional and c.subject.iri:
            groups[(c.subject.iri, c.predicate_iri)].add(object_key(c))
    held: dict[tuple[str, str], set[str]] = {}
    if ctx.graph_values is not None:
        for key in groups:
            held[key] = {_term_key(t) for t in ctx.graph_values(*key)}
    out = []
    for c in candidates:
        key = (c.subject.iri or "", c.predicate_iri or "")
        if key not in groups:
            out.append(AxiomScore.of(NAME, 1.0, reason="predicate not functional"))
            continue
        mine = object_key(c)
        in_graph = held.get(key, set()) - {mine}
        in_batch = groups[key] - {mine}
        if in_graph:
            out.append(AxiomScore.of(NAME, 0.0, reason=f"graph already holds {sorted(in_graph)[:3]} "
                                  "for this functional predicate"))
        elif in_batch:
            out.append(AxiomScore.of(NAME, 0.0, reason=f"other sources in this batch say "
                                  f"{sorted(in_batch)[:3]}"))
        else:
            out.append(AxiomScore.of(NAME, 1.0, reason="no competing value"))
    return out
