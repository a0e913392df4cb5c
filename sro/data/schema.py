"""Tables of the data stage (prefixes `datasets`, `documents`, `chunks`), created once per connection."""

from __future__ import annotations

import duckdb

DOC_COLUMNS = (
    "id", "dataset", "source_uri", "title", "text", "author", "created", "score", "parent_id", "kind", "metadata",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    name VARCHAR PRIMARY KEY,
    created TIMESTAMP DEFAULT current_timestamp,
    description VARCHAR,
    synthetic BOOLEAN DEFAULT false,
    version BIGINT DEFAULT 0          -- bumped by every write; read-only snapshots compare it
);
CREATE TABLE IF NOT EXISTS documents (
    id VARCHAR NOT NULL,              -- unique: documents_id_idx (a primary key in workspaces made before it)
    dataset VARCHAR NOT NULL,
    source_uri VARCHAR,
    title VARCHAR,
    -- NULL for a document that is a single chunk: its text is stored once, as chunk '<id>#0' (writing it
    -- twice was ~20% of a big ingest); records.DOC_TEXT / documents_from_rows give it back to readers.
    -- Uncompressed, like chunks.text: FSST compression of the texts was ~22% of the ingest CPU at 1M posts
    -- (64.7 -> 50.1 s); the price is a 2.2x bigger file (0.79 -> 1.72 GB per million 1.5 KB posts).
    text VARCHAR USING COMPRESSION uncompressed,
    author VARCHAR,
    created TIMESTAMP,
    score BIGINT,
    parent_id VARCHAR,
    kind VARCHAR,
    metadata JSON
);
CREATE SEQUENCE IF NOT EXISTS chunk_key_seq;
CREATE TABLE IF NOT EXISTS chunks (
    id VARCHAR NOT NULL,              -- f"{doc_id}#{ordinal}"
    doc_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    ordinal INTEGER NOT NULL,
    start_pos INTEGER NOT NULL,       -- character offsets into documents.text
    end_pos INTEGER NOT NULL,
    -- documents.text[start_pos:end_pos], uncompressed like documents.text.
    text VARCHAR NOT NULL USING COMPRESSION uncompressed,
    key BIGINT NOT NULL               -- integer key used by the full-text index (sro.data.fts)
);
CREATE TABLE IF NOT EXISTS data_state (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
"""


# Indexes by name. They are plain (droppable) indexes, not constraints, so a bulk ingest can drop them and
# build them once at the end (drop_indexes / ensure_indexes): for a million rows, building the three ART
# indexes afterwards took ~1.3 s CPU, ~3 s less than keeping them up to date during the inserts.
INDEXES = {
    # Unique document ids (re-ingesting adds nothing; the ingest's anti-join keeps it so) and point lookups.
    "documents_id_idx": "CREATE UNIQUE INDEX IF NOT EXISTS documents_id_idx ON documents (id)",
    # Point lookups of BM25 hits by chunk key (a zone-map scan would read every chunk's text).
    "chunks_key_idx": "CREATE INDEX IF NOT EXISTS chunks_key_idx ON chunks (key)",
    # store.chunk(id) / iter_chunks(after=id): an ART point lookup instead of a scan of every chunk.
    "chunks_id_idx": "CREATE INDEX IF NOT EXISTS chunks_id_idx ON chunks (id)",
}


def _has_primary_key(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT 1 FROM duckdb_constraints() WHERE table_name = ? AND constraint_type = 'PRIMARY KEY' "
        "AND database_name = current_database() AND schema_name = current_schema()", [table]
    ).fetchone())


def ensure_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Create the missing indexes (all of them after a bulk ingest, or after one that was interrupted)."""
    for name, ddl in INDEXES.items():
        if name == "documents_id_idx" and _has_primary_key(con, "documents"):
            continue  # an older workspace: its primary key already is the unique index
        con.execute(ddl)


def drop_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the droppable indexes before a bulk ingest (a primary key of an older workspace stays)."""
    for name in INDEXES:
        con.execute(f"DROP INDEX IF EXISTS {name}")


def text_nullable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether documents.text may be NULL (always, except in workspaces made before that, with a primary key)."""
    row = con.execute(
        "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'documents' AND column_name = 'text' "
        "AND table_catalog = current_database() AND table_schema = current_schema()").fetchone()
    return bool(row) and row[0] == "YES"


def _allow_null_text(con: duckdb.DuckDBPyConnection) -> None:
    """Workspaces made before single-chunk texts were stored once: drop NOT NULL on documents.text (DuckDB
    alters a table only without indexes on it; a primary key cannot be dropped, so those keep both copies)."""
    if text_nullable(con) or _has_primary_key(con, "documents"):
        return
    con.execute("DROP INDEX IF EXISTS documents_id_idx")
    con.execute("ALTER TABLE documents ALTER COLUMN text DROP NOT NULL")


def _refuse_first_layout(con: duckdb.DuckDBPyConnection) -> None:
    """Workspaces from the first builds have chunks without the full-text key; they cannot be upgraded in place
    (the BM25 index would have to be rebuilt from keys they never had), so say so instead of failing in DDL."""
    columns, has_key = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE column_name = 'key') FROM information_schema.columns "
        "WHERE table_name = 'chunks' AND table_catalog = current_database() AND table_schema = current_schema()"
    ).fetchone()
    if columns and not has_key:
        from sro.errors import WorkspaceError

        raise WorkspaceError("this workspace was made by an early SRO build (its chunks have no full-text key) and "
                             "cannot be upgraded in place: ingest the datasets into a new workspace")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    from sro.data.fts import ensure_fts_schema

    _refuse_first_layout(con)
    con.execute(SCHEMA)
    _allow_null_text(con)
    ensure_indexes(con)
    ensure_fts_schema(con)
