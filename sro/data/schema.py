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
    id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    source_uri VARCHAR,
    title VARCHAR,
    text VARCHAR NOT NULL,
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
    text VARCHAR NOT NULL,
    key BIGINT NOT NULL               -- integer key used by the full-text index (sro.data.fts)
);
-- Point lookups of BM25 hits by chunk key (a zone-map scan would read every chunk's text).
CREATE INDEX IF NOT EXISTS chunks_key_idx ON chunks (key);
-- store.chunk(id) / iter_chunks(after=id): an ART point lookup instead of a scan of every chunk.
CREATE INDEX IF NOT EXISTS chunks_id_idx ON chunks (id);
CREATE TABLE IF NOT EXISTS data_state (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    from sro.data.fts import ensure_fts_schema

    con.execute(SCHEMA)
    ensure_fts_schema(con)
