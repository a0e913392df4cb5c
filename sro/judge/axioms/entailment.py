"""Entailment: the judge model reads the quote and decides whether it states the triple.

Needs a judge model. Offline this axiom is *skipped* (marked so in every judgment) and takes no part in
the total; nothing pretends to have asked a model. Candidates are sent in groups to save calls.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sro.nlp.models import Candidate, Entity
from sro.judge.models import AxiomScore

NAME = "entailment"
GROUP = 10


class Verdict(BaseModel):
    index: int
    entailed: bool
    confidence: float = 1.0
    reason: str = ""


class Verdicts(BaseModel):
    verdicts: list[Verdict]


def skipped(reason: str = "no judge model configured (offline)") -> AxiomScore:
    return AxiomScore.of(NAME, 0.0, reason=reason, skipped=True)


def _line(i: int, c: Candidate) -> str:
    obj = c.object.text if isinstance(c.object, Entity) else f"{c.object.text} ({c.object.datatype})"
    return f"[{i}] quote: \"{c.evidence.quote}\"\n    triple: ({c.subject.text}; {c.predicate}; {obj})"


async def batch(candidates: list[Candidate], client: Any) -> list[AxiomScore]:
    if client is None or client.is_offline("judge"):
        return [skipped() for _ in candidates]
    out: list[AxiomScore] = []
    for start in range(0, len(candidates), GROUP):
        group = candidates[start : start + GROUP]
        prompt = ("For each numbered item decide whether the quote, on its own, states the triple "
                  "(subject; predicate; object) in that direction. Answer with one verdict per index.\n\n"
                  + "\n".join(_line(i, c) for i, c in enumerate(group)))
        try:
            result = await client.astructured("judge", [{"role": "user", "content": prompt}], Verdicts,
                                              namespace="judge:entailment")
            by_index = {v.index: v for v in result.verdicts}
        except Exception as exc:  # a failed judge call must not lose the batch: mark skipped with reason
            out.extend(skipped(f"judge call failed: {exc}") for _ in group)
            continue
        for i in range(len(group)):
            v = by_index.get(i)
            if v is None:
                out.append(skipped("judge gave no verdict for this item"))
            else:
                value = max(0.0, min(1.0, v.confidence)) if v.entailed else 0.0
                out.append(AxiomScore.of(NAME, value, reason=v.reason or
                                      ("entailed" if v.entailed else "not entailed")))
    return out
