"""Typed records of the dataset layer. Offsets are exact: chunk.text == document.text[start:end]."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


TITLE_CHARS = 200  # a file's title is its first line cut here (sro.judge.quotes reads a cut one as no title)


class Document(BaseModel):
    id: str  # unique across the workspace, e.g. "reddit:t3_abc123" or "docs:<sha1>"
    dataset: str
    source_uri: str  # permalink, file path or URL: what a citation links to
    title: str | None = None
    text: str
    author: str | None = None
    created: datetime | None = None
    score: int | None = None
    parent_id: str | None = None  # comment -> submission (document id)
    kind: str = "doc"  # "submission" | "comment" | "doc" | "row"
    metadata: dict[str, Any] = Field(default_factory=dict)


class Chunk(BaseModel):
    id: str  # f"{doc_id}#{ordinal}"
    doc_id: str
    dataset: str
    ordinal: int
    start: int
    end: int
    text: str


class Hit(BaseModel):
    """A citable search/grep result."""

    dataset: str
    doc_id: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float | None = None


class DatasetInfo(BaseModel):
    """One row of `sro datasets` / DatasetStore.list()."""

    name: str
    documents: int
    chunks: int
    fields: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    synthetic: bool = False
    description: str | None = None
