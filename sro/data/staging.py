"""Move a staged batch of documents into `documents` and `chunks` inside the caller's transaction.

Every ingest path fills the temp table `_stage` (the columns of `documents` plus `skip_reason`, NULL for rows
to keep) and calls `commit_stage`.
DuckDB does the heavy lifting: de-duplication against stored ids, single-chunk documents in one INSERT;
only documents longer than a chunk go through the Python chunker, which returns offsets only (the chunk
text is cut by DuckDB from the staged document text). A single-chunk document's text is stored once, in its
chunk; `documents.text` stays NULL (schema.py).
"""

from __future__ import annotations

import csv
import os
import tempfile

import duckdb

from sro.data.chunking import chunk_spans
from sro.data.schema import DOC_COLUMNS, text_nullable

STAGE_DDL = """
CREATE OR REPLACE TEMP TABLE _stage (
    id VARCHAR, dataset VARCHAR, source_uri VARCHAR, title VARCHAR, text VARCHAR, author VARCHAR,
    created TIMESTAMP, score BIGINT, parent_id VARCHAR, kind VARCHAR, metadata JSON, skip_reason VARCHAR
)
"""
_FETCH = 20_000


def create_stage(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(STAGE_DDL)


def _insert_new(con: duckdb.DuckDBPyConnection, size: int) -> int:
    """Reduce `_stage` to the rows to add (kept, not stored yet, first per id), insert them as documents.

    Deleting from the temp table instead of copying it again saves one pass over the text; the (costly)
    de-duplication within the batch only runs when the batch really holds a repeated id.
    """
    con.execute("DELETE FROM _stage WHERE skip_reason IS NOT NULL OR text IS NULL OR text = ''")
    # Its own statement: inside the OR above, the EXISTS became a mark join hashing every stored id for each
    # slice (growing with the table); as a semi join DuckDB hashes the staged ids and pushes their range into
    # the scan of documents.
    con.execute("DELETE FROM _stage WHERE id IN (SELECT id FROM documents)")
    repeated = con.execute("SELECT count(*) - count(DISTINCT id) FROM _stage").fetchone()[0]
    if repeated:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _stage AS SELECT * FROM _stage QUALIFY row_number() OVER (PARTITION BY id) = 1"
        )
    once = text_nullable(con)  # the text of a one-chunk document goes to its chunk only
    text = "CASE WHEN length(text) > ? THEN text END" if once else "text"
    cols = ", ".join(text if c == "text" else c for c in DOC_COLUMNS)
    row = con.execute(f"INSERT INTO documents SELECT {cols} FROM _stage", [size] if once else []).fetchone()
    return int(row[0]) if row else 0


def _chunk_long(con: duckdb.DuckDBPyConnection, size: int, overlap: int) -> int:
    """Chunk documents longer than `size` in Python; offsets travel to DuckDB through a temp CSV."""
    cur = con.execute("SELECT id, text FROM _stage WHERE length(text) > ?", [size])
    fd, path = tempfile.mkstemp(prefix="sro-spans-", suffix=".csv")
    written = 0
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["doc_id", "ordinal", "start_pos", "end_pos"])
            while rows := cur.fetchmany(_FETCH):
                for doc_id, text in rows:
                    for ordinal, (start, end) in enumerate(chunk_spans(text, size, overlap)):
                        out.writerow([doc_id, ordinal, start, end])
                        written += 1
        if not written:
            return 0
        row = con.execute(
            """
            INSERT INTO chunks
            SELECT n.id || '#' || s.ordinal, n.id, n.dataset, s.ordinal, s.start_pos, s.end_pos,
                   substring(n.text, s.start_pos + 1, s.end_pos - s.start_pos), nextval('chunk_key_seq')
            FROM read_csv(?, header = true, quote = '"',
                          columns = {'doc_id': 'VARCHAR', 'ordinal': 'INTEGER',
                                     'start_pos': 'INTEGER', 'end_pos': 'INTEGER'}) s
            JOIN _stage n ON n.id = s.doc_id
            """,
            [path],
        ).fetchone()
        return int(row[0]) if row else 0
    finally:
        os.unlink(path)


def commit_stage(con: duckdb.DuckDBPyConnection, size: int, overlap: int) -> tuple[int, int]:
    """Insert the staged documents that are new and their chunks. Returns (documents, chunks) added."""
    added = _insert_new(con, size)
    if not added:
        return 0, 0
    row = con.execute(
        """
        INSERT INTO chunks
        SELECT id || '#0', id, dataset, 0, 0, length(text), text, nextval('chunk_key_seq')
        FROM _stage WHERE length(text) <= ?
        """,
        [size],
    ).fetchone()
    chunks = int(row[0]) if row else 0
    chunks += _chunk_long(con, size, overlap)
    con.execute("DROP TABLE IF EXISTS _stage")
    return added, chunks
