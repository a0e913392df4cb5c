"""Open the workspace DuckDB with the bundled full-text-search extension, loaded offline.

DuckDB would otherwise download extensions at run time; SRO must work without network, so automatic
install/load is switched off and FTS is loaded by file path from the `duckdb-extension-fts` wheel.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

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
