"""Reward of one expansion, in [0, 1].

    reward = w_novel * (1 - exp(-novel / novelty_scale))      newly accepted triples (against the campaign)
           + w_quality * mean judge score of accepted triples
           + w_coverage * share of the question's terms covered by accepted triples and evidence
           - cost_weight * cost_usd                            what the node spent
clipped to [0, 1]. Novelty saturates so one node that floods the graph with near-duplicates does not
drown every other branch; the cost term makes a paid branch prove itself against a free one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sro.mcts.terms import coverage


@dataclass(frozen=True)
class RewardWeights:
    novel: float = 0.5
    quality: float = 0.25
    coverage: float = 0.25
    novelty_scale: float = 3.0
    cost_weight: float = 0.5


@dataclass(frozen=True)
class RewardParts:
    novelty: float
    quality: float
    coverage: float
    cost: float
    total: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.__dict__.items()}


def compute_reward(
    question: str, *, novel: int, scores: list[float], covered_terms: set[str], cost_usd: float,
    weights: RewardWeights = RewardWeights(),
) -> RewardParts:
    novelty = 1.0 - math.exp(-max(novel, 0) / weights.novelty_scale)
    quality = sum(scores) / len(scores) if scores else 0.0
    cov = coverage(question, covered_terms)
    cost = weights.cost_weight * max(cost_usd, 0.0)
    raw = weights.novel * novelty + weights.quality * quality + weights.coverage * cov - cost
    return RewardParts(novelty, quality, cov, cost, min(1.0, max(0.0, raw)))
