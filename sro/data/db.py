"""Open the workspace DuckDB with the bundled full-text-search extension, loaded offline.

DuckDB would otherwise download extensions at run time; SRO must work without network, so automatic
install/load is switched off and FTS is loaded by file path from the `duckdb-extension-fts` wheel.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb

from sro.errors import DatasetError, WorkspaceError

NO_DOWNLOADS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# DuckDB would take 80% of RAM by default; bounded, it spills big ingests to <db>.tmp instead of growing.
MEMORY_LIMIT_ENV = "SRO_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"

# DuckDB's Python binding tries `import pandas` for every value of a list parameter; when pandas is not
# installed each failed import walks sys.path (~0.1 ms a value). Recording the absence once makes the same
# ImportError immediate; nothing changes when pandas is installed.
if importlib.util.find_spec("pandas") is None:
    sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK when the block raises (anything, including KeyboardInterrupt)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


@contextmanager
def interrupt_after(cur: duckdb.DuckDBPyConnection, timeout_s: float | None) -> Iterator[None]:
    """Interrupt what `cur` runs once `timeout_s` has passed (DuckDB raises InterruptException)."""
    if timeout_s is None:
        yield
        return
    import threading

    timer = threading.Timer(timeout_s, cur.interrupt)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def fts_extension_path() -> Path:
    """Path of the FTS extension binary shipped in the duckdb-extension-fts wheel."""
    try:
        import duckdb_extension_fts
    except ImportError:  # pragma: no cover - dependency of the package
        raise DatasetError("the duckdb-extension-fts package is not installed") from None
    base = Path(duckdb_extension_fts.__file__).parent / "extensions"
    path = base / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    if not path.exists():
        raise DatasetError(f"FTS extension for DuckDB {duckdb.__version__} not found at {path}")
    return path


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    # A path, not a user value: LOAD takes no parameters, the path comes from the installed wheel.
    path = str(fts_extension_path()).replace("'", "''")
    con.execute(f"LOAD '{path}'")


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect to a DuckDB file (or ':memory:') with FTS loaded and no runtime downloads."""
    try:
        config = {**NO_DOWNLOADS, "memory_limit": os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT}
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        raise WorkspaceError(f"cannot open {path}: {exc}") from None
    load_fts(con)
    return con


def bulk_insert(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: Sequence[tuple], *,
                types: dict[str, str] | None = None, suffix: str = "") -> None:
    """INSERT many rows through a temporary JSON file (an array of row objects) read by DuckDB's JSON reader in
    one statement.

    Binding thousands of Python parameters is ~100x slower. Values never touch the SQL text: the file path
    is a parameter; table, column names and types are the caller's constants (`types` defaults to the
    table's own column types). `suffix` is e.g. "ON CONFLICT DO NOTHING"."""
    if not rows:
        return
    if types is None:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = ?", [table]).fetchall())
    spec = "{" + ", ".join(f"'{c}': '{'VARCHAR' if types[c] == 'JSON' else types[c]}'" for c in columns) + "}"
    names = ", ".join(columns)
    fd, path = tempfile.mkstemp(prefix="sro-insert-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            # one JSON array, encoded ENCODE_ROWS rows per call (per row, the encoder's setup was most of it)
            fh.write("[")
            for start in range(0, len(rows), ENCODE_ROWS):
                part = _ENCODER.encode([dict(zip(columns, row)) for row in rows[start:start + ENCODE_ROWS]])
                fh.write(("," if start else "") + part[1:-1])
            fh.write("]")
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM "
                    f"read_json(?, format = 'array', columns = {spec}) {suffix}", [path])
    finally:
        os.unlink(path)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime, date)) else str(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_value)
ENCODE_ROWS = 1000  # rows per encoder call in bulk_insert: its text stays small, the calls few
