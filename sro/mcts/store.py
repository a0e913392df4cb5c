"""Persistence of campaigns and research trees in the workspace DuckDB.

Crash safety rests on two rules:
1. Only per-node facts are stored, and only by appending: `mcts_nodes` (a node as proposed: question,
   parent, prior; written once), `mcts_results` (the outcome of one expansion) and `mcts_seen` (triple keys
   the campaign's committed nodes accepted). Visits and values are derived on load.
2. One expansion = one `Commit` = one transaction: its result row, its children and its new triple keys.
   A node whose expansion was in flight when the process died has no result row, so it is `new` again on
   resume and is expanded again (LLM calls from the cache, triples idempotent).
Small batches go in as one multi-row VALUES statement, larger ones through `sro.data.db.bulk_insert`
(DuckDB's executemany and ON CONFLICT are slow); ids are unique by construction (deterministic node ids, deduplicated questions, keys not yet seen).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import duckdb

from sro.data.db import bulk_insert, transaction

from sro.mcts.tree import EXPANDED, FAILED, NEW, ResearchNode, Tree

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS campaigns (
        name VARCHAR PRIMARY KEY, question VARCHAR, pipeline VARCHAR, spec_json VARCHAR,
        status VARCHAR, stopped_reason VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP,
        elapsed_s DOUBLE DEFAULT 0, runs INTEGER DEFAULT 0, errors_json VARCHAR DEFAULT '[]', pid INTEGER)""",
    """CREATE TABLE IF NOT EXISTS mcts_nodes (
        campaign VARCHAR, id VARCHAR, parent VARCHAR, question VARCHAR, depth INTEGER, prior DOUBLE,
        seq INTEGER, source VARCHAR, PRIMARY KEY (campaign, id))""",
    """CREATE TABLE IF NOT EXISTS mcts_results (
        campaign VARCHAR, node VARCHAR, status VARCHAR, reward DOUBLE, accepted INTEGER, rejected INTEGER,
        candidates INTEGER, novel INTEGER, cost_usd DOUBLE, tokens BIGINT, calls INTEGER, answer VARCHAR,
        findings VARCHAR, error VARCHAR, expanded_at TIMESTAMP, duration_s DOUBLE, elapsed_s DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS mcts_seen (
        campaign VARCHAR, key VARCHAR, node VARCHAR, subject VARCHAR, predicate VARCHAR, object VARCHAR,
        score DOUBLE, doc VARCHAR, PRIMARY KEY (campaign, key))""",
    # Workspaces made before the planner counted source documents (issue 22):
    "ALTER TABLE mcts_seen ADD COLUMN IF NOT EXISTS doc VARCHAR",
]
NODE_TYPES = {"campaign": "VARCHAR", "id": "VARCHAR", "parent": "VARCHAR", "question": "VARCHAR",
              "depth": "INTEGER", "prior": "DOUBLE", "seq": "INTEGER", "source": "VARCHAR"}
RESULT_TYPES = {"campaign": "VARCHAR", "node": "VARCHAR", "status": "VARCHAR", "reward": "DOUBLE",
                "accepted": "INTEGER", "rejected": "INTEGER", "candidates": "INTEGER", "novel": "INTEGER",
                "cost_usd": "DOUBLE", "tokens": "BIGINT", "calls": "INTEGER", "answer": "VARCHAR",
                "findings": "VARCHAR", "error": "VARCHAR", "expanded_at": "TIMESTAMP", "duration_s": "DOUBLE",
                "elapsed_s": "DOUBLE"}
SEEN_TYPES = {"campaign": "VARCHAR", "key": "VARCHAR", "node": "VARCHAR", "subject": "VARCHAR",
              "predicate": "VARCHAR", "object": "VARCHAR", "score": "DOUBLE", "doc": "VARCHAR"}
NODE_COLS, RESULT_COLS, SEEN_COLS = tuple(NODE_TYPES), tuple(RESULT_TYPES), tuple(SEEN_TYPES)
TABLE_TYPES = {"mcts_nodes": NODE_TYPES, "mcts_results": RESULT_TYPES, "mcts_seen": SEEN_TYPES}
SMALL = 8  # up to this many rows: one multi-row VALUES statement; more: one NDJSON file read by DuckDB


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in SCHEMA:
        con.execute(stmt)


def node_row(campaign: str, n: ResearchNode) -> tuple:
    return (campaign, n.id, n.parent, n.question, n.depth, n.prior, n.seq, n.source)


def result_row(campaign: str, n: ResearchNode, elapsed_s: float) -> tuple:
    return (campaign, n.id, n.status, n.reward, n.accepted, n.rejected, n.candidates, n.novel, n.cost_usd,
            n.tokens, n.calls, n.answer, json.dumps(n.findings, default=str), n.error, n.expanded_at,
            n.duration_s, elapsed_s)


@dataclass
class Commit:
    """Everything one expansion writes, as rows (built on the loop thread, written by anyone)."""

    result: tuple
    children: list[tuple] = field(default_factory=list)
    seen: list[tuple] = field(default_factory=list)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows with their values bound, never spliced into SQL. DuckDB binds many parameters slowly,
    so larger batches go through a temporary NDJSON file that DuckDB's reader loads in one statement."""
    if not rows:
        return
    if len(rows) <= SMALL:
        one = "(" + ", ".join("?" * len(cols)) + ")"
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES " + ", ".join([one] * len(rows)),
                    [v for row in rows for v in row])
        return
    bulk_insert(con, table, cols, rows, types=TABLE_TYPES[table])


