"""Conversions between DuckDB rows and the typed records of sro.data.models."""

from __future__ import annotations

import json
from typing import Any, Sequence

from sro.data.models import Chunk, Document, Hit

DOC_SELECT = (
    "SELECT id, dataset, source_uri, title, text, author, created, score, parent_id, kind, metadata FROM documents"
)
CHUNK_SELECT = "SELECT id, doc_id, dataset, ordinal, start_pos, end_pos, text FROM chunks"
# documents.text is NULL for a document that is a single chunk (schema.py): its text is chunk '<id>#0'.
# Bulk readers select DOC_TEXT from `documents d` + DOC_TEXT_JOIN; DOC_SELECT readers use documents_from_rows.
DOC_TEXT = "coalesce(d.text, c0.text)"
# A plain equi-join: with `d.text IS NULL` in its ON clause DuckDB fell back to a nested-loop join (minutes at 1M).
DOC_TEXT_JOIN = "LEFT JOIN chunks c0 ON c0.doc_id = d.id AND c0.ordinal = 0"


def documents_from_rows(con: Any, rows: Sequence[Sequence[Any]]) -> list[Document]:
    """Documents from DOC_SELECT rows; the texts of one-chunk documents come from their chunks (by id)."""
    missing = [row[0] + "#0" for row in rows if row[4] is None]
    texts = dict(con.execute("SELECT doc_id, text FROM chunks WHERE id = ANY(?)", [missing]).fetchall()) \
        if missing else {}
    return [_document(row, row[4] if row[4] is not None else texts.get(row[0], "")) for row in rows]


def _document(row: Sequence[Any], text: str) -> Document:
    meta = row[10]
    return Document(
        id=row[0], dataset=row[1], source_uri=row[2] or "", title=row[3], text=text, author=row[5],
        created=row[6], score=row[7], parent_id=row[8], kind=row[9] or "doc",
        metadata=json.loads(meta) if isinstance(meta, str) and meta else (meta or {}),
    )


def chunk_from_row(row: Sequence[Any]) -> Chunk:
    return Chunk(id=row[0], doc_id=row[1], dataset=row[2], ordinal=row[3], start=row[4], end=row[5], text=row[6])


def hit_from_row(row: Sequence[Any], score: float | None = None) -> Hit:
    """Rows shaped like CHUNK_SELECT (ordinal unused)."""
    return Hit(dataset=row[2], doc_id=row[1], chunk_id=row[0], start=row[4], end=row[5], text=row[6], score=score)


def document_json(doc: Document, dataset: str) -> str:
    """One NDJSON line in the staging layout (dataset forced to the target dataset)."""
    return json.dumps(
        {
            "id": doc.id, "dataset": dataset, "source_uri": doc.source_uri, "title": doc.title, "text": doc.text,
            "author": doc.author, "created": doc.created.isoformat() if doc.created else None, "score": doc.score,
            "parent_id": doc.parent_id, "kind": doc.kind, "metadata": json.dumps(doc.metadata, default=str),
        },
        ensure_ascii=False,
    )
