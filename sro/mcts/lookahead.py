"""The look-ahead prior of offline proposals, and the stopping rule that uses it.

A proposal without a CEO prior is scored by what expanding it would read:

    prior = |preview(question) - read| / |preview(question)|      (0 if the preview is empty)

where `preview` is the offline session's retrieval run ahead (BM25 plus the first grep hits per question
term, ranked by how many of the terms a passage uses; the 12 best passages, as sro/rlm/policy.py SEARCH
reads them) and `read` is every document the campaign has read (the previews of expanded nodes) or has a
fact from. PUCT ranks children by it, and a node whose prior is below `min_gain` is never expanded: the
campaign stops when no proposal is expected to reach unread material.

Priors go stale: the documents a sibling read after a proposal was scored are not in its estimate. So before
each selection the unexpanded nodes whose preview holds a newly read document are re-scored (`refresh`; the
previews are memoised and indexed by document, so this is set arithmetic over the few affected nodes). On resume the read set is rebuilt from the
previews of the expanded nodes, so the priors are the same as in an uninterrupted run.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any, Callable

from sro.mcts.expand import Proposal
from sro.mcts.gaps import Ledger
from sro.mcts.terms import terms
from sro.mcts.tree import NEW, ResearchNode, Tree

Search = Callable[[str], "list[str] | None"]  # question -> doc ids a session would read; None: cannot tell
SOURCES = frozenset({"offline", "gap", "template", "rlm"})  # proposals whose prior is a look-ahead
PASSAGES = 12


def preview(datasets: list[Any], question: str, query_terms: list[str], k: int = PASSAGES) -> list[str]:
    """Documents of the k passages an offline session would read for `question`."""
    hits: dict[str, Any] = {}
    for ds in datasets:
        for h in ds.search(" ".join(query_terms) or question, k=30):
            hits.setdefault(h.chunk_id, h)
        for term in query_terms[:6]:
            for h in ds.grep("(?i)" + re.escape(term), k=10):
                hits.setdefault(h.chunk_id, h)

    def relevance(h: Any) -> float:
        text = h.text.lower()
        return sum(1 for t in query_terms if t in text) + (h.score or 0) / 100

    return [h.doc_id for h in sorted(hits.values(), key=relevance, reverse=True)[:k]]


class _Memo:
    """A dataset whose search and grep results are remembered: the datasets do not change during a run (only
    what has been read does), and proposals share terms."""

    def __init__(self, ds: Any):
        self.ds, self.memo = ds, {}

    def search(self, query: str, k: int) -> list[Any]:
        return self._get(("search", query, k), lambda: self.ds.search(query, k=k))

    def grep(self, regex: str, k: int) -> list[Any]:
        return self._get(("grep", regex, k), lambda: self.ds.grep(regex, k=k))

    def _get(self, key: tuple, compute: Callable[[], list[Any]]) -> list[Any]:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


def dataset_search(ws: Any, names: list[str]) -> Search:
    """The preview over the campaign's ingested datasets; None when none is (an expander reading elsewhere)."""
    from sro.rlm.policy import question_terms

    datasets: list[_Memo] | None = None

    def search(question: str) -> list[str] | None:
        nonlocal datasets
        if datasets is None:  # looked up at the first proposal: the campaign checked its datasets by then
            datasets = [_Memo(ws.datasets.dataset(n)) for n in names if ws.datasets.exists(n)]
        return preview(datasets, question, question_terms(question)) if datasets else None

    return search


class Lookahead:
    def __init__(self, search: Search, ledger: Ledger):
        self.search, self.ledger = search, ledger
        self._covered: set[str] = set()  # what had been read when the priors were last re-scored
        self._indexed = 0  # tree nodes (in creation order) already in the index
        self._by_doc: dict[str, list[ResearchNode]] = {}  # document -> unexpanded nodes whose preview has it

    def covered(self) -> set[str]:
        return self.ledger.read | self.ledger.docs

    def prior(self, question: str, covered: set[str] | None = None) -> float | None:
        found = self.search(question)
        if found is None:
            return None
        docs = set(found)
        return round(len(docs - (self.covered() if covered is None else covered)) / len(docs), 4) if docs else 0.0

    def read(self, question: str) -> None:
        """An expanded node's session has read its passages: they count as read from now on."""
        self.ledger.read.update(self.search(question) or ())

    def rank(self, proposals: list[Proposal]) -> list[Proposal]:
        """Priors for the proposals without one, best first (ties keep the given order). Questions with the
        same content terms are merged (the first one stays)."""
        out, signatures = [], set()
        for prop in proposals:
            signature = frozenset(terms(prop.question))
            if signature in signatures:
                continue
            signatures.add(signature)
            prior = self.prior(prop.question) if prop.prior is None else prop.prior
            out.append(Proposal(prop.question, prior, prop.source))
        return sorted(out, key=lambda p: -(p.prior or 0.0))

    def refresh(self, tree: Tree) -> None:
        """Re-score the look-ahead prior of the unexpanded nodes against what has been read so far. Reading
        only grows, so priors only fall; they are a function of the campaign's state, not of when a node was
        proposed, so a resumed campaign ranks its nodes as the uninterrupted one. Incremental: new nodes are
        scored once, and then only the nodes whose preview holds a newly read document."""
        covered = self.covered()
        for node in islice(tree.nodes.values(), self._indexed, None):
            if node.status == NEW and node.source in SOURCES and node.prior is not None:
                node.prior = self.prior(node.question, covered)
                for doc in set(self.search(node.question) or ()):
                    self._by_doc.setdefault(doc, []).append(node)
        self._indexed = len(tree.nodes)
        stale = {id(n): n for doc in covered - self._covered for n in self._by_doc.pop(doc, ())}
        for node in stale.values():
            if node.status == NEW:
                node.prior = self.prior(node.question, covered)
        self._covered = covered
