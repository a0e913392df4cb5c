"""Read-only SQL for model-written queries, enforced by DuckDB itself rather than by string checks.

A dataset is copied into its own snapshot DuckDB file (views `documents` and `chunks`), rebuilt when the
dataset's version changes. Queries run in a separate DuckDB instance that opened the snapshot with
`read_only=True` (no writes), `enable_external_access=false` (no ATTACH, COPY, file readers, extension
loading), bounded memory, one thread and no spilling, and `lock_configuration=true` (the query cannot switch
any of these back). A query is interrupted at its deadline and its result is fetched against a byte budget,
so model-written SQL cannot hold the host's CPU or memory.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from sro.data.db import NO_DOWNLOADS, interrupt_after
from sro.data.records import DOC_TEXT, DOC_TEXT_JOIN
from sro.errors import DatasetError

if TYPE_CHECKING:
    from sro.data.store import DatasetStore

MAX_ROWS = 10_000
MAX_RESULT_BYTES = 8 << 20  # well under the sandbox's message limit
TIMEOUT_S = 30.0
LIMITS = {"memory_limit": "512MB", "threads": 1, "max_temp_directory_size": "0KiB"}
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
        config = {**NO_DOWNLOADS, **LIMITS, "enable_external_access": False, "lock_configuration": True}
        con = duckdb.connect(str(path), read_only=True, config=config)
        _OPEN[key] = (version, con)
        return con


def run_readonly(
    store: "DatasetStore", name: str, query: str, params: list[Any] | dict[str, Any] | None = None,
    *, max_rows: int = MAX_ROWS, timeout_s: float = TIMEOUT_S,
) -> list[dict]:
    """Run one query against the dataset's read-only snapshot; at most `max_rows` rows come back."""
    cur = _connection(store, name).cursor()
    try:
        with interrupt_after(cur, timeout_s):  # a runaway query is cancelled, not waited for
            result = cur.execute(query, params) if params else cur.execute(query)
            if result.description is None:
                return []
            cols = [d[0] for d in result.description]
            return _fetch(result, cols, max_rows)
    except duckdb.InterruptException:
        raise DatasetError(f"sql on dataset {name!r} stopped after {timeout_s:.1f} s; add a LIMIT, filter "
                           "earlier or aggregate") from None
    except duckdb.OutOfMemoryException:
        raise DatasetError(f"sql on dataset {name!r} needed more than {LIMITS['memory_limit']} of memory; "
                           "aggregate or add a LIMIT") from None
    except duckdb.Error as exc:
        raise DatasetError(f"sql on dataset {name!r} failed: {exc}") from None
    finally:
        cur.close()


def _fetch(result: duckdb.DuckDBPyConnection, cols: list[str], max_rows: int) -> list[dict]:
    """Rows up to `max_rows`, refusing once their text size passes MAX_RESULT_BYTES."""
    rows: list[dict] = []
    size = 0
    while len(rows) < max_rows:
        batch = result.fetchmany(min(512, max_rows - len(rows)))
        if not batch:
            break
        for row in batch:
            size += sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)
            rows.append(dict(zip(cols, row)))
        if size > MAX_RESULT_BYTES:
            raise DatasetError(f"result too large (over {MAX_RESULT_BYTES >> 20} MB); use LIMIT or aggregate")
    return rows


def close_all() -> None:
    with _LOCK:
        for _, con in _OPEN.values():
            con.close()
        _OPEN.clear()
