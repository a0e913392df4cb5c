"""What TripleStage.run returns to its callers (CLI, RLM primitive, campaign runner)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sro.judge.models import VerifiedTriple


class StageResult(BaseModel):
    chunks: int = 0
    failed_chunks: int = 0  # chunks whose model call failed: not marked done, retried by the next run
    candidates: int = 0  # candidates produced for these chunks (new and already stored)
    new_candidates: int = 0  # of which stored for the first time
    accepted: list[VerifiedTriple] = Field(default_factory=list)
    rejected: list[VerifiedTriple] = Field(default_factory=list)
    conflicts: list[VerifiedTriple] = Field(default_factory=list)
    n_accepted: int = 0  # counts survive `merge(keep_triples=False)`
    n_rejected: int = 0
    n_conflicts: int = 0
    rejected_by_axiom: dict[str, int] = Field(default_factory=dict)  # gate/threshold causes of rejection
    new_facts: int = 0  # assertions added to the graph by this run
    unmapped_predicates: dict[str, int] = Field(default_factory=dict)
    extractor: str = ""
    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    errors: list[str] = Field(default_factory=list)
    failed_chunks: int = 0  # chunks whose extraction failed: not marked done, retried by the next run
    budget_stop: str = ""  # the budget that stopped extraction, if one did

    def merge(self, other: "StageResult", keep_triples: bool = True) -> None:
        """Accumulate another batch's result (the CLI keeps counts only, to bound memory)."""
        for name in ("chunks", "failed_chunks", "candidates", "new_candidates", "new_facts", "calls", "tokens", "n_accepted",
                     "n_rejected", "n_conflicts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.cost_usd += other.cost_usd
        for src, dst in ((other.rejected_by_axiom, self.rejected_by_axiom),
                         (other.unmapped_predicates, self.unmapped_predicates)):
            for key, n in src.items():
                dst[key] = dst.get(key, 0) + n
        if keep_triples:
            self.accepted += other.accepted
            self.rejected += other.rejected
            self.conflicts += other.conflicts
        self.errors += other.errors
        self.extractor = other.extractor or self.extractor
        self.budget_stop = other.budget_stop or self.budget_stop

    def summary(self) -> dict:
        return {"chunks": self.chunks, "failed_chunks": self.failed_chunks, "candidates": self.candidates, "new_candidates": self.new_candidates,
                "accepted": self.n_accepted, "rejected": self.n_rejected, "conflicts": self.n_conflicts,
                "rejected_by_axiom": self.rejected_by_axiom, "new_facts": self.new_facts,
                "unmapped_predicates": len(self.unmapped_predicates), "extractor": self.extractor,
                "calls": self.calls, "tokens": self.tokens, "cost_usd": round(self.cost_usd, 6),
                "errors": len(self.errors), "failed_chunks": self.failed_chunks,
                **({"budget_stop": self.budget_stop} if self.budget_stop else {})}

    def for_model(self) -> dict[str, Any]:
        """What model code sees of an extraction run (extract_triples): accepted facts in short form, counts."""
        accepted = [{
            "subject": vt.candidate.subject.text, "predicate": vt.candidate.predicate,
            "object": vt.candidate.object.text, "score": round(vt.judgment.total, 3),
            "chunk_id": vt.candidate.evidence.chunk_id, "quote": vt.candidate.evidence.quote[:300],
        } for vt in self.accepted]
        return {"accepted": accepted, "rejected": len(self.rejected), "conflicts": len(self.conflicts),
                "candidates": self.candidates, "errors": [e[:300] for e in self.errors][:10]}
