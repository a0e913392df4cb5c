"""Candidates: what extractors produce before judging. Every candidate carries exact evidence."""

from __future__ import annotations

from typing import Literal as TypingLiteral

from pydantic import BaseModel, Field


class Entity(BaseModel):
    kind: TypingLiteral["entity"] = "entity"
    text: str  # surface form as written in the source
    type: str | None = None  # ontology class local name, e.g. "Inverter", "Party"
    iri: str | None = None  # set by resolution
    label: str | None = None  # canonical name when a normaliser gave one ("New York" for "the State of New York")
    ref: TypingLiteral["document"] | None = None  # "document": stands for the source document itself


class Value(BaseModel):
    """A typed literal: number (with unit), money (with currency), date, duration or plain string."""

    kind: TypingLiteral["literal"] = "literal"
    text: str  # surface form
    datatype: TypingLiteral["string", "decimal", "integer", "money", "date", "duration", "boolean"] = "string"
    value: str  # normalised lexical form: "12000", "2021-06-01", "P10Y", ...
    unit: str | None = None  # "kW", "kWh", "year", ...
    currency: str | None = None  # ISO 4217, e.g. "USD"


Term = Entity | Value


class Evidence(BaseModel):
    chunk_id: str
    doc_id: str
    start: int  # char offsets into the *document* text (chunk.start <= start < end <= chunk.end)
    end: int
    quote: str  # == document.text[start:end]


class Candidate(BaseModel):
    subject: Entity
    predicate: str  # surface predicate or ontology local name, resolved later
    object: Term = Field(discriminator="kind")
    qualifiers: dict[str, str] = Field(default_factory=dict)  # time, condition, quantity, unit, ...
    evidence: Evidence
    extractor: str  # "nlp:spacy", "pattern:<name>", "llm"
    model: str | None = None
    campaign: str | None = None
    node: str | None = None
    predicate_iri: str | None = None  # set by resolution
