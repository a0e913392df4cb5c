"""Expansion: what exploring one research node produces, and the default expander (one RLM session).

The runner treats an expander as `async (node, ctx) -> Expansion`; the default is `RLMExpander`, which
runs one `sro.rlm.session.RLMSession` on the node's question. Its `extract_triples` calls go through
`TripleStage` (resolution, judge, graph) tagged with the campaign and node, so the triples are already
in the graph when the session returns; the Expansion only reports them for reward and bookkeeping.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from sro.mcts.tree import ResearchNode

if TYPE_CHECKING:
    from sro.workspace import Workspace


@dataclass
class TripleInfo:
    """An accepted triple as the planner sees it (key = identity of the fact, for novelty)."""

    key: str
    subject: str
    predicate: str
    object: str
    score: float
    quote: str = ""
    doc_id: str = ""

    def text(self) -> str:
        return f"{self.subject} {self.predicate} {self.object} {self.quote}"


@dataclass
class Proposal:
    question: str
    prior: float | None = None  # CEO's estimate that the question will pay off; None offline
    source: str = "offline"  # ceo | offline | template


@dataclass
class Expansion:
    answer: str = ""
    accepted: list[TripleInfo] = field(default_factory=list)
    rejected: int = 0
    candidates: int = 0
    rejected_by_axiom: dict[str, int] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)  # hit-like dicts with "text", "doc_id"
    proposals: list[Proposal] = field(default_factory=list)  # from the session (CEO) if any
    cost_usd: float = 0.0
    tokens: int = 0
    calls: int = 0
    errors: list[str] = field(default_factory=list)
    forced: bool = False  # the session hit its iteration limit and was forced to answer

    @property
    def failed(self) -> bool:
        """Something went wrong and no candidate came back (evidence alone does not count: a session
        whose worker fails every call still finds passages). Counts toward the failure limit."""
        return bool(self.errors) and not self.accepted and not self.candidates


@dataclass
class ExpandContext:
    """What an expander may know about the campaign besides the node itself."""

    campaign: str
    datasets: list[str]
    pipeline: str
    max_iterations: int  # the spec's mcts.rlm_iterations


Expander = Callable[[ResearchNode, ExpandContext], Awaitable[Expansion]]


def triple_key(subject: str, predicate: str, obj: str) -> str:
    return hashlib.sha1(f"{subject}\x1f{predicate}\x1f{obj}".encode()).hexdigest()[:20]
