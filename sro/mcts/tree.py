"""The research tree: ResearchNode, the in-memory Tree and its persistence in the workspace DuckDB.

Crash safety rests on one rule: only per-node *facts* are persisted (a node's question, prior, status and
the result of its expansion). Visits and value sums are derived on load by summing the rewards of the
expanded nodes in each subtree, so backpropagation never needs a write and can never be half-done. A node's
expansion result, its children and the triple keys it found are written in one DuckDB transaction
(`TreeStore.commit_expansion`); a node whose expansion was in flight at a crash is still `new` in the
database and is simply expanded again on resume (its LLM calls hit the cache, its triples are idempotent).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

import duckdb

NEW, EXPANDED, FAILED = "new", "expanded", "failed"

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS campaigns (
        name VARCHAR PRIMARY KEY, question VARCHAR, pipeline VARCHAR, spec_json VARCHAR,
        status VARCHAR, stopped_reason VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP,
        elapsed_s DOUBLE DEFAULT 0, runs INTEGER DEFAULT 0, errors_json VARCHAR DEFAULT '[]', pid INTEGER)""",
    """CREATE TABLE IF NOT EXISTS mcts_nodes (
        campaign VARCHAR, id VARCHAR, parent VARCHAR, question VARCHAR, depth INTEGER, prior DOUBLE,
        seq INTEGER, source VARCHAR, status VARCHAR, reward DOUBLE, accepted INTEGER, rejected INTEGER,
        candidates INTEGER, novel INTEGER, cost_usd DOUBLE, tokens BIGINT, calls INTEGER, answer VARCHAR,
        findings VARCHAR, error VARCHAR, expanded_at TIMESTAMP, duration_s DOUBLE,
        PRIMARY KEY (campaign, id))""",
    # Triple keys a campaign's committed nodes accepted: novelty and coverage are measured against this,
    # not against the live graph, so a re-expansion after a crash sees exactly what the first attempt saw.
    """CREATE TABLE IF NOT EXISTS mcts_seen (
        campaign VARCHAR, key VARCHAR, node VARCHAR, subject VARCHAR, predicate VARCHAR, object VARCHAR,
        score DOUBLE, PRIMARY KEY (campaign, key))""",
]

NODE_COLUMNS = (
    "campaign, id, parent, question, depth, prior, seq, source, status, reward, accepted, rejected, "
    "candidates, novel, cost_usd, tokens, calls, answer, findings, error, expanded_at, duration_s"
)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in SCHEMA:
        con.execute(stmt)


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

    def row(self, campaign: str) -> tuple:
        return (
            campaign, self.id, self.parent, self.question, self.depth, self.prior, self.seq, self.source,
            self.status, self.reward, self.accepted, self.rejected, self.candidates, self.novel,
            self.cost_usd, self.tokens, self.calls, self.answer, json.dumps(self.findings, default=str),
            self.error, self.expanded_at, self.duration_s,
        )


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


