"""Buffered DuckDB writes shared by the cache and the ledger.

A DuckDB statement costs ~0.5-5 ms here (commit per statement), far over the client's 2 ms budget per call,
so rows are buffered and written with ONE statement whose single parameter is a JSON array
(`unnest(from_json(?, schema))`): user text stays a bound parameter, never spliced into SQL. A buffer is
flushed when it holds `max_rows`, when its oldest row is `max_age_s` old (bounding what a kill -9 loses),
before any read of the table, and on close.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable

import duckdb


class BufferedWriter:
    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection], insert_sql: str,
                 json_schema: dict[str, str], max_rows: int = 256, max_age_s: float = 1.0):
        self._cursor = cursor
        self._sql = insert_sql.replace("{rows}", "unnest(from_json(?, ?), recursive := true)")
        self._schema = json.dumps([json_schema])
        self._rows: list[dict[str, Any]] = []
        self._first = 0.0
        self._lock = threading.Lock()
        self.max_rows, self.max_age_s = max_rows, max_age_s

    def add(self, row: dict[str, Any]) -> None:
        with self._lock:
            if not self._rows:
                self._first = time.monotonic()
            self._rows.append(row)
            due = len(self._rows) >= self.max_rows or time.monotonic() - self._first >= self.max_age_s
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            rows, self._rows = self._rows, []
        if rows:
            self._cursor().execute(self._sql, [json.dumps(rows, ensure_ascii=False), self._schema])

    @property
    def pending(self) -> int:
        return len(self._rows)
