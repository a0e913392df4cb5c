"""Typed results of an RLM session."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sro.errors import ExitCode


# Root turns, one declaration each. Three different parameters, not one with three defaults: a question
# session (`sro rlm`) gets the most turns; a document's session in partition-and-map (`sro extract --strategy
# rlm`) reads one document, so fewer; a campaign node's session is the spec's `mcts.rlm_iterations` (6).
MAX_ITERATIONS = 12  # sro rlm --max-iterations, SessionConfig.max_iterations
DOC_ITERATIONS = 8  # sro extract --strategy rlm --max-iterations, PartitionMap(max_iterations=)
MAX_DEPTH = 2  # rlm_query recursion: sro rlm --max-depth, SessionConfig.max_depth
DOC_PARALLEL = 4  # documents' sessions at once: sro extract --parallel, PartitionMap(parallel=)

STOP_REASONS = ("done", "budget", "max_iterations", "errors", "interrupted")
EXIT_CODES = {"done": 0, "max_iterations": 0, "errors": int(ExitCode.ERROR), "budget": int(ExitCode.BUDGET),
              "interrupted": int(ExitCode.INTERRUPTED)}


class RLMResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    answer: str
    forced: bool = False  # True when a limit (iterations, budget) ended the session, not the root's choice
    stop_reason: str = "done"  # one of STOP_REASONS
    stop_detail: str = ""  # which budget, which error
    ungrounded: bool = False  # the answer was accepted although the session never looked at the data
    iterations: int = 0
    root_prompt_tokens: list[int] = Field(default_factory=list)  # one entry per root turn
    sub_calls: int = 0  # llm_query prompts + llm_batch prompts + rlm_query sessions
    cost_usd: float = 0.0
    tokens: int = 0
    evidence: list[dict[str, Any]] = Field(default_factory=list)  # search/grep hits the session saw
    stage_results: list[Any] = Field(default_factory=list)  # sro.extract StageResult per extract_triples
    proposed_questions: list[str] = Field(default_factory=list)
    errors: int = 0  # steps that ended in an error
    session_id: str = ""
    trajectory: str | None = None  # path of the JSONL file
    policy: str = ""  # "llm:<model>" or "offline"

    def summary(self) -> dict[str, Any]:
        """The JSON the CLI prints."""
        return {
            "answer": self.answer, "forced": self.forced, "stop_reason": self.stop_reason,
            "stop_detail": self.stop_detail, "ungrounded": self.ungrounded, "iterations": self.iterations,
            "root_prompt_tokens": self.root_prompt_tokens, "sub_calls": self.sub_calls,
            "cost_usd": round(self.cost_usd, 6), "tokens": self.tokens, "evidence": len(self.evidence),
            "triples_accepted": sum(len(getattr(r, "accepted", []) or []) for r in self.stage_results),
            "proposed_questions": self.proposed_questions, "errors": self.errors, "policy": self.policy,
            "trajectory": self.trajectory,
        }
