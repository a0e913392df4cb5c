"""Undo the DuckDB side effects of expansions that never committed (a run killed mid-node).

Why: the judge's corroboration axiom counts stored candidates from other documents. A node killed between
two `extract_triples` batches has stored the candidates of its later batches; when the node is expanded
again on resume, its earlier batches would see them as extra support and could accept triples that the
uninterrupted run rejected. Deleting the candidates and judgments tagged with (campaign, node) of nodes
that are still `new` restores exactly the state the first attempt started from; the re-expansion then
stores them again (same deterministic ids). The graph needs no undo: its writes are idempotent, and the
re-expansion accepts the same triples.

The tables are the triples stage's (`candidates`, `judgments`, see CONTRACTS.md table prefixes); only rows
carrying this campaign and an uncommitted node of it are touched, and all in one transaction.
"""

from __future__ import annotations

import duckdb


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
    return {r[0] for r in rows}


def forget_uncommitted(con: duckdb.DuckDBPyConnection, campaign: str, nodes: list[str]) -> int:
    """Delete candidates (and their judgments) of `nodes` in `campaign`. Returns candidates removed."""
    if not nodes or not {"candidates", "judgments"} <= _tables(con):
        return 0
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        ids = cur.execute(
            "SELECT id FROM candidates WHERE campaign = ? AND node IN (SELECT unnest(?))", [campaign, nodes]
        ).fetchall()
        if ids:
            keys = [r[0] for r in ids]
            cur.execute("DELETE FROM judgments WHERE candidate_id IN (SELECT unnest(?))", [keys])
            cur.execute("DELETE FROM candidates WHERE id IN (SELECT unnest(?))", [keys])
        cur.execute("COMMIT")
        return len(ids)
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    finally:
        cur.close()
