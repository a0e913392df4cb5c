"""Read-only SQL for model-written queries, enforced by DuckDB itself rather than by string checks.

A dataset is copied into its own snapshot DuckDB file (views `documents` and `chunks`), rebuilt when the
dataset's version changes. Queries run in a separate DuckDB instance that opened the snapshot with
`read_only=True` (no writes), `enable_external_access=false` (no ATTACH, COPY, file readers, extension
loading) and `lock_configuration=true` (the query cannot switch either back on).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from sro.data.db import NO_DOWNLOADS
from sro.data.records import DOC_TEXT, DOC_TEXT_JOIN
from sro.errors import DatasetError

if TYPE_CHECKING:
    from sro.data.store import DatasetStore

MAX_ROWS = 10_000
TIMEOUT_S = 30.0
_LOCK = threading.Lock()
_OPEN: dict[str, tuple[int, duckdb.DuckDBPyConnection]] = {}  # snapshot dir/dataset -> (version, connection)


def _snapshot_dir(store: "DatasetStore") -> Path:
    row = store.cursor().execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if row and row[0]:
        return Path(row[0]).parent / "snapshots"
    import tempfile

    return Path(tempfile.gettempdir()) / f"sro-snapshots-{id(store.con)}"


def _build(store: "DatasetStore", name: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    con = store.cursor()
    # The path is ours (workspace dir + validated dataset name), never a user value.
    con.execute(f"ATTACH '{str(tmp).replace(chr(39), chr(39) * 2)}' AS sro_snap")
    try:
        con.execute(
            f"""CREATE TABLE sro_snap.documents AS SELECT d.id, d.source_uri, d.title, {DOC_TEXT} AS text,
               d.author, d.created, d.score, d.parent_id, d.kind, d.metadata
               FROM documents d {DOC_TEXT_JOIN} WHERE d.dataset = ? ORDER BY d.rowid""",
            [name],
        )
        con.execute(
            """CREATE TABLE sro_snap.chunks AS SELECT id, doc_id, ordinal, start_pos, end_pos, text
               FROM chunks WHERE dataset = ?""",
            [name],
        )
    finally:
        con.execute("DETACH sro_snap")
    tmp.replace(path)


def _connection(store: "DatasetStore", name: str) -> duckdb.DuckDBPyConnection:
    version = store.cursor().execute("SELECT version FROM datasets WHERE name = ?", [name]).fetchone()[0]
    folder = _snapshot_dir(store)
    key = str(folder / name)
    with _LOCK:
        cached = _OPEN.get(key)
        if cached and cached[0] == version:
            return cached[1]
        if cached:
            cached[1].close()
        for old in folder.glob(f"{name}.v*.duckdb"):
            old.unlink(missing_ok=True)
        path = folder / f"{name}.v{version}.duckdb"
        _build(store, name, path)
        config = {**NO_DOWNLOADS, "enable_external_access": False, "lock_configuration": True}
        con = duckdb.connect(str(path), read_only=True, config=config)
        _OPEN[key] = (version, con)
        return con


def run_readonly(
    store: "DatasetStore", name: str, query: str, params: list[Any] | dict[str, Any] | None = None,
    *, max_rows: int = MAX_ROWS, timeout_s: float = TIMEOUT_S,
) -> list[dict]:
    """Run one query against the dataset's read-only snapshot; at most `max_rows` rows come back."""
    cur = _connection(store, name).cursor()
    timer = threading.Timer(timeout_s, cur.interrupt)  # a runaway query is cancelled, not waited for
    timer.start()
    try:
        result = cur.execute(query, params) if params else cur.execute(query)
        if result.description is None:
            return []
        cols = [d[0] for d in result.description]
        return [dict(zip(cols, row)) for row in result.fetchmany(max_rows)]
    except duckdb.Error as exc:
        raise DatasetError(f"sql on dataset {name!r} failed: {exc}") from None
    finally:
        timer.cancel()
        cur.close()


def close_all() -> None:
    with _LOCK:
        for _, con in _OPEN.values():
            con.close()
        _OPEN.clear()
