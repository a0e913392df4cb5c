"""Conversions between DuckDB rows and the typed records of sro.data.models."""

from __future__ import annotations

import json
from typing import Any, Sequence

from sro.data.models import Chunk, Document, Hit

DOC_SELECT = (
    "SELECT id, dataset, source_uri, title, text, author, created, score, parent_id, kind, metadata FROM documents"
)
CHUNK_SELECT = "SELECT id, doc_id, dataset, ordinal, start_pos, end_pos, text FROM chunks"


def document_from_row(row: Sequence[Any]) -> Document:
    meta = row[10]
    return Document(
        id=row[0], dataset=row[1], source_uri=row[2] or "", title=row[3], text=row[4], author=row[5],
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
