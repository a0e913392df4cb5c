"""What the campaign's graph still lacks for its question, and sub-questions aimed at it.

`Focus` reads the pipeline's ontology: each predicate with its vocabulary (name, label, synonyms). A question
*turns on* the predicates whose vocabulary it uses (none named: all of them, e.g. "is solar economical?").

`Ledger` is the campaign's running account of accepted facts: per predicate, per document, and the
entities (objects of entity-valued facts) with the documents that mention them. From it:

- gaps: the question's predicates ordered by how few facts they have;
- entities seen without those attributes: an entity whose documents hold no fact of a gap predicate;
- `gap_proposals`: typed sub-questions "What is the <predicate label> for <entity>?" and, without an entity,
  "What <predicate label> do the sources report?" for the thinnest predicates;
- `lookahead`: the prior of a proposal (PUCT uses it; `min_gain` stops on it): the share of the documents
  a BM25 search for the question would return that the campaign has no fact from yet. A proposal that
  would only re-read covered posts gets a low prior and is not expanded; this is the stopping rule.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from sro.mcts.expand import Proposal
from sro.mcts.terms import terms

LITERAL_RANGES = frozenset({"string", "decimal", "integer", "money", "date", "duration", "boolean", "percent"})
Search = Callable[[str], "list[str] | None"]  # question -> doc ids a search would return; None: cannot tell


def split_camel(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


@dataclass(frozen=True)
class Focus:
    """The pipeline's predicates, each with its vocabulary (stemmed terms) and label."""

    vocab: dict[str, frozenset[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    entity_valued: frozenset[str] = frozenset()

    @classmethod
    def of(cls, pipeline: Any | None) -> "Focus":
        if pipeline is None:
            return cls()
        vocab, labels, entity = {}, {}, set()
        for p in pipeline.predicates:
            words = [split_camel(p.name), p.label or "", *p.synonyms]
            vocab[p.name] = frozenset(terms(" ".join(words)))
            labels[p.name] = p.label or split_camel(p.name)
            if (p.range or "").lower() not in LITERAL_RANGES:
                entity.add(p.name)
        return cls(vocab, labels, frozenset(entity))

    def turns_on(self, question: str) -> frozenset[str]:
        """The predicates whose vocabulary the question uses; all of them if it names none."""
        asked = set(terms(question))
        named = frozenset(p for p, words in self.vocab.items() if words & asked)
        return named or frozenset(self.vocab)


@dataclass
class Ledger:
    """Accepted facts of the campaign so far, counted the ways the reward and the proposals need."""

    per_predicate: Counter = field(default_factory=Counter)
    docs: set[str] = field(default_factory=set)  # documents with an accepted fact
    read: set[str] = field(default_factory=set)  # documents of the passages the campaign's sessions saw
    entity_docs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    doc_predicates: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, facts: Iterable[Any], focus: Focus) -> None:
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


def preview(hits: list[Any], question: str, k: int) -> list[str]:
    """Documents of the k passages among `hits` that use most of the question's terms: what an expander that
    reads the best-matching passages would read."""
    wanted = set(terms(question))
    ranked = sorted(hits, key=lambda h: -len(wanted & set(terms(h.text))))
    return [h.doc_id for h in ranked[:k]]


def lookahead(proposals: list[Proposal], search: Search, covered: set[str]) -> list[Proposal]:
    """Give each proposal without a prior the share of uncovered documents among its search hits (no hit: 0;
    search cannot tell: no prior), best first (ties keep the given order). Questions with the same content
    terms are merged (the first one stays)."""
    out, signatures = [], set()
    for prop in proposals:
        signature = frozenset(terms(prop.question))
        if signature in signatures:
            continue
        signatures.add(signature)
        found = search(prop.question) if prop.prior is None else None
        if found is not None:
            docs = set(found)
            prop = Proposal(prop.question, round(len(docs - covered) / len(docs), 4) if docs else 0.0, prop.source)
        out.append(prop)
    return sorted(out, key=lambda p: -(p.prior or 0.0))
