"""What the campaign's graph still lacks for its question, and sub-questions aimed at it.

`Focus` reads the pipeline's ontology: each predicate with its names (label, split local name). A question
*turns on* the predicates it names (none named: all of them, e.g. "is solar economical?").

`Ledger` is the campaign's running account of accepted facts: per predicate, per document, and the
entities (objects of entity-valued facts) with the documents that mention them. From it:

- gaps: the question's predicates ordered by how few facts they have;
- entities seen without those attributes: an entity whose documents hold no fact of a gap predicate;
- `gap_proposals`: typed sub-questions "What is the <predicate label> for <entity>?" and, without an entity,
  "What <predicate label> do the sources report?" for the thinnest predicates;
- `gap_summary`: the same, as lines for a CEO model that proposes from it.

How proposals are ranked and pruned (their look-ahead prior) is in sro/mcts/lookahead.py.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from sro.mcts.expand import Proposal
from sro.mcts.terms import terms

if TYPE_CHECKING:
    from pipelines import Pipeline
    from sro.mcts.expand import TripleInfo

LITERAL_RANGES = frozenset({"string", "decimal", "integer", "money", "date", "duration", "boolean", "percent"})


def split_camel(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


@dataclass(frozen=True)
class Focus:
    """The pipeline's predicates, each with its names (the stemmed terms of its label and of its split local
    name: "paybackPeriod" -> {payback, period}) and its label. Synonyms are left out: they are surface verb
    phrases for the resolver ("install by"), not names of the attribute."""

    vocab: dict[str, tuple[frozenset[str], ...]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    entity_valued: frozenset[str] = frozenset()

    @classmethod
    def of(cls, pipeline: Pipeline | None) -> "Focus":
        if pipeline is None:
            return cls()
        vocab, labels, entity = {}, {}, set()
        for p in pipeline.predicates:
            vocab[p.name] = tuple(frozenset(terms(n)) for n in (split_camel(p.name), p.label or "") if terms(n))
            labels[p.name] = p.label or split_camel(p.name)
            if (p.range or "").lower() not in LITERAL_RANGES:
                entity.add(p.name)
        return cls(vocab, labels, frozenset(entity))

    def turns_on(self, question: str) -> frozenset[str]:
        """The predicates the question names (every term of one of their names); all if it names none."""
        asked = set(terms(question))
        named = frozenset(p for p, names in self.vocab.items() if any(n <= asked for n in names))
        return named or frozenset(self.vocab)


@dataclass
class Ledger:
    """Accepted facts of the campaign so far, counted the ways the reward and the proposals need."""

    per_predicate: Counter = field(default_factory=Counter)
    docs: set[str] = field(default_factory=set)  # documents with an accepted fact
    read: set[str] = field(default_factory=set)  # passages the campaign's sessions read (their previews)
    entity_docs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    doc_predicates: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, facts: Iterable[TripleInfo], focus: Focus) -> None:
        for t in facts:
            self.per_predicate[t.predicate] += 1
            if t.doc_id:
                self.docs.add(t.doc_id)
                self.doc_predicates[t.doc_id].add(t.predicate)
                if t.predicate in focus.entity_valued and t.object:
                    self.entity_docs[t.object].add(t.doc_id)

    def gaps(self, predicates: Iterable[str]) -> list[str]:
        """The given predicates, thinnest first (ties by name, so the order is deterministic)."""
        return sorted(predicates, key=lambda p: (self.per_predicate[p], p))

    def lacking(self, entity: str, predicate: str) -> bool:
        """No document mentioning `entity` has a fact under `predicate` yet."""
        return all(predicate not in self.doc_predicates[d] for d in self.entity_docs.get(entity, ()))


def gap_proposals(focus: Focus, ledger: Ledger, question: str, *, predicates: int = 4,
                  entities: int = 6) -> list[Proposal]:
    """Typed sub-questions for the thinnest predicates the question turns on, alone and for the graph's
    entities (most documents first) whose documents lack them."""
    gaps = [p for p in ledger.gaps(focus.turns_on(question)) if p not in focus.entity_valued][:predicates]
    named = sorted(ledger.entity_docs, key=lambda e: (-len(ledger.entity_docs[e]), e))[:entities]
    out = [Proposal(f"What {focus.labels[p]} do the sources report?", None, "gap") for p in gaps]
    for entity in named:
        out += [Proposal(f"What is the {focus.labels[p]} for {entity}?", None, "gap")
                for p in gaps if ledger.lacking(entity, p)]
    return out


def gap_summary(focus: Focus, ledger: Ledger, question: str) -> list[str]:
    return [f"{focus.labels[p]}: {ledger.per_predicate[p]} facts" for p in ledger.gaps(focus.turns_on(question))]
