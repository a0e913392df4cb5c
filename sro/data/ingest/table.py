"""Tables (CSV, TSV, Parquet, JSON/JSONL) through DuckDB's own readers: one row becomes one document.

Column names come from the user, so they are checked against the file's real columns first and only then
quoted as identifiers; every value (path, dataset, keys) travels as a query parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from sro.data.ingest.report import FileOutcome
from sro.data.ingest.runner import Loader
from sro.errors import IngestError

_READERS = {
    ".csv": "read_csv(?, header = true, strict_mode = false)",
    ".tsv": "read_csv(?, header = true, delim = '\t')",
    ".parquet": "read_parquet(?)",
    ".json": "read_json(?)",
    ".jsonl": "read_json(?, format = 'newline_delimited')",
    ".ndjson": "read_json(?, format = 'newline_delimited')",
}


@dataclass
class TableColumns:
    text: str
    id: str | None = None
    title: str | None = None
    created: str | None = None
    author: str | None = None
    url: str | None = None
    score: str | None = None


def reader_for(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    for suffix in reversed(suffixes):
        if suffix in _READERS:
            return _READERS[suffix]
    raise IngestError(f"unsupported table format {path.suffix or '(none)'}; use {', '.join(_READERS)}", str(path))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, reader: str, path: Path) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}", [str(path)]).fetchall()]


def _created_sql(col: str) -> str:
    """Timestamps as ISO text, or Unix seconds (e.g. Reddit's created_utc)."""
    q = f"CAST({_ident(col)} AS VARCHAR)"
    return (f"CASE WHEN TRY_CAST({q} AS DOUBLE) IS NOT NULL "
            f"THEN make_timestamp(CAST(TRY_CAST({q} AS DOUBLE) * 1000000 AS BIGINT)) "
            f"ELSE TRY_CAST({q} AS TIMESTAMP) END")


def _select(cols: TableColumns, available: list[str], reader: str) -> tuple[str, list]:
    used = {c for c in (cols.text, cols.id, cols.title, cols.created, cols.author, cols.url, cols.score) if c}
    rest = [c for c in available if c not in used]
    meta_args = ", ".join(f"?, {_ident(c)}" for c in rest)
    row_no = "CAST(row_number() OVER () AS VARCHAR)"
    key = f"CAST({_ident(cols.id)} AS VARCHAR)" if cols.id else row_no
    text = f"CAST({_ident(cols.text)} AS VARCHAR)"
    if cols.title:  # a title-only row (e.g. a Reddit link post) is still a document
        text = f"CASE WHEN trim(coalesce({text}, '')) = '' THEN CAST({_ident(cols.title)} AS VARCHAR) ELSE {text} END"
    source = f"CAST({_ident(cols.url)} AS VARCHAR)" if cols.url else f"? || '#row=' || {row_no}"
    sql = f"""
    CREATE OR REPLACE TEMP TABLE _stage AS
    SELECT ? || ':' || {key} AS id, ? AS dataset,
           {source} AS source_uri,
           {f"CAST({_ident(cols.title)} AS VARCHAR)" if cols.title else "NULL"} AS title,
           {text} AS text,
           {f"CAST({_ident(cols.author)} AS VARCHAR)" if cols.author else "NULL"} AS author,
           {_created_sql(cols.created) if cols.created else "NULL::TIMESTAMP"} AS created,
           {f"TRY_CAST(TRY_CAST({_ident(cols.score)} AS DOUBLE) AS BIGINT)" if cols.score else "NULL::BIGINT"} AS score,
           NULL AS parent_id, 'row' AS kind,
           {f"json_object({meta_args})" if rest else "NULL::JSON"} AS metadata,
           CASE WHEN trim(coalesce({text}, '')) = '' THEN 'empty_text' END AS skip_reason
    FROM {reader}
    """
    return sql, rest


def _refuse_binary(path: Path) -> None:
    """A text table (CSV/TSV/JSON) with NUL bytes is a binary file given the wrong name."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    nul = head.find(b"\x00")
    if nul >= 0 and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(f"binary data (NUL byte at byte {nul}), not a {path.suffix.lstrip('.').upper()} text file",
                          str(path))


def table_loader(dataset: str, cols: TableColumns) -> Loader:
    def load(con: duckdb.DuckDBPyConnection, path: Path, outcome: FileOutcome) -> None:
        if not path.is_file():
            raise IngestError("no such file", str(path))
        reader = reader_for(path)
        if not reader.startswith("read_parquet"):
            _refuse_binary(path)
        available = _columns(con, reader, path)
        for role, name in vars(cols).items():
            if name and name not in available:
                raise IngestError(f"missing {role} column {name!r} (columns: {', '.join(available)})", str(path))
        sql, rest = _select(cols, available, reader)
        source = [] if cols.url else [path.resolve().as_uri()]
        params = [f"{dataset}:{path.stem}" if not cols.id else dataset, dataset, *source]
        params += rest + [str(path)]  # json_object keys, then the reader's path
        con.execute(sql, params)
        outcome.count_stage(con)

    return load
