"""The default expander: one RLM session per research node.

The session (CEO model, or the offline scripted policy when no CEO is configured) explores the datasets in
its sandbox and calls `extract_triples`, which runs TripleStage with this campaign and node: candidates are
resolved, judged and the accepted ones written to the graph before the session returns. Here the session's
result is only translated into an Expansion for reward and bookkeeping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from sro.mcts.expand import ExpandContext, Expansion, Proposal, TripleInfo, triple_key
from sro.mcts.tree import ResearchNode

if TYPE_CHECKING:
    from sro.judge.models import VerifiedTriple
    from sro.rlm.models import RLMResult
    from sro.rlm.primitives import Extract
    from sro.workspace import Workspace


def _local(iri: str | None) -> str:
    if not iri:
        return ""
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def triple_info(vt: VerifiedTriple) -> TripleInfo:
    """VerifiedTriple -> TripleInfo; the key is the fact's identity (subject, predicate, object)."""
    cand = vt.candidate
    obj = cand.object
    if vt.object_iri:
        obj_key, obj_text = vt.object_iri, getattr(obj, "text", _local(vt.object_iri))
    else:
        obj_key = f"{getattr(obj, 'datatype', 'string')}:{getattr(obj, 'value', obj.text)}:{getattr(obj, 'unit', '')}"
        obj_text = obj.text
    return TripleInfo(
        key=triple_key(vt.subject_iri or cand.subject.text, vt.predicate_iri or cand.predicate, obj_key),
        subject=cand.subject.text, predicate=_local(vt.predicate_iri) or cand.predicate, object=obj_text,
        score=float(vt.judgment.total), quote=cand.evidence.quote, doc_id=cand.evidence.doc_id)


def expansion_from(result: RLMResult) -> Expansion:
    """RLMResult -> Expansion."""
    exp = Expansion(answer=result.answer or "", forced=bool(result.forced), cost_usd=float(result.cost_usd or 0.0),
                    tokens=int(result.tokens or 0), evidence=list(result.evidence or []))
    calls = len(result.root_prompt_tokens or []) + int(result.sub_calls or 0)
    for stage in result.stage_results or []:
        exp.accepted += [triple_info(t) for t in stage.accepted]
        exp.rejected += stage.n_rejected
        exp.candidates += stage.candidates
        calls += stage.calls
        for axiom, n in stage.rejected_by_axiom.items():
            exp.rejected_by_axiom[axiom] = exp.rejected_by_axiom.get(axiom, 0) + n
        exp.errors += stage.errors
    if result.errors:
        exp.errors.append(f"{result.errors} RLM step(s) ended in an error")
    if result.forced and (result.answer or "").startswith("[no final answer"):
        # The root could not be asked (model failure, budget): say why, so a session that found nothing
        # counts as a failed expansion instead of an empty success.
        exp.errors.append("RLM session " + (result.answer or "").splitlines()[0][:300])
    exp.calls = calls
    exp.proposals = [Proposal(q, None, "rlm") for q in result.proposed_questions or [] if q and q.strip()]
    return exp


class RLMExpander:
    """`extraction(pipeline)` gives each session its extract_triples (sro.triples.stage.extraction)."""

    def __init__(self, ws: "Workspace", extraction: Callable[[str], "Extract"]):
        self.ws, self.extraction = ws, extraction

    async def __call__(self, node: ResearchNode, ctx: ExpandContext) -> Expansion:
        from sro.rlm.session import RLMSession, SessionConfig

        session = RLMSession(self.ws, SessionConfig(datasets=tuple(ctx.datasets), campaign=ctx.campaign, node=node.id,
                                                    max_iterations=ctx.max_iterations,
                                                    extract=self.extraction(ctx.pipeline)))
        # The sub-question goes in as it is: the campaign's findings reach the session through `notes`.
        return expansion_from(await session.run(node.question))
