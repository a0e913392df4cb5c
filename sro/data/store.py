"""DatasetStore: the workspace's collection of datasets, documents and chunks in DuckDB."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from typing import TYPE_CHECKING, Iterable, Iterator

import duckdb

from sro.config import Settings
from sro.data.db import transaction
from sro.data.models import Chunk, DatasetInfo, Document
from sro.data.records import CHUNK_SELECT, DOC_SELECT, chunk_from_row, document_json, documents_from_rows
from sro.data.schema import ensure_schema
from sro.data.staging import commit_stage, create_stage
from sro.errors import DatasetError

if TYPE_CHECKING:
    from sro.data.dataset import Dataset

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
FTS_DIRTY = "fts_dirty"


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise DatasetError(f"invalid dataset name {name!r}: use letters, digits, '_', '-', '.' (max 64)")
    return name


class DatasetStore:
    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings | None = None, *,
                 read_only: bool = False):
        """`read_only`: a connection to a workspace this process cannot write (schema and index as they are)."""
        self.con = con
        self.settings = settings or Settings()
        self.read_only = read_only
        self._index_lock = threading.Lock()
        self._describe_cache: dict[str, tuple[int, dict]] = {}  # dataset -> (version, Dataset.describe())
        if not read_only:
            ensure_schema(con)

    # --- reading ------------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A private connection for one operation: transactions and temp tables stay local to it."""
        return self.con.cursor()

    def list(self) -> list[DatasetInfo]:
        rows = self.cursor().execute(
            """
            SELECT d.name, d.synthetic, d.description,
                   (SELECT count(*) FROM documents x WHERE x.dataset = d.name),
                   (SELECT count(*) FROM chunks c WHERE c.dataset = d.name),
                   (SELECT list(DISTINCT kind ORDER BY kind) FROM documents x WHERE x.dataset = d.name)
            FROM datasets d ORDER BY d.name
            """
        ).fetchall()
        return [
            DatasetInfo(name=r[0], synthetic=bool(r[1]), description=r[2], documents=r[3], chunks=r[4],
                        kinds=[k for k in (r[5] or []) if k], fields=self._fields(r[0]))
            for r in rows
        ]

    def _fields(self, name: str) -> list[str]:
        from sro.data.dataset import fields_of

        return fields_of(self.cursor(), name)

    def exists(self, name: str) -> bool:
        return bool(self.cursor().execute("SELECT 1 FROM datasets WHERE name = ?", [name]).fetchone())

    def dataset(self, name: str) -> "Dataset":
        from sro.data.dataset import Dataset

        if not self.exists(name):
            known = ", ".join(i.name for i in self.list()) or "none"
            raise DatasetError(f"unknown dataset {name!r} (known: {known})")
        return Dataset(self, name)

    def describe(self, name: str) -> dict:
        """`dataset(name).describe()` with one query for both the existence check and the cache version."""
        from sro.data.dataset import Dataset

        row = self.cursor().execute("SELECT version FROM datasets WHERE name = ?", [name]).fetchone()
        if row is None:
            return self.dataset(name).describe()  # raises the unknown-dataset error
        return Dataset(self, name)._described(row[0])

    def document(self, doc_id: str) -> Document:
        con = self.cursor()
        row = con.execute(DOC_SELECT + " WHERE id = ?", [doc_id]).fetchone()
        if row is None:
            raise DatasetError(f"unknown document {doc_id!r}")
        return documents_from_rows(con, [row])[0]

    def chunk(self, chunk_id: str) -> Chunk:
        row = self.cursor().execute(CHUNK_SELECT + " WHERE id = ?", [chunk_id]).fetchone()
        if row is None:
            raise DatasetError(f"unknown chunk {chunk_id!r}")
        return chunk_from_row(row)

    def iter_chunks(self, dataset: str, *, after: str | None = None, batch: int = 1000) -> Iterator[list[Chunk]]:
        """Chunks of a dataset in stable (insertion) order, `batch` at a time, starting after chunk id `after`.

        The order is by the internal chunk key, which only grows: each batch reads a bounded key range (widened
        where other datasets' keys interleave), which DuckDB's zone maps narrow to a few row groups, so a full
        pass over millions of chunks stays linear (an open `key > last` range made every batch a top-N over
        the rest of the table).
        """
        self.dataset(dataset)
        cur = self.cursor()
        last = -1
        if after:
            row = cur.execute("SELECT key FROM chunks WHERE id = ?", [after]).fetchone()
            if row is None:
                raise DatasetError(f"unknown chunk {after!r} (iter_chunks after=)")
            last = row[0]
        window = batch  # key range read per query: bounded, so a batch costs the same at any position
        while True:
            rows = cur.execute(
                "SELECT id, doc_id, dataset, ordinal, start_pos, end_pos, text, key FROM chunks"
                " WHERE dataset = ? AND key > ? AND key <= ? ORDER BY key LIMIT ?",
                [dataset, last, last + window, batch],
            ).fetchall()
            if len(rows) < batch:
                top = cur.execute("SELECT max(key) FROM chunks WHERE dataset = ?", [dataset]).fetchone()[0]
                if top is not None and top > last + window:  # keys are sparse here (other datasets): widen
                    window *= 4
                    if not rows:
                        continue
                elif not rows:
                    return
            else:
                window = batch
            yield [chunk_from_row(r) for r in rows]
            last = rows[-1][7]

    # --- writing ------------------------------------------------------------------------------
    def ensure_dataset(
        self, name: str, *, description: str | None = None, synthetic: bool = False,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> None:
        check_name(name)
        (con or self.cursor()).execute(
            "INSERT INTO datasets (name, description, synthetic) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [name, description, synthetic],
        )

    def touch(self, con: duckdb.DuckDBPyConnection, name: str) -> None:
        """Record a change: bump the dataset version and mark the full-text index stale."""
        con.execute("UPDATE datasets SET version = version + 1 WHERE name = ?", [name])
        con.execute(
            "INSERT INTO data_state VALUES (?, 'true') ON CONFLICT (key) DO UPDATE SET value = 'true'", [FTS_DIRTY]
        )

    def stage_ndjson(self, con: duckdb.DuckDBPyConnection, path: str) -> None:
        """Load a staging NDJSON file (layout of records.document_json) into `_stage`."""
        create_stage(con)
        con.execute(
            """
            INSERT INTO _stage
            SELECT id, dataset, source_uri, title, text, author, TRY_CAST(created AS TIMESTAMP), score,
                   parent_id, kind, metadata, NULL
            FROM read_json(?, format = 'newline_delimited', maximum_object_size = 67108864,
                columns = {id: 'VARCHAR', dataset: 'VARCHAR', source_uri: 'VARCHAR', title: 'VARCHAR',
                           text: 'VARCHAR', author: 'VARCHAR', created: 'VARCHAR', score: 'BIGINT',
                           parent_id: 'VARCHAR', kind: 'VARCHAR', metadata: 'VARCHAR'})
            """,
            [path],
        )

    def stage_to_tables(self, con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
        """Move `_stage` into documents/chunks (inside the caller's transaction) without recording a change."""
        return commit_stage(con, self.settings.chunk_size, self.settings.chunk_overlap)

    def commit(self, con: duckdb.DuckDBPyConnection, dataset: str) -> tuple[int, int]:
        """Move `_stage` into the dataset (inside the caller's transaction)."""
        added, chunks = self.stage_to_tables(con)
        if added:
            self.touch(con, dataset)
        return added, chunks

    def add_documents(self, dataset: str, docs: Iterable[Document]) -> tuple[int, int]:
        """Add documents (ids already stored are skipped) in one transaction. Returns (added, chunks_added)."""
        check_name(dataset)
        fd, path = tempfile.mkstemp(prefix="sro-docs-", suffix=".ndjson")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                for doc in docs:
                    fh.write(document_json(doc, dataset) + "\n")
            with transaction(self.cursor()) as con:
                self.ensure_dataset(dataset, con=con)
                self.stage_ndjson(con, path)
                result = self.commit(con, dataset)
        finally:
            os.unlink(path)
        self.refresh_index()
        return result

    # --- full-text index ------------------------------------------------------------------------
    def index_stale(self) -> bool:
        row = self.cursor().execute("SELECT value FROM data_state WHERE key = ?", [FTS_DIRTY]).fetchone()
        return bool(row and row[0] == "true")

    def refresh_index(self, force: bool = False) -> int:
        """Index chunks added since the last call (incremental). Returns the number of chunks indexed."""
        from sro.data.fts import index_pending

        with self._index_lock:
            if self.read_only or (not force and not self.index_stale()):
                return 0  # read-only: search the index as its last writer left it
            con = self.cursor()
            # Clear the flag first: a write committed while we index sets it again, so nothing is missed.
            con.execute("UPDATE data_state SET value = 'false' WHERE key = ?", [FTS_DIRTY])
            return index_pending(con)
