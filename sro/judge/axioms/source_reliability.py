"""Source reliability: priors from document metadata (kind, Reddit score, comment depth).

Contracts and regulations ("doc", "row") are primary sources; submissions and comments are opinions whose
weight grows with community score. The numbers are priors, configurable per pipeline through
`axioms.reliability.params` (keys: default, kind_<kind>, score_bonus, depth_penalty).
"""

from __future__ import annotations

import math

from sro.nlp.models import Candidate
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

NAME = "source_reliability"
KIND_PRIOR = {"doc": 0.9, "row": 0.9, "submission": 0.7, "comment": 0.6}


def score(c: Candidate, ctx: JudgeContext) -> AxiomScore:
    params = ctx.pipeline.axioms.get(NAME).params if NAME in ctx.pipeline.axioms else {}
    doc = ctx.docs.get(c.evidence.doc_id)
    if doc is None:
        return AxiomScore.of(NAME, 0.7, reason="source metadata unavailable: neutral prior")
    prior = float(params.get(f"kind_{doc.kind}", params.get("default", KIND_PRIOR.get(doc.kind, 0.75))))
    parts = [f"{doc.kind} prior {prior:.2f}"]
    if doc.score is not None and doc.kind in ("submission", "comment"):
        bonus = float(params.get("score_bonus", 0.05)) * math.copysign(math.log10(1 + abs(doc.score)), doc.score)
        prior += bonus
        parts.append(f"score {doc.score} ({bonus:+.2f})")
    depth = doc.metadata.get("depth") if doc.metadata else None
    if isinstance(depth, int) and depth > 0:
        penalty = float(params.get("depth_penalty", 0.03)) * min(depth, 5)
        prior -= penalty
        parts.append(f"depth {depth} (-{penalty:.2f})")
    return AxiomScore.of(NAME, round(min(1.0, max(0.0, prior)), 4), reason=", ".join(parts))