class TreeStore:
    """Persistence of campaigns and trees. Uses its own cursor so its transactions never interleave
    with another stage's transaction on the shared workspace connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con.cursor()
        ensure_schema(self.con)

    # --- campaigns -----------------------------------------------------------------------------
    def campaign(self, name: str) -> dict[str, Any] | None:
        cur = self.con.execute("SELECT * FROM campaigns WHERE name = ?", [name])
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row))

    def campaigns(self) -> list[dict[str, Any]]:
        cur = self.con.execute("SELECT * FROM campaigns ORDER BY created_at")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def create_campaign(self, name: str, question: str, pipeline: str, spec_json: str, root: ResearchNode) -> None:
        now = _now()
        with self._tx():
            self.con.execute(
                "INSERT INTO campaigns (name, question, pipeline, spec_json, status, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'running', ?, ?)", [name, question, pipeline, spec_json, now, now])
            self._insert_nodes(name, [root])

    def start_run(self, name: str, spec_json: str) -> None:
        """A new run of the campaign: failed nodes get another chance (the fault may be gone)."""
        self.con.execute("UPDATE mcts_nodes SET status = 'new', reward = NULL, error = NULL "
                         "WHERE campaign = ? AND status = 'failed'", [name])
        self.con.execute(
            "UPDATE campaigns SET status = 'running', stopped_reason = NULL, runs = runs + 1, spec_json = ?, "
            "updated_at = ?, pid = ? WHERE name = ?", [spec_json, _now(), os.getpid(), name])

    def finish_run(self, name: str, reason: str, elapsed_s: float, errors: list[str]) -> None:
        self.con.execute(
            "UPDATE campaigns SET status = 'stopped', stopped_reason = ?, elapsed_s = ?, errors_json = ?, "
            "updated_at = ? WHERE name = ?", [reason, elapsed_s, json.dumps(errors[-50:]), _now(), name])

    # --- nodes ---------------------------------------------------------------------------------
    def load(self, name: str) -> Tree:
        tree = Tree(name)
        cur = self.con.execute(f"SELECT {NODE_COLUMNS} FROM mcts_nodes WHERE campaign = ? ORDER BY seq", [name])
        for row in cur.fetchall():
            tree.add(_node_from_row(row))
        tree.rebuild_stats()
        return tree

    def commit_expansion(
        self, campaign: str, node: ResearchNode, children: Iterable[ResearchNode],
        seen: Iterable[tuple[str, str, str, str, float]], elapsed_s: float,
    ) -> None:
        """One transaction: the node's result, its children, the triple keys it found, the clock."""
        with self._tx():
            self.con.execute(
                "UPDATE mcts_nodes SET status = ?, reward = ?, accepted = ?, rejected = ?, candidates = ?, "
                "novel = ?, cost_usd = ?, tokens = ?, calls = ?, answer = ?, findings = ?, error = ?, "
                "expanded_at = ?, duration_s = ? WHERE campaign = ? AND id = ?",
                [node.status, node.reward, node.accepted, node.rejected, node.candidates, node.novel,
                 node.cost_usd, node.tokens, node.calls, node.answer, json.dumps(node.findings, default=str),
                 node.error, node.expanded_at, node.duration_s, campaign, node.id])
            self._insert_nodes(campaign, list(children))
            rows = [(campaign, key, node.id, s, p, o, score) for key, s, p, o, score in seen]
            if rows:
                self.con.executemany(
                    "INSERT INTO mcts_seen VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)
            self.con.execute("UPDATE campaigns SET elapsed_s = ?, updated_at = ? WHERE name = ?",
                             [elapsed_s, _now(), campaign])

    def seen_keys(self, campaign: str) -> set[str]:
        rows = self.con.execute("SELECT key FROM mcts_seen WHERE campaign = ?", [campaign]).fetchall()
        return {r[0] for r in rows}

    def seen_rows(self, campaign: str) -> list[dict[str, Any]]:
        cur = self.con.execute(
            "SELECT key, node, subject, predicate, object, score FROM mcts_seen WHERE campaign = ? "
            "ORDER BY score DESC, key", [campaign])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def _insert_nodes(self, campaign: str, nodes: list[ResearchNode]) -> None:
        if nodes:
            marks = ", ".join(["?"] * len(NODE_COLUMNS.split(",")))
            self.con.executemany(
                f"INSERT INTO mcts_nodes ({NODE_COLUMNS}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                [n.row(campaign) for n in nodes])

    def _tx(self) -> "_Transaction":
        return _Transaction(self.con)


class _Transaction:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")


def _node_from_row(row: tuple) -> ResearchNode:
    (_c, nid, parent, question, depth, prior, seq, source, status, reward, accepted, rejected, candidates,
     novel, cost, tokens, calls, answer, findings, error, expanded_at, duration) = row
    return ResearchNode(
        id=nid, parent=parent, question=question, depth=depth, prior=prior, seq=seq, source=source,
        status=status, reward=reward, accepted=accepted or 0, rejected=rejected or 0,
        candidates=candidates or 0, novel=novel or 0, cost_usd=cost or 0.0, tokens=tokens or 0,
        calls=calls or 0, answer=answer or "", findings=json.loads(findings) if findings else {},
        error=error, expanded_at=expanded_at, duration_s=duration or 0.0,
    )


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
