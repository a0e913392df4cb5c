"""Buffered DuckDB writes shared by the cache and the ledger.

A DuckDB statement costs ~0.5-5 ms here (commit per statement), far over the client's 2 ms budget per call,
so rows are buffered and written with ONE statement whose single parameter is a JSON array
(`unnest(from_json(?, schema))`): user text stays a bound parameter, never spliced into SQL. A buffer is
flushed when it holds `max_rows`, when its oldest row is `max_age_s` old (bounding what a kill -9 loses),
before any read of the table, and on close.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable

import duckdb

log = logging.getLogger("sro.llm")


class BufferedWriter:
    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection], insert_sql: str,
                 json_schema: dict[str, str], max_rows: int = 256, max_age_s: float = 1.0):
        self._cursor = cursor
        self._sql = insert_sql.replace("{rows}", "unnest(from_json(?, ?), recursive := true)")
        self._schema = json.dumps([json_schema])
        self._rows: list[dict[str, Any]] = []
        self._first = 0.0
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self.max_rows, self.max_age_s = max_rows, max_age_s

    def add(self, row: dict[str, object]) -> None:
        with self._lock:
            if not self._rows:
                self._first = time.monotonic()
            self._rows.append(row)
            due = len(self._rows) >= self.max_rows or time.monotonic() - self._first >= self.max_age_s
        if due:
            try:
                self.flush()
            except duckdb.Error as exc:  # a paid answer is already in hand: report, do not fail the call
                log.error("could not write buffered LLM rows to DuckDB: %s", exc)

    def flush(self) -> None:
        with self._flush_lock:  # one statement at a time per table: no write-write conflicts on a key
            with self._lock:
                rows, self._rows = self._rows, []
            if rows:
                # models can emit lone surrogates ("\ud800" in their JSON); DuckDB needs valid UTF-8
                payload = json.dumps(rows, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8")
                self._cursor().execute(self._sql, [payload, self._schema])

    @property
    def pending(self) -> int:
        return len(self._rows)


class CursorPool:
    """One DuckDB cursor per thread on a shared connection (connections are not thread-safe); all closed at
    once by `close()` so the database file is released when the workspace closes."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con
        self._local = threading.local()
        self._all: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()

    def __call__(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._local.cur = self._con.cursor()
            with self._lock:
                self._all.append(cur)
        return cur

    def close(self) -> None:
        with self._lock:
            curs, self._all = self._all, []
        for cur in curs:
            try:
                cur.close()
            except duckdb.Error:
                pass


class Flusher:
    """Flushes buffered writers every `interval_s` from a daemon thread, so an idle process does not sit on
    unwritten cache entries and ledger rows (bounds what a kill -9 loses)."""

    def __init__(self, flush: Callable[[], None], interval_s: float = 1.0):
        self._flush, self._interval = flush, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sro-llm-flush", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._flush()
            except Exception as exc:  # noqa: BLE001 - a failed background flush is retried next tick
                log.warning("background flush of the LLM cache/ledger failed: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
