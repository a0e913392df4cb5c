"""The planner: one campaign's tree plus the MCTS steps select -> (expansion elsewhere) -> complete.

`complete()` turns an Expansion into the node's result: novelty against the campaign's committed triples,
reward, child nodes from the proposals, one DuckDB transaction, then in-memory backpropagation. Everything
here is synchronous and runs on the event-loop thread, so commits never interleave.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sro.mcts.expand import Expansion, Proposal, TripleInfo
from sro.mcts.gaps import Focus, Ledger
from sro.mcts.reward import RewardWeights, compute_reward, tally
from sro.mcts.select import DEFAULTS, SelectParams, best_path, release, select
from sro.mcts.terms import term_set, terms
from sro.mcts.store import Commit, TreeStore, _now, node_row, result_row
from sro.mcts.tree import EXPANDED, FAILED, NEW, ResearchNode, Tree, node_id
from sro.mcts.writer import SyncWriter

if TYPE_CHECKING:
    from sro.mcts.writer import CommitWriter


@dataclass(frozen=True)
class PlannerParams:
    select: SelectParams = SelectParams()
    weights: RewardWeights = RewardWeights()
    children: int = DEFAULTS.children


class Planner:
    def __init__(self, store: TreeStore, tree: Tree, params: PlannerParams, elapsed_before: float = 0.0,
                 writer: CommitWriter | SyncWriter | None = None, focus: Focus = Focus()):
        self.store, self.tree, self.params, self.focus = store, tree, params, focus
        # Where commits go: at once (default) or a CommitWriter that group-commits in a thread.
        self.writer = writer or SyncWriter(store.commit)
        rows = store.seen_rows(tree.campaign)  # one read of mcts_seen for both
        self.seen: set[str] = {r["key"] for r in rows}
        self.covered: set[str] = term_set(f"{r['subject']} {r['predicate']} {r['object']}" for r in rows)
        self.ledger = Ledger()  # the campaign's facts per predicate, document and entity (see gaps.py)
        self.ledger.add((TripleInfo(r["key"], r["subject"], r["predicate"], r["object"], r["score"],
                                    doc_id=r["doc"] or "") for r in rows), focus)
        self._questions = {_norm(n.question) for n in tree}
        self._elapsed_before = elapsed_before
        self._t0 = time.monotonic()

    # --- clock (summed over runs of the campaign) ---------------------------------------------------
    def elapsed(self) -> float:
        return self._elapsed_before + (time.monotonic() - self._t0)

    # --- MCTS steps --------------------------------------------------------------------------------
    def select(self) -> ResearchNode | None:
        return select(self.tree, self.params.select)

    def abandon(self, node: ResearchNode) -> None:
        """An expansion that did not finish (cancelled, budget refused a call): the node stays new."""
        release(self.tree, node.id)

    def complete(self, node: ResearchNode, exp: Expansion, proposals: list[Proposal],
                 duration_s: float, max_children: int | None = None) -> list[ResearchNode]:
        """Record an expansion: reward, children, one commit (its rows in one transaction), then backprop.
        Returns the children."""
        novel = [t for t in _unique(exp.accepted) if t.key not in self.seen]
        evidence = tally(novel, self.focus.turns_on(node.question), self.ledger, self.params.weights)
        parts = compute_reward(evidence, scores=[t.score for t in exp.accepted], cost_usd=exp.cost_usd,
                               weights=self.params.weights)
        failed = exp.failed
        node.status = FAILED if failed else EXPANDED
        node.reward = 0.0 if failed else parts.total
        node.accepted, node.rejected, node.candidates, node.novel = (
            len(exp.accepted), exp.rejected, exp.candidates, len(novel))
        node.cost_usd, node.tokens, node.calls = exp.cost_usd, exp.tokens, exp.calls
        node.answer = exp.answer[:4000]
        node.error = "; ".join(exp.errors)[:2000] or None
        node.expanded_at = _now()
        node.duration_s = duration_s
        node.findings = {"reward": parts.as_dict(), "forced": exp.forced,
                         "rejected_by_axiom": exp.rejected_by_axiom,
                         "sources": sorted({t.doc_id for t in exp.accepted if t.doc_id})[:20]}
        children = [] if failed else self._children(node, proposals, max_children or self.params.children)
        campaign = self.tree.campaign
        self.writer.submit(Commit(
            result=result_row(campaign, node, self.elapsed()),
            children=[node_row(campaign, c) for c in children],
            seen=[(campaign, t.key, node.id, t.subject, t.predicate, t.object, t.score, t.doc_id) for t in novel]))
        for child in children:
            self.tree.add(child)
            self._questions.add(_norm(child.question))
        self.seen.update(t.key for t in novel)
        self.ledger.add(novel, self.focus)
        self.covered |= term_set(f"{t.subject} {t.predicate} {t.object}" for t in novel)
        release(self.tree, node.id)
        self.tree.backprop(node.id, node.reward)
        return children

    def _children(self, node: ResearchNode, proposals: list[Proposal], limit: int) -> list[ResearchNode]:
        if node.depth + 1 > self.params.select.max_depth:
            return []
        out: list[ResearchNode] = []
        taken: set[str] = set()
        for prop in proposals:
            key = _norm(prop.question)
            child_id = node_id(self.tree.campaign, node.id, prop.question)
            if not key or key in self._questions or key in taken or child_id in self.tree.nodes:
                continue
            taken.add(key)
            out.append(ResearchNode(
                id=child_id, parent=node.id,
                question=prop.question.strip(), depth=node.depth + 1, prior=prop.prior,
                seq=self.tree.next_seq(), source=prop.source, status=NEW))
            if len(out) >= limit:
                break
        return out

    def best_branch(self) -> list[ResearchNode]:
        return best_path(self.tree)


def _norm(question: str) -> str:
    """Near-duplicate key: the question's content terms, as a set. Questions asking about the same
    predicates and entities in other words are merged, not expanded again. A question without content
    terms is keyed by its text."""
    return " ".join(sorted(set(terms(question)))) or " ".join(question.lower().split()).rstrip("?. ")


def _unique(triples: list) -> list:
    seen: set[str] = set()
    out = []
    for t in triples:
        if t.key not in seen:
            seen.add(t.key)
            out.append(t)
    return out
