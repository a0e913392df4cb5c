"""Reward of one expansion, in [0, 1]: the new, on-question evidence it produced, minus what it cost.

    F = sum over the node's novel accepted facts (not yet in the campaign) of
          1             if its predicate is one the node's question turns on (sro.mcts.gaps.Focus)
          off_question  otherwise (another pipeline predicate, or a generic SVO relation)
    D = documents among those facts' sources that no earlier fact of the campaign came from
    G = share of the on-question novel facts whose predicate had fewer than `gap_below` facts before
    reward = w_facts   * (1 - exp(-F / fact_scale))
           + w_docs    * (1 - exp(-D / doc_scale))
           + w_gap     * G
           + w_quality * mean judge score of the node's accepted facts
           - cost_weight * cost_usd
clipped to [0, 1]. F and D saturate so one node that floods the graph does not drown every other branch;
G rewards filling what the question still lacks; the cost term makes a paid branch prove itself against a
free one. Re-finding known facts or re-reading covered posts earns nothing but the quality term.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from sro.mcts.expand import TripleInfo
    from sro.mcts.gaps import Ledger


@dataclass(frozen=True)
class RewardWeights:
    facts: float = 0.45
    docs: float = 0.25
    gap: float = 0.15
    quality: float = 0.15
    fact_scale: float = 6.0
    doc_scale: float = 4.0
    off_question: float = 0.25
    gap_below: int = 5
    cost_weight: float = 0.5


@dataclass(frozen=True)
class Evidence:
    """What a node added: weighted on-question facts F, new documents D, gap share G."""

    facts: float
    docs: int
    gap: float


@dataclass(frozen=True)
class RewardParts:
    facts: float
    docs: float
    gap: float
    quality: float
    cost: float
    total: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.__dict__.items()}


def tally(novel: Iterable[TripleInfo], on_question: frozenset[str], ledger: Ledger, weights: RewardWeights) -> Evidence:
    """F, D and G of the reward for `novel` facts, against the campaign's ledger *before* this node. An empty
    `on_question` (a pipeline without predicates) counts every fact as on-question."""
    facts, docs, on, gaps = 0.0, set(), 0, 0
    for t in novel:
        asked = not on_question or t.predicate in on_question
        facts += 1.0 if asked else weights.off_question
        on += asked
        gaps += asked and ledger.per_predicate[t.predicate] < weights.gap_below
        if t.doc_id and t.doc_id not in ledger.docs:
            docs.add(t.doc_id)
    return Evidence(facts, len(docs), gaps / on if on else 0.0)


def compute_reward(evidence: Evidence, *, scores: list[float], cost_usd: float,
                   weights: RewardWeights = RewardWeights()) -> RewardParts:
    facts = 1.0 - math.exp(-max(evidence.facts, 0.0) / weights.fact_scale)
    docs = 1.0 - math.exp(-max(evidence.docs, 0) / weights.doc_scale)
    quality = sum(scores) / len(scores) if scores else 0.0
    cost = weights.cost_weight * max(cost_usd, 0.0)
    raw = (weights.facts * facts + weights.docs * docs + weights.gap * evidence.gap
           + weights.quality * quality - cost)
    return RewardParts(facts, docs, evidence.gap, quality, cost, min(1.0, max(0.0, raw)))
