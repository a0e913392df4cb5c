"""LLM extractor (worker role): pipeline instructions + ontology predicates in the prompt, structured
output through the LLM client, several chunks per call, every quote located to exact offsets.

A quote the grounding module cannot find in its chunk is *kept* with a placeholder span, so that the
grounding axiom rejects it visibly (stored with the reason) instead of it vanishing. An optional gleaning
pass asks once more for facts the first pass missed.
"""

from __future__ import annotations

import asyncio
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sro.errors import BudgetExceeded, LLMAuthError, LLMConnectionError, SROError
from sro.extract import literals
from sro.extract.base import Extraction
from sro.extract.grounding import locate
from sro.nlp.models import Candidate, Entity, Evidence, Term, Value
from sro.extract.patterns import document_entity

if TYPE_CHECKING:
    from pipelines import DocumentSubject, Pipeline
    from sro.data.models import Chunk, Document
    from sro.llm.client import LLMClient

EXTRACTOR_ID = "llm"
MAX_CHARS_PER_CALL = 6000
MAX_CHUNKS_PER_CALL = 4


_TYPE_ALIASES = {"number": "decimal", "float": "decimal", "double": "decimal", "int": "integer", "currency": "money",
                 "price": "money", "text": "string", "str": "string", "literal": "string", "time": "date",
                 "datetime": "date", "bool": "boolean", "object": "entity", "iri": "entity", "uri": "entity"}
