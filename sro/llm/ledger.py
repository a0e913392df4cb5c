"""Cost ledger: one `llm_calls` row per call (including cache hits and failures) in the workspace DuckDB."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any, Callable

import duckdb

from sro.llm.dbwrite import BufferedWriter
from sro.llm.types import Spend

SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_calls (
    ts TIMESTAMP,
    role VARCHAR,
    model VARCHAR,
    provider VARCHAR,
    namespace VARCHAR,
    campaign VARCHAR,
    node VARCHAR,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cost_usd DOUBLE,
    latency_ms DOUBLE,
    cached BOOLEAN,
    status VARCHAR,
    attempts INTEGER,
    error VARCHAR
)"""
FIELDS = {"ts": "VARCHAR", "role": "VARCHAR", "model": "VARCHAR", "provider": "VARCHAR",
          "namespace": "VARCHAR", "campaign": "VARCHAR", "node": "VARCHAR", "prompt_tokens": "INTEGER",
          "completion_tokens": "INTEGER", "cost_usd": "DOUBLE", "latency_ms": "DOUBLE", "cached": "BOOLEAN",
          "status": "VARCHAR", "attempts": "INTEGER", "error": "VARCHAR"}
COLUMNS = ", ".join(FIELDS)
# Only calls that reached the provider and succeeded are spend; cache hits and failures are free.
SPENT = "status = 'ok' AND NOT cached"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


class Ledger:
    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection]):
        self._cursor = cursor
        ensure_schema(cursor())
        select = ", ".join(f"CAST(ts AS TIMESTAMP)" if c == "ts" else c for c in FIELDS)
        self._writer = BufferedWriter(
            cursor, f"INSERT INTO llm_calls ({COLUMNS}) SELECT {select} FROM (SELECT {{rows}})", FIELDS)
        # campaign -> node -> spend: loaded from the table once per campaign, then kept up to date by
        # record(), so opening a node's budget scope (every RLM session, every proposal) needs no query.
        self._node_spend: dict[str, dict[str | None, Spend]] = {}
        self._tally_lock = threading.Lock()

    def record(self, **row: Any) -> None:
        row.setdefault("ts", datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" "))
        with self._tally_lock:  # a row is either flushed before a campaign's tally loads, or counted here
            self._writer.add({k: row.get(k) for k in FIELDS})
            nodes = self._node_spend.get(row.get("campaign"))  # type: ignore[arg-type]
            if nodes is not None and row.get("status") == "ok" and not row.get("cached") \
                    and row.get("prompt_tokens") is not None and row.get("completion_tokens") is not None:
                nodes.setdefault(row.get("node"), Spend()).add(
                    1, row["prompt_tokens"] + row["completion_tokens"], row.get("cost_usd") or 0.0)

    def flush(self) -> None:
        self._writer.flush()

    def spent(self, campaign: str | None = None, node: str | None = None, role: str | None = None) -> Spend:
        """Spend recorded for a campaign / node / role (None = any)."""
        self._writer.flush()
        where, params = [SPENT], []
        for column, value in (("campaign", campaign), ("node", node), ("role", role)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        calls, tokens, cost = self._cursor().execute(
            "SELECT count(*), coalesce(sum(prompt_tokens + completion_tokens), 0), coalesce(sum(cost_usd), 0) "
            f"FROM llm_calls WHERE {' AND '.join(where)}", params).fetchone()
        return Spend(int(calls), int(tokens), float(cost))

    def node_spent(self, campaign: str, node: str) -> Spend:
        """`spent(campaign=campaign, node=node)`, from an in-memory tally (one query per campaign)."""
        with self._tally_lock:
            nodes = self._node_spend.get(campaign)
            if nodes is None:
                self._writer.flush()
                rows = self._cursor().execute(
                    "SELECT node, count(*), coalesce(sum(prompt_tokens + completion_tokens), 0), "
                    f"coalesce(sum(cost_usd), 0) FROM llm_calls WHERE {SPENT} AND campaign = ? GROUP BY node",
                    [campaign]).fetchall()
                nodes = self._node_spend[campaign] = {r[0]: Spend(int(r[1]), int(r[2]), float(r[3])) for r in rows}
            s = nodes.get(node)
            return Spend() if s is None else Spend(s.calls, s.tokens, s.cost_usd)

    def summary(self, campaign: str | None = None) -> list[dict[str, Any]]:
        """Per role and model: calls, cache hits, failures, tokens, cost, mean latency."""
        self._writer.flush()
        where, params = ("WHERE campaign = ?", [campaign]) if campaign else ("", [])
        rows = self._cursor().execute(
            "SELECT role, model, count(*) FILTER (WHERE status = 'ok' AND NOT cached), "
            "count(*) FILTER (WHERE cached), count(*) FILTER (WHERE status <> 'ok'), "
            "coalesce(sum(prompt_tokens) FILTER (WHERE NOT cached), 0), "
            "coalesce(sum(completion_tokens) FILTER (WHERE NOT cached), 0), "
            "coalesce(sum(cost_usd) FILTER (WHERE NOT cached), 0), "
            "avg(latency_ms) FILTER (WHERE status = 'ok' AND NOT cached) "
            f"FROM llm_calls {where} GROUP BY ALL ORDER BY 1, 2", params).fetchall()
        keys = ("role", "model", "calls", "cache_hits", "failures", "prompt_tokens", "completion_tokens",
                "cost_usd", "avg_latency_ms")
        return [dict(zip(keys, r)) | {"cost_usd": round(float(r[7]), 6),
                                      "avg_latency_ms": round(r[8], 1) if r[8] is not None else None}
                for r in rows]
