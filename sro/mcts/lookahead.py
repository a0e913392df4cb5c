"""The look-ahead prior of offline proposals, and the stopping rule that uses it.

A proposal without a CEO prior is scored by what expanding it would newly read:

    gain  = sum over the preview's passages not read yet of  1 + min(cues(passage), max_cues)
    prior = 1 - exp(-gain / PASSAGES)                          (0 when the preview is empty)

where `preview` is the offline session's retrieval run ahead (BM25 plus the first grep hits per question
term, ranked by how many of the terms a passage uses; the 12 best passages, as sro/rlm/policy.py SEARCH
reads them), a passage is *read* once an expanded node's preview held it, and `cues` counts the matches of
the pipeline's declared patterns in the passage (its own marks of a fact under its predicates: a price, a
payback period, a system size). So a question reaching twelve unread passages without cues scores 0.63,
with one cue each 0.86, and one reaching three unread passages 0.22. PUCT ranks children by it, and a node
whose prior is below `min_gain` is never expanded: the campaign stops when no proposal is expected to reach
enough unread material.

Priors go stale: the passages a sibling read after a proposal was scored are not in its estimate. So before
each selection the unexpanded nodes whose preview holds a newly read passage are re-scored (`refresh`; the
previews are memoised and indexed by passage, so this is set arithmetic over the few affected nodes). On
resume the read set is rebuilt from the previews of the expanded nodes, so the priors are the same as in an
uninterrupted run.
"""

from __future__ import annotations

import math
import re
from itertools import islice
from typing import TYPE_CHECKING, Callable, Protocol

from sro.mcts.expand import Proposal
from sro.mcts.gaps import Ledger
from sro.mcts.terms import terms
from sro.mcts.tree import NEW, ResearchNode, Tree

if TYPE_CHECKING:
    from pipelines import Pipeline
    from sro.data.dataset import Dataset
    from sro.data.models import Hit
    from sro.workspace import Workspace

# question -> {passage id: value (1 + its cues)} a session would read; None: cannot tell
Search = Callable[[str], "dict[str, float] | None"]
SOURCES = frozenset({"offline", "gap", "template", "rlm"})  # proposals whose prior is a look-ahead
PASSAGES = 12
MAX_CUES = 3  # one long passage full of numbers must not outweigh several fresh ones


class Searchable(Protocol):
    """A dataset, or a `_Memo` of one: what `preview` reads."""

    def search(self, query: str, k: int) -> list[Hit]: ...

    def grep(self, regex: str, k: int) -> list[Hit]: ...


def preview(datasets: list[Searchable], question: str, query_terms: list[str], k: int = PASSAGES) -> list[Hit]:
    """The k passages (hits) an offline session would read for `question`."""
    hits: dict[str, Hit] = {}
    for ds in datasets:
        for h in ds.search(" ".join(query_terms) or question, k=30):
            hits.setdefault(h.chunk_id, h)
        for term in query_terms[:6]:
            for h in ds.grep("(?i)" + re.escape(term), k=10):
                hits.setdefault(h.chunk_id, h)

    def relevance(h: Hit) -> float:
        text = h.text.lower()
        return sum(1 for t in query_terms if t in text) + (h.score or 0) / 100

    return sorted(hits.values(), key=relevance, reverse=True)[:k]


class Cues:
    """Matches of the pipeline's declared patterns per passage (memoised: passages do not change)."""

    def __init__(self, regexes: list[re.Pattern[str]]):
        self.regexes, self.memo = regexes, {}

    @classmethod
    def of(cls, pipeline: Pipeline | None) -> "Cues":
        found = []
        for pattern in getattr(pipeline, "patterns", None) or []:
            try:
                found.append(re.compile(pattern.regex, re.IGNORECASE | re.MULTILINE))
            except re.error:
                continue  # the extractor reports a bad pattern; the look-ahead just does without it
        return cls(found)

    def value(self, hit: Hit) -> float:
        if hit.chunk_id not in self.memo:
            cues = sum(1 for regex in self.regexes for _ in regex.finditer(hit.text))
            self.memo[hit.chunk_id] = 1.0 + min(cues, MAX_CUES)
        return self.memo[hit.chunk_id]


class _Memo:
    """A dataset whose search and grep results are remembered: the datasets do not change during a run (only
    what has been read does), and proposals share terms."""

    def __init__(self, ds: Dataset):
        self.ds, self.memo = ds, {}

    def search(self, query: str, k: int) -> list[Hit]:
        return self._get(("search", query, k), lambda: self.ds.search(query, k=k))

    def grep(self, regex: str, k: int) -> list[Hit]:
        return self._get(("grep", regex, k), lambda: self.ds.grep(regex, k=k))

    def _get(self, key: tuple, compute: Callable[[], list[Hit]]) -> list[Hit]:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


def dataset_search(ws: Workspace, names: list[str], pipeline: Pipeline | None = None) -> Search:
    """The preview over the campaign's ingested datasets, valued by the pipeline's cues; None when no dataset
    is ingested (an expander reading elsewhere)."""
    from sro.rlm.policy import question_terms

    datasets: list[_Memo] | None = None
    cues = Cues.of(pipeline)

    def search(question: str) -> dict[str, float] | None:
        nonlocal datasets
        if datasets is None:  # looked up at the first proposal: the campaign checked its datasets by then
            datasets = [_Memo(ws.datasets.dataset(n)) for n in names if ws.datasets.exists(n)]
        if not datasets:
            return None
        return {h.chunk_id: cues.value(h) for h in preview(datasets, question, question_terms(question))}

    return search


def prior_of(passages: dict[str, float], read: set[str]) -> float:
    gain = sum(v for p, v in passages.items() if p not in read)
    return round(1.0 - math.exp(-gain / PASSAGES), 4)


class Lookahead:
    def __init__(self, search: Search, ledger: Ledger):
        self.search, self.ledger = search, ledger
        self._covered: set[str] = set()  # what had been read when the priors were last re-scored
        self._indexed = 0  # tree nodes (in creation order) already in the index
        self._by_passage: dict[str, list[ResearchNode]] = {}  # passage -> unexpanded nodes whose preview has it

    def prior(self, question: str) -> float | None:
        found = self.search(question)
        return None if found is None else prior_of(found, self.ledger.read)

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
        scored once, and then only the nodes whose preview holds a newly read passage."""
        for node in islice(tree.nodes.values(), self._indexed, None):
            if node.status == NEW and node.source in SOURCES and node.prior is not None:
                node.prior = self.prior(node.question)
                for passage in self.search(node.question) or ():
                    self._by_passage.setdefault(passage, []).append(node)
        self._indexed = len(tree.nodes)
        fresh = self.ledger.read - self._covered
        stale = {id(n): n for p in fresh for n in self._by_passage.pop(p, ())}
        for node in stale.values():
            if node.status == NEW:
                node.prior = self.prior(node.question)
        self._covered = set(self.ledger.read)
