"""Judgments and verified triples."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, Field

from sro.nlp.models import Candidate

if TYPE_CHECKING:
    from sro.data.models import Document
    from sro.judge.context import JudgeContext
    from sro.judge.prejudged import Prejudged

Verdict = Literal["accepted", "rejected", "conflict"]


class AxiomScore(BaseModel):
    """Axioms build these in the hot path of judging; `AxiomScore.of(...)` skips re-validation of values
    our own code produced (pydantic validation was a third of the offline judging time)."""

    axiom: str
    score: float  # in [0, 1]
    reason: str
    weight: float = 1.0
    gate: bool = False  # a hard gate rejects when score < the gate's minimum
    skipped: bool = False  # e.g. entailment offline

    @classmethod
    def of(cls, axiom: str, score: float, reason: str, *, skipped: bool = False) -> "AxiomScore":
        # What model_construct does, minus its per-field bookkeeping (~4x faster; a few µs per score).
        obj = cls.__new__(cls)
        _set(obj, "__dict__", {"axiom": axiom, "score": float(score), "reason": reason, "weight": 1.0,
                               "gate": False, "skipped": skipped})
        _set(obj, "__pydantic_fields_set__", set(_FIELDS))
        _set(obj, "__pydantic_extra__", None)
        _set(obj, "__pydantic_private__", None)
        return obj


_set = object.__setattr__
_FIELDS = ("axiom", "score", "reason", "weight", "gate", "skipped")


class Judgment(BaseModel):
    scores: list[AxiomScore] = Field(default_factory=list)
    total: float
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)  # why rejected / conflicting
    # the axiom behind each reason, in the same order ("threshold" when only the total was too low)
    rejected_by: list[str] = Field(default_factory=list)

    def score_of(self, axiom: str) -> float | None:
        return next((s.score for s in self.scores if s.axiom == axiom and not s.skipped), None)


class VerifiedTriple(BaseModel):
    subject_iri: str
    predicate_iri: str
    object_iri: str | None = None  # for entity objects; literals stay in candidate.object
    candidate: Candidate
    judgment: Judgment


class Judge(Protocol):
    """What the stage asks of a judge (sro.judge.judge.AxiomJudge): one Judgment per candidate, in order,
    each carrying its verdict, per-axiom scores, reasons and `rejected_by`."""

    def context(self, docs: dict[str, Document] | None = None,
                stored_support: dict | None = None) -> JudgeContext: ...

    async def arun(self, candidates: list[Candidate], docs: dict[str, Document] | None = None, *,
                   ctx: JudgeContext | None = None, pre: Prejudged | None = None) -> list[Judgment]: ...