_NAME_JUNK = re.compile(r"[\"'\u201c\u201d\u2018\u2019()\[\].,:;]+")
QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb`"
_TYPES = {"entity", "string", "decimal", "integer", "money", "date", "duration", "boolean"}


class LLMTriple(BaseModel):
    """Lenient on purpose: models write numbers for strings and invent type names; one odd field must not
    fail a whole batch of passages."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    chunk: int = Field(0, description="index of the passage the fact comes from")
    subject: str
    subject_type: str | None = None
    predicate: str
    object: str
    object_type: str = Field("entity", description="entity | string | decimal | integer | money | date | duration | boolean")
    object_class: str | None = None
    value: str | None = Field(None, description="normalised literal: 12000, 2021-06-01, P10Y")
    unit: str | None = None
    currency: str | None = None
    qualifiers: dict[str, Any] = Field(default_factory=dict)
    quote: str = Field(description="the sentence stating the fact, copied verbatim from the passage")


    @field_validator("object_type", mode="before")
    @classmethod
    def _type(cls, value: object) -> str:
        name = str(value or "entity").strip().lower()
        name = _TYPE_ALIASES.get(name, name)
        return name if name in _TYPES else "string"

    @field_validator("quote", mode="before")
    @classmethod
    def _quote(cls, value: object) -> str:
        """Models wrap quotes in quotation marks ("...", “...”) that the source does not have."""
        return str(value or "").strip().strip(QUOTE_MARKS).strip()

    @field_validator("subject_type", "object_class", "value", "unit", "currency", mode="before")
    @classmethod
    def _text(cls, value: object) -> str | None:
        return None if value is None or value == "" else str(value)


def _name_key(text: str) -> str:
    return " ".join(_NAME_JUNK.sub(" ", text).casefold().split())


@lru_cache(maxsize=32)
def _self_reference(head_nouns: tuple[str, ...]) -> re.Pattern[str]:
    nouns = "|".join(re.escape(n) for n in sorted(head_nouns, key=len, reverse=True))
    owner = r"this|my|our|the present|(?:the )?(?:poster|author|op)'s"
    return re.compile(rf"^(?:(?:{owner})\s+(?:[\w'.,$-]+\s+){{0,4}}?|the\s+)(?:{nouns})$", re.IGNORECASE)


def is_document_subject(subject: str, doc: "Document | None", rule: "DocumentSubject | None" = None) -> bool:
    """True when a model's subject names the source document itself: the document's title (with or without a
    leading "the"/"this") or a self-reference of the pipeline's convention (`DocumentSubject`: "this
    Agreement" in a contract, "this installation" / "my system" in a solar post)."""
    from pipelines import DocumentSubject

    rule = rule or DocumentSubject()
    text = " ".join(subject.split())
    kind_ok = doc is None or not rule.kinds or doc.kind in rule.kinds
    if rule.nouns and kind_ok and _self_reference(tuple(rule.nouns)).match(text):
        return True
    title = _name_key(doc.title) if doc is not None and doc.title else ""
    key = _name_key(text)
    return bool(title) and key in (title, *(f"{w} {title}" for w in ("the", "this")))


class LLMTriples(BaseModel):
    """The reply: `triples` is required, so a wrong top-level key or a refusal is invalid (re-asked, then
    a chunk error), never an empty result."""

    triples: list[LLMTriple]


def class_name(value: str | None) -> str | None:
    """"solar panel" -> "SolarPanel": class names become IRI local names."""
    if not value:
        return None
    words = re.findall(r"[A-Za-z0-9]+", value)
    return "".join(w[:1].upper() + w[1:] for w in words) or None


def batches(chunks: list["Chunk"], max_chars: int = MAX_CHARS_PER_CALL,
            max_chunks: int = MAX_CHUNKS_PER_CALL) -> list[list["Chunk"]]:
    """Consecutive chunks packed into calls: fewer calls, each prompt still small enough to read well."""
    out: list[list["Chunk"]] = []
    size = 0
    for chunk in chunks:
        if out and len(out[-1]) < max_chunks and size + len(chunk.text) <= max_chars:
            out[-1].append(chunk)
            size += len(chunk.text)
        else:
            out.append([chunk])
            size = len(chunk.text)
    return out


def system_prompt(pipeline: "Pipeline") -> str:
    preds = "\n".join(
        f"- {p.name}" + (f" ({p.label})" if p.label else "") + (f": {p.domain or 'any'} -> {p.range}" if p.range else "")
        + (" [one value per subject]" if p.functional else "") for p in pipeline.predicates)
    classes = ", ".join(pipeline.classes) or "any"
    return (f"You extract knowledge-graph triples for the '{pipeline.name}' pipeline.\n"
            f"{pipeline.instructions.strip()}\n\nOntology predicates (prefer these names):\n{preds or '- (none)'}\n"
            f"Classes: {classes}\n\nRules: every triple names the passage index it comes from in `chunk` and "
            "copies the sentence that states it verbatim into `quote`. Literal objects set object_type and a "
            "normalised `value`. Never use pronouns as subject or object. Return JSON {\"triples\": [...]}.")


def user_prompt(group: list["Chunk"], docs: dict[str, "Document"]) -> str:
    parts = []
    for i, chunk in enumerate(group):
        doc = docs.get(chunk.doc_id)
        title = f" (document: {doc.title})" if doc is not None and doc.title else ""
        parts.append(f"[passage {i}]{title}\n{chunk.text}")
    return "\n\n".join(parts)


class LLMExtractor:
    def __init__(self, client: LLMClient, pipeline: "Pipeline", *, gleaning: int = 0):
        self.client = client
        self.pipeline = pipeline
        self.gleaning = gleaning

    async def run(self, chunks: list["Chunk"], docs: dict[str, "Document"]) -> Extraction:
        out = Extraction()
        results = await asyncio.gather(*(self._group(g, docs, out) for g in batches(chunks)))
        out.candidates = [c for group in results for c in group]
        return out

    async def _group(self, group: list["Chunk"], docs: dict[str, "Document"], out: Extraction) -> list[Candidate]:
        messages = [{"role": "system", "content": system_prompt(self.pipeline)},
                    {"role": "user", "content": user_prompt(group, docs)}]
        try:
            found = await self.client.astructured("worker", messages, LLMTriples, namespace="extract")
            triples = list(found.triples)
            for _ in range(self.gleaning):
                more = await self._glean(messages, triples)
                if not more:
                    break
                triples += more
        except (LLMAuthError, LLMConnectionError):
            raise  # every other call would fail the same way: stop, named
        except SROError as exc:
            out.errors.append(f"chunks {group[0].id}..{group[-1].id}: {exc}")
            out.failed_chunks.update(c.id for c in group)
            if isinstance(exc, BudgetExceeded):
                out.budget_stop = str(exc)
            return []
        model = self.client.model_of("worker")
        return [c for t in triples if (c := self._candidate(t, group, docs, model, out.errors)) is not None]

    async def _glean(self, messages: list[dict], triples: list[LLMTriple]) -> list[LLMTriple]:
        done = "\n".join(f"({t.subject}; {t.predicate}; {t.object})" for t in triples) or "(none)"
        follow = messages + [{"role": "user", "content": "Already extracted:\n" + done +
                              "\nList only facts from the passages that are MISSING above, same format. "
                              "Return {\"triples\": []} if none are missing."}]
        more = await self.client.astructured("worker", follow, LLMTriples, namespace="extract:glean")
        seen = {(t.subject.lower(), t.predicate.lower(), t.object.lower()) for t in triples}
        return [t for t in more.triples if (t.subject.lower(), t.predicate.lower(), t.object.lower()) not in seen]

    def _candidate(self, t: LLMTriple, group: list["Chunk"], docs: dict[str, "Document"],
                   model: str | None, errors: list[str]) -> Candidate | None:
        if not (0 <= t.chunk < len(group)) or not t.subject.strip() or not t.object.strip():
            errors.append(f"dropped malformed triple ({t.subject}; {t.predicate}; {t.object})")
            return None
        chunk = group[t.chunk]
        span = locate(t.quote, chunk.text)
        if span is None:
            # Not locatable: keep a placeholder span; the grounding axiom rejects it with the reason.
            start, end, quote = chunk.start, min(chunk.end, chunk.start + max(1, len(t.quote))), t.quote
        else:
            start, end = chunk.start + span[0], chunk.start + span[1]
            quote = chunk.text[span[0] : span[1]]
        evidence = Evidence(chunk_id=chunk.id, doc_id=chunk.doc_id, start=start, end=end, quote=quote)
        rule = self.pipeline.document_subject
        if is_document_subject(t.subject, docs.get(chunk.doc_id), rule):
            # Document-level facts: the subject is the document entity, as for the patterns' "@document".
            subject = document_entity(docs.get(chunk.doc_id), chunk, rule.type or class_name(t.subject_type))
        else:
            subject = Entity(text=t.subject.strip(), type=class_name(t.subject_type))
        return Candidate(subject=subject, predicate=t.predicate.strip(), object=self._object(t),
                         qualifiers={str(k): str(v) for k, v in t.qualifiers.items() if v is not None},
                         evidence=evidence, extractor=EXTRACTOR_ID, model=model)

    @staticmethod
    def _object(t: LLMTriple) -> Term:
        if t.object_type == "entity":
            return Entity(text=t.object.strip(), type=class_name(t.object_class))
        parsed = literals.from_type(t.object, t.object_type, unit=t.unit, currency=t.currency)
        if parsed is None:
            return Value(text=t.object, datatype="string", value=t.value or t.object.strip(), unit=t.unit)
        update = {"value": t.value} if t.value and t.object_type != "money" else {}
        return parsed.model_copy(update=update)
