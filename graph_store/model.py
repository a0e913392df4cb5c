"""Data models other stages hand to the graph store: facts with provenance, entities, results.

IRIs are validated on construction (with pyoxigraph's RFC 3987 checker) so a bad IRI fails where it is made,
not halfway through a batch write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from datetime import datetime, timezone
from typing import Any, Literal as TypingLiteral

from pydantic import BaseModel, Field, field_validator, model_validator
from pyoxigraph import NamedNode

from graph_store.errors import InvalidTermError

XSD = "http://www.w3.org/2001/XMLSchema#"
# Short datatype names accepted in Lit.datatype; anything else must be a full IRI.
XSD_SHORT = {"string", "decimal", "integer", "double", "float", "boolean", "date", "dateTime", "duration",
             "gYear", "gYearMonth", "anyURI", "int", "long", "nonNegativeInteger"}
LANG_RE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")


def check_iri(value: str) -> str:
    """Return `value` if it is an absolute IRI, else raise InvalidTermError."""
    if not isinstance(value, str):
        raise InvalidTermError(f"IRI must be a string, got {type(value).__name__}")
    try:
        NamedNode(value)
    except ValueError as exc:
        raise InvalidTermError(f"invalid IRI {value!r}: {exc}") from None
    return value


class Iri(BaseModel):
    kind: TypingLiteral["iri"] = "iri"
    value: str

    _check = field_validator("value")(lambda cls, v: check_iri(v))


class Lit(BaseModel):
    """A literal: `datatype` is an xsd short name ("decimal") or a full IRI; None means xsd:string
    (or rdf:langString when `lang` is set)."""

    kind: TypingLiteral["literal"] = "literal"
    value: str
    datatype: str | None = None
    lang: str | None = None

    @field_validator("datatype")
    @classmethod
    def _datatype(cls, v: str | None) -> str | None:
        if v is None:
            return None
        return XSD + v if v in XSD_SHORT else check_iri(v)

    @field_validator("lang")
    @classmethod
    def _lang(cls, v: str | None) -> str | None:
        if v is not None and not LANG_RE.match(v):
            raise InvalidTermError(f"invalid language tag {v!r}")
        return v

    @model_validator(mode="after")
    def _one_of(self) -> "Lit":
        if self.lang and self.datatype:
            raise InvalidTermError("a literal has either a language tag or a datatype, not both")
        return self


Term = Iri | Lit


def as_term(value: Any) -> Term:
    """Accept a Term, a dict, or a bare string (read as an IRI)."""
    if isinstance(value, (Iri, Lit)):
        return value
    if isinstance(value, str):
        return Iri(value=value)
    if isinstance(value, dict):
        return Lit(**value) if value.get("kind", "literal") == "literal" else Iri(**value)
    raise InvalidTermError(f"cannot read {value!r} as an RDF term")


class Provenance(BaseModel):
    """Where a fact came from and how it was judged. `source` is the document IRI."""

    source: str
    chunk: str | None = None
    quote: str | None = None
    char_start: int | None = None
    char_end: int | None = None
    extractor: str = "unknown"
    model: str | None = None
    score: float = 1.0
    axiom_scores: dict[str, float] = Field(default_factory=dict)
    verdict: str = "accepted"
    campaign: str | None = None
    node: str | None = None
    generated_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    _check = field_validator("source")(lambda cls, v: check_iri(v))


class Fact(BaseModel):
    """One accepted triple with one supporting source. A bare string object is read as an IRI."""

    subject: str
    predicate: str
    object: Term = Field(discriminator="kind")
    qualifiers: dict[str, str] = Field(default_factory=dict)
    provenance: Provenance

    _check = field_validator("subject", "predicate")(lambda cls, v: check_iri(v))

    @field_validator("object", mode="before")
    @classmethod
    def _object(cls, v: Any) -> Any:
        return as_term(v) if isinstance(v, str) else v


class EntityRecord(BaseModel):
    iri: str
    types: list[str] = Field(default_factory=list)
    label: str | None = None
    aliases: list[str] = Field(default_factory=list)
    lang: str | None = None  # language of label and aliases, if known

    _check = field_validator("iri")(lambda cls, v: check_iri(v))

    @field_validator("lang")
    @classmethod
    def _lang(cls, v: str | None) -> str | None:
        if v is not None and not LANG_RE.match(v):
            raise InvalidTermError(f"invalid language tag {v!r}")
        return v

    @field_validator("types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        return [check_iri(t) for t in v]


class AddResult(BaseModel):
    new_facts: int = 0  # assertions that did not exist before
    new_sources: int = 0  # evidence nodes added (a new fact's first source counts too)
    unchanged: int = 0  # facts whose assertion and evidence were already stored


@dataclass
class QueryResult:
    """Result of `store.query`: a SELECT table, an ASK boolean, or CONSTRUCT/DESCRIBE triples.

    `terms` keeps pyoxigraph terms (None = unbound); `rows` gives plain Python values; `serialize(fmt)` writes
    table/csv/tsv/json/xml for SELECT and ASK, turtle/ntriples/jsonld/rdfxml for graphs."""

    kind: TypingLiteral["select", "ask", "graph"]
    variables: list[str] = dc_field(default_factory=list)
    terms: list[tuple[Any, ...]] = dc_field(default_factory=list)
    boolean: bool | None = None
    triples: list[Any] = dc_field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        from graph_store.terms import python_value

        return [{v: python_value(t) for v, t in zip(self.variables, row)} for row in self.terms]

    def __len__(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.terms)

    def __bool__(self) -> bool:
        return bool(self.boolean) if self.kind == "ask" else len(self) > 0

    def serialize(self, fmt: str = "json") -> str:
        from graph_store.sparql import serialize_result

        return serialize_result(self, fmt)