def write_commits(con: duckdb.DuckDBPyConnection, commits: list[Commit]) -> None:
    """One transaction for a group of expansions (all or none)."""
    with transaction(con):
        insert_rows(con, "mcts_results", RESULT_COLS, [c.result for c in commits])
        insert_rows(con, "mcts_nodes", NODE_COLS, [row for c in commits for row in c.children])
        insert_rows(con, "mcts_seen", SEEN_COLS, [row for c in commits for row in c.seen])


class TreeStore:
    """Campaign rows and trees. Its own cursor, so its transactions never interleave with another stage's
    transaction on the shared workspace connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con.cursor()
        ensure_schema(self.con)

    # --- campaigns -------------------------------------------------------------------------------
    def campaign(self, name: str) -> dict[str, Any] | None:
        cur = self.con.execute("SELECT * FROM campaigns WHERE name = ?", [name])
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row))

    def campaigns(self) -> list[dict[str, Any]]:
        cur = self.con.execute("SELECT * FROM campaigns ORDER BY created_at, name")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def create_campaign(self, name: str, question: str, pipeline: str, spec_json: str, root: ResearchNode) -> None:
        now = _now()
        with transaction(self.con):
            self.con.execute(
                "INSERT INTO campaigns (name, question, pipeline, spec_json, status, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'running', ?, ?)", [name, question, pipeline, spec_json, now, now])
            insert_rows(self.con, "mcts_nodes", NODE_COLS, [node_row(name, root)])

    def start_run(self, name: str, spec_json: str) -> None:
        """A new run of the campaign: failed expansions get another chance (the fault may be gone)."""
        self.con.execute("DELETE FROM mcts_results WHERE campaign = ? AND status = ?", [name, FAILED])
        self.con.execute(
            "UPDATE campaigns SET status = 'running', stopped_reason = NULL, runs = runs + 1, spec_json = ?, "
            "updated_at = ?, pid = ? WHERE name = ?", [spec_json, _now(), os.getpid(), name])

    def finish_run(self, name: str, reason: str, elapsed_s: float, errors: list[str]) -> None:
        self.con.execute(
            "UPDATE campaigns SET status = 'stopped', stopped_reason = ?, elapsed_s = ?, errors_json = ?, "
            "updated_at = ? WHERE name = ?", [reason, elapsed_s, json.dumps(errors[-50:]), _now(), name])

    def elapsed(self, name: str) -> float:
        """Time spent so far, including a run that was killed (its last commit carries its clock)."""
        row = self.con.execute(
            "SELECT greatest(coalesce((SELECT elapsed_s FROM campaigns WHERE name = ?), 0), "
            "coalesce((SELECT max(elapsed_s) FROM mcts_results WHERE campaign = ?), 0))", [name, name]).fetchone()
        return float(row[0] or 0.0)

    # --- trees -----------------------------------------------------------------------------------
    def load(self, name: str) -> Tree:
        tree = Tree(name)
        rows = self.con.execute(
            "SELECT id, parent, question, depth, prior, seq, source FROM mcts_nodes WHERE campaign = ? ORDER BY seq",
            [name]).fetchall()
        for nid, parent, question, depth, prior, seq, source in rows:
            tree.add(ResearchNode(id=nid, parent=parent, question=question, depth=depth, prior=prior, seq=seq,
                                  source=source, status=NEW))
        cols = RESULT_COLS[1:]
        results = self.con.execute(
            f"SELECT {', '.join(cols)} FROM mcts_results WHERE campaign = ? ORDER BY rowid", [name]).fetchall()
        for row in results:  # later rows win (a node retried after a failure)
            data = dict(zip(cols, row))
            node = tree.nodes.get(data["node"])
            if node is not None:
                _apply_result(node, data)
        tree.rebuild_stats()
        return tree

    def commit(self, commits: list[Commit]) -> None:
        write_commits(self.con, commits)

    def seen_keys(self, campaign: str) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT key FROM mcts_seen WHERE campaign = ?", [campaign]).fetchall()}

    def seen_rows(self, campaign: str) -> list[dict[str, Any]]:
        cur = self.con.execute(
            "SELECT key, node, subject, predicate, object, score, doc FROM mcts_seen WHERE campaign = ? "
            "ORDER BY score DESC, key", [campaign])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def close(self) -> None:
        self.con.close()


def _apply_result(node: ResearchNode, d: dict[str, Any]) -> None:
    node.status = d["status"] if d["status"] in (EXPANDED, FAILED) else NEW
    node.reward, node.accepted, node.rejected = d["reward"], d["accepted"] or 0, d["rejected"] or 0
    node.candidates, node.novel = d["candidates"] or 0, d["novel"] or 0
    node.cost_usd, node.tokens, node.calls = d["cost_usd"] or 0.0, d["tokens"] or 0, d["calls"] or 0
    node.answer, node.error = d["answer"] or "", d["error"]
    node.findings = json.loads(d["findings"]) if d["findings"] else {}
    node.expanded_at, node.duration_s = d["expanded_at"], d["duration_s"] or 0.0


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
