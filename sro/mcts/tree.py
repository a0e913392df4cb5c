"""The research tree in memory: ResearchNode and Tree (persistence lives in sro.mcts.store).

Visits and value sums are *derived*: `rebuild_stats()` sums the rewards of the expanded nodes of each
subtree, so backpropagation is an in-memory update that never needs a write and can never be half-done.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

NEW, EXPANDED, FAILED = "new", "expanded", "failed"

def node_id(campaign: str, parent: str | None, question: str) -> str:
    """Deterministic: the same question under the same parent is the same node (no duplicates on re-run)."""
    digest = hashlib.sha1(f"{campaign}\x1f{parent or ''}\x1f{question.lower()}".encode()).hexdigest()
    return digest[:12]


@dataclass(slots=True)
class ResearchNode:
    id: str
    parent: str | None
    question: str
    depth: int
    prior: float | None = None  # from the CEO; None = no prior (UCT)
    seq: int = 0  # creation order; ties and offline salience rank
    source: str = "root"  # root | ceo | offline | template
    status: str = NEW
    reward: float | None = None
    accepted: int = 0
    rejected: int = 0
    candidates: int = 0
    novel: int = 0
    cost_usd: float = 0.0
    tokens: int = 0
    calls: int = 0
    answer: str = ""
    findings: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    expanded_at: datetime | None = None
    duration_s: float = 0.0
    # derived / in-memory only
    children: list[str] = field(default_factory=list)
    visits: int = 0
    value_sum: float = 0.0
    virtual: int = 0  # virtual losses of in-flight expansions below (or at) this node
    busy: bool = False  # an expansion of this node is in flight
    dead: bool = False  # cached: no selectable node in this subtree (cleared when the subtree changes)

    @property
    def mean(self) -> float:
        n = self.visits + self.virtual
        return self.value_sum / n if n else 0.0


class Tree:
    """All nodes of one campaign in memory, with derived visit counts."""

    def __init__(self, campaign: str):
        self.campaign = campaign
        self.nodes: dict[str, ResearchNode] = {}
        self.root_id: str | None = None
        self._seq = 0

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[ResearchNode]:
        return iter(self.nodes.values())

    @property
    def root(self) -> ResearchNode:
        if self.root_id is None:
            raise KeyError("tree has no root")
        return self.nodes[self.root_id]

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def add(self, node: ResearchNode) -> ResearchNode:
        self.nodes[node.id] = node
        self._seq = max(self._seq, node.seq)
        if node.parent is None:
            self.root_id = node.id
        elif node.parent in self.nodes and node.id not in self.nodes[node.parent].children:
            self.nodes[node.parent].children.append(node.id)
        return node

    def path(self, node_id: str) -> list[ResearchNode]:
        """Root ... node."""
        out = []
        current: str | None = node_id
        while current is not None:
            node = self.nodes[current]
            out.append(node)
            current = node.parent
        return out[::-1]

    def backprop(self, node_id: str, reward: float) -> None:
        for node in self.path(node_id):
            node.visits += 1
            node.value_sum += reward

    def revive(self, node_id: str) -> None:
        """Something changed below node_id: its ancestors may be selectable again."""
        for node in self.path(node_id):
            node.dead = False

    def rebuild_stats(self) -> None:
        """Derive visits/value sums from expanded nodes' rewards (used after loading)."""
        for node in self.nodes.values():
            node.visits, node.value_sum, node.virtual, node.busy, node.dead = 0, 0.0, 0, False, False
        for node in self.nodes.values():
            if node.status in (EXPANDED, FAILED) and node.reward is not None:
                self.backprop(node.id, node.reward)

    def expanded(self) -> list[ResearchNode]:
        return [n for n in self.nodes.values() if n.status in (EXPANDED, FAILED)]
