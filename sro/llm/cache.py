"""Response cache in the workspace DuckDB (`llm_cache`), keyed by model + messages + params + namespace.

Rerunning the same work makes zero provider calls. Reads are served from an in-process LRU of recent
entries, a set of known keys (so a miss costs no query), then DuckDB (one query for a whole batch).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable

import duckdb

from sro.llm.dbwrite import BufferedWriter

if TYPE_CHECKING:
    from sro.jsontypes import JSONObject

SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_cache (
    key VARCHAR PRIMARY KEY,
    namespace VARCHAR,
    model VARCHAR,
    text VARCHAR,
    finish_reason VARCHAR,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cost_usd DOUBLE,
    created TIMESTAMP DEFAULT current_timestamp
)"""
FIELDS = {"key": "VARCHAR", "namespace": "VARCHAR", "model": "VARCHAR", "text": "VARCHAR",
          "finish_reason": "VARCHAR", "prompt_tokens": "INTEGER", "completion_tokens": "INTEGER",
          "cost_usd": "DOUBLE"}
COLUMNS = ", ".join(FIELDS)
LRU_SIZE = 20_000


def cache_key(model: str, messages: list[dict], params: dict[str, object], namespace: str) -> str:
    blob = json.dumps([model, messages, params, namespace], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


class LLMCache:
    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection]):
        self._cursor = cursor
        ensure_schema(cursor())
        self._writer = BufferedWriter(cursor, f"INSERT OR REPLACE INTO llm_cache ({COLUMNS}) SELECT {{rows}}",
                                      FIELDS)
        self._lru: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._keys: set[str] | None = None  # loaded on first lookup

    def _known(self) -> set[str]:
        if self._keys is None:
            self._keys = {k for (k,) in self._cursor().execute("SELECT key FROM llm_cache").fetchall()}
        return self._keys

    def _remember(self, key: str, entry: JSONObject) -> None:
        self._lru[key] = entry
        self._lru.move_to_end(key)
        if len(self._lru) > LRU_SIZE:
            self._lru.popitem(last=False)

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Entries for the keys that are cached (one DuckDB query at most)."""
        found = {k: self._lru[k] for k in keys if k in self._lru}
        known = self._known()
        missing = [k for k in keys if k not in found and k in known]
        if missing:
            self._writer.flush()
            rows = self._cursor().execute(
                f"SELECT {COLUMNS} FROM llm_cache WHERE key IN (SELECT unnest(from_json(?, '[\"VARCHAR\"]')))",
                [json.dumps(missing)],
            ).fetchall()
            for row in rows:
                entry = dict(zip(FIELDS, row))
                found[entry["key"]] = entry
                self._remember(entry["key"], entry)
        return found

    def get(self, key: str) -> dict[str, Any] | None:
        return self.get_many([key]).get(key)

    def put(self, entry: JSONObject) -> None:
        self._known().add(entry["key"])
        self._remember(entry["key"], entry)
        self._writer.add(entry)

    def flush(self) -> None:
        self._writer.flush()

    def forget(self, key: str) -> None:
        """Drop one entry (an answer that failed validation must not be replayed by the next run)."""
        self._lru.pop(key, None)
        if key in self._known():
            self._writer.flush()
            self._cursor().execute("DELETE FROM llm_cache WHERE key = ?", [key])
            self._known().discard(key)

    def clear(self, namespace: str | None = None) -> int:
        self._writer.flush()
        cur = self._cursor()
        where, params = ("WHERE namespace = ?", [namespace]) if namespace is not None else ("", [])
        (count,) = cur.execute(f"SELECT count(*) FROM llm_cache {where}", params).fetchone()
        cur.execute(f"DELETE FROM llm_cache {where}", params)
        self._lru.clear()
        self._keys = None
        return int(count)

    def stats(self) -> dict[str, Any]:
        self._writer.flush()
        rows = self._cursor().execute(
            "SELECT namespace, model, count(*), sum(prompt_tokens + completion_tokens) FROM llm_cache "
            "GROUP BY ALL ORDER BY 1, 2").fetchall()
        return {"entries": sum(r[2] for r in rows),
                "by_model": [{"namespace": r[0], "model": r[1], "entries": r[2], "tokens": int(r[3] or 0)}
                             for r in rows]}
