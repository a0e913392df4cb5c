"""Run a loader over files, one DuckDB transaction per file, and collect one IngestReport.

A loader fills the temp table `_stage` for one file (or raises IngestError). A loader staging a big file in
slices calls `outcome.flush()` between slices: each slice moves into documents/chunks inside the same
transaction, so the temp table stays small. When a file fails, its transaction is rolled back: stored data is
untouched and nothing of the half-read file is kept, whatever the number of slices already moved.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable, Iterable, Literal

import duckdb

from sro.data.db import transaction
from sro.data.ingest.report import FileOutcome, IngestIssue, IngestReport
from sro.data.schema import drop_indexes, ensure_indexes
from sro.data.store import DatasetStore, check_name
from sro.errors import IngestError

OnError = Literal["skip", "stop"]
Loader = Callable[[duckdb.DuckDBPyConnection, Path, FileOutcome], None]
_DUCK_LINE = re.compile(r"\b[Ll]ine:? (\d+)")
# Bulk mode: from this many input bytes on disk, and when the tables hold at most BULK_SHARE times the rows
# the input probably adds (~BYTES_PER_ROW compressed bytes a row, a low guess), the indexes are dropped
# before the first file and built once after the last (schema.INDEXES says what that saves).
BULK_MIN_BYTES = 48 << 20
BYTES_PER_ROW = 200
BULK_SHARE = 4


def _issue(path: Path, exc: Exception) -> IngestIssue:
    if isinstance(exc, IngestError):
        return IngestIssue(file=exc.file or str(path), line=exc.line, message=exc.reason)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    found = _DUCK_LINE.search(str(exc))  # DuckDB's CSV/JSON readers name the line in their messages
    return IngestIssue(file=str(path), line=int(found.group(1)) if found else None, message=message)


def ingest_one(
    store: DatasetStore, dataset: str, path: Path, loader: Loader, outcome: FileOutcome, info: dict
) -> tuple[int, int]:
    con = store.cursor()

    def flush() -> None:
        added, chunks = store.stage_to_tables(con)
        outcome.added += added
        outcome.chunks += chunks

    outcome.flush = flush
    try:
        with transaction(con):
            loader(con, path, outcome)  # first: a loader may restart the transaction (and outcome.restart())
            store.ensure_dataset(dataset, con=con, **info)
            added, chunks = store.commit(con, dataset)  # the last (or only) staged slice
            if outcome.added and not added:
                store.touch(con, dataset)
        return added + outcome.added, chunks + outcome.chunks
    finally:
        con.close()


def run_ingest(
    store: DatasetStore, dataset: str, files: Iterable[Path], loader: Loader, *,
    on_error: OnError = "skip", on_file: Callable[[Path, IngestReport], None] | None = None,
    description: str | None = None, synthetic: bool = False, index: bool = True,
) -> IngestReport:
    """Ingest each file in its own transaction; `description`/`synthetic` label a new dataset.
    With index=False the BM25 index is left stale (rebuilt by the next search) - for benchmarks."""
    check_name(dataset)
    report = IngestReport(dataset=dataset)
    started = time.perf_counter()
    files = list(files)
    bulk = bulk_mode(store, files)
    if bulk:
        drop_indexes(store.cursor())
    try:
        _ingest_files(store, dataset, files, loader, report, on_error, on_file,
                      {"description": description, "synthetic": synthetic})
    finally:
        if bulk:
            ensure_indexes(store.cursor())  # also rebuilt by the next DatasetStore if this process dies
    if report.documents_added and index:
        store.refresh_index()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def bulk_mode(store: DatasetStore, files: list[Path]) -> bool:
    """Whether an ingest of `files` should drop the indexes and build them once at the end."""
    size = sum(p.stat().st_size for p in files if p.is_file())
    if size < BULK_MIN_BYTES:
        return False
    stored = store.cursor().execute("SELECT count(*) FROM documents").fetchone()[0]
    return stored <= BULK_SHARE * (size // BYTES_PER_ROW)


def _ingest_files(store: DatasetStore, dataset: str, files: list[Path], loader: Loader, report: IngestReport,
                  on_error: OnError, on_file: Callable[[Path, IngestReport], None] | None, info: dict) -> None:
    for path in files:
        report.files += 1
        outcome = FileOutcome(file=str(path), strict=on_error == "stop")
        try:
            added, chunks = ingest_one(store, dataset, path, loader, outcome, info)
        except (IngestError, duckdb.Error, OSError, ValueError) as exc:
            report.files_failed += 1
            report.errors.append(_issue(path, exc))
            if on_error == "stop":
                report.stopped = True
                break
        else:
            report.merge(outcome, added, chunks)
        if on_file:
            on_file(path, report)
