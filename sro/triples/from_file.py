"""Judge triples that come from anywhere: one JSON object a line, the same judge and axioms as the pipeline.

Input line: `id`, `subject`, `predicate`, `object`, `quote`, `text` (the passage the quote is in), optionally
`title`, `doc_id`, `source_uri`, `kind` (submission | comment | doc), `qualifiers` (an object). The object is
typed by the predicate's range in the pipeline (money, decimal, duration, date: a literal; else an entity).
A subject that names the passage itself ("this installation", "the poster's system", the title, "this
Agreement") becomes the document entity, as the pipeline's own "@document" facts are.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sro.errors import SROError
from sro.extract import literals
from sro.extract.grounding import locate
from sro.extract.llm_extractor import is_document_subject
from sro.nlp.models import Candidate, Entity, Evidence, Term
from sro.nlp.predicates import PredicateMapper

if TYPE_CHECKING:
    from pipelines import Pipeline
    from sro.data.models import Document
    from sro.judge.models import Judgment
    from sro.llm.client import LLMClient
    from sro.workspace import Workspace

# The poster's own installation, as an extractor told to write "this installation" names it.
_POSTER_OWN = re.compile(r"^(?=\S+\s)(?:(?:this|the|my|our)\s+)?(?:(?:poster|author|op|user)(?:'s|’s|s)?\s+)?"
                         r"(?:own\s+)?(?:home\s+)?(?:solar\s+)?(?:pv\s+)?"
                         r"(?:installation|system|setup|install|array|home|house)$|^@document$", re.IGNORECASE)
_BARE_AMOUNT = re.compile(r"^\s*~?\d[\d,]*(?:\.\d+)?\s*[kKmM]?\s*$")
LITERAL_RANGES = {"money", "decimal", "integer", "duration", "date", "boolean", "string"}


class InputTriple(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore")

    id: str
    subject: str
    predicate: str
    object: str
    quote: str
    text: str
    title: str | None = None
    doc_id: str | None = None
    source_uri: str | None = None
    kind: str = "doc"
    qualifiers: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: object) -> str:
        return str(value)


class InputError(SROError):
    pass


def read_lines(path: Path) -> Iterator[InputTriple]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield InputTriple.model_validate_json(line)
        except ValueError as exc:
            first = str(exc).splitlines()[0:3]
            raise InputError(f"{path}:{n}: not a valid triple line ({'; '.join(first)})") from None


def document_of(t: InputTriple) -> "Document":
    from sro.data.models import Document

    doc_id = t.doc_id or "passage:" + hashlib.sha1(t.text.encode("utf-8")).hexdigest()[:16]
    return Document(id=doc_id, dataset="judge-input", source_uri=t.source_uri or doc_id, title=t.title,
                    text=t.text, kind=t.kind)


def _object(t: InputTriple, range_: str | None) -> Term:
    if range_ in LITERAL_RANGES:
        parsed = literals.from_type(t.object, range_)
        if parsed is None and range_ == "money" and _BARE_AMOUNT.match(t.object):  # "52k", "0.28": no currency sign
            parsed = literals.from_type(t.object, "money", currency="USD")
        if parsed is not None:
            return parsed  # else an entity: the schema axiom says the predicate wanted a literal
        return Entity(text=t.object.strip())
    return Entity(text=t.object.strip(), type=range_)


def _subject(t: InputTriple, doc: "Document", domain: str | None) -> Entity:
    name = " ".join(t.subject.split())
    if _POSTER_OWN.match(name) or is_document_subject(name, doc):
        title = (doc.title or "").strip()
        return Entity(text=title if 0 < len(title) <= 100 else doc.id, type=domain, ref="document")
    return Entity(text=name)


def candidate_of(t: InputTriple, doc: "Document", mapper: PredicateMapper, pipeline: "Pipeline") -> Candidate:
    """The candidate a line states; a quote not found in the text keeps a placeholder span (grounding then
    rejects it with the reason)."""
    span = locate(t.quote, doc.text)
    start, end = span if span is not None else (0, min(len(doc.text), max(1, len(t.quote))))
    quote = doc.text[start:end] if span is not None else t.quote
    evidence = Evidence(chunk_id=f"{doc.id}#0", doc_id=doc.id, start=start, end=end, quote=quote)
    mapped = mapper.map(t.predicate)
    pred = next((p for p in pipeline.predicates if mapped.mapped and p.name == mapped.name), None)
    return Candidate(subject=_subject(t, doc, pred.domain if pred else None), predicate=t.predicate.strip(),
                     object=_object(t, pred.range if pred else None),
                     qualifiers={str(k): str(v) for k, v in t.qualifiers.items() if v is not None},
                     evidence=evidence, extractor="input")


def parse_items(items: object, max_items: int) -> list[InputTriple]:
    """Triples given as a JSON array of the line objects (`POST /api/judge`, the MCP `judge` tool)."""
    if not isinstance(items, list) or not 1 <= len(items) <= max_items:
        raise InputError(f"triples must be a list of 1 to {max_items} objects with id, subject, predicate, "
                         "object, quote, text")
    out = []
    for n, item in enumerate(items):
        try:
            out.append(InputTriple.model_validate(item))
        except ValueError as exc:
            raise InputError(f"triples[{n}]: not a valid triple ({'; '.join(str(exc).splitlines()[0:3])})") from None
    return out


def load(path: Path, pipeline: "Pipeline") -> tuple[list[InputTriple], list[Candidate], dict[str, "Document"]]:
    return candidates_of(list(read_lines(path)), pipeline)


def candidates_of(lines: list[InputTriple],
                  pipeline: "Pipeline") -> tuple[list[InputTriple], list[Candidate], dict[str, "Document"]]:
    mapper = PredicateMapper(pipeline)
    docs: dict[str, "Document"] = {}
    candidates = []
    for t in lines:
        doc = document_of(t)
        doc = docs.setdefault(doc.id, doc)
        candidates.append(candidate_of(t, doc, mapper, pipeline))
    return lines, candidates, docs


def result_row(t: InputTriple, j: "Judgment") -> dict:
    return {"id": t.id, "verdict": j.verdict, "score": j.total,
            "axioms": {s.axiom: round(s.score, 4) for s in j.scores if not s.skipped},
            "reasons": list(j.reasons)}


def summary(lines: list[InputTriple], judgments: list["Judgment"]) -> dict:
    results = [result_row(t, j) for t, j in zip(lines, judgments)]
    count = {v: sum(r["verdict"] == v for r in results) for v in ("accepted", "rejected", "conflict")}
    return {"judged": len(results), "accepted": count["accepted"], "rejected": count["rejected"],
            "conflicts": count["conflict"], "results": results}


def judge_triples(ws: Workspace, triples: list, pipeline_name: str, *, calibrated: bool = True) -> tuple:
    """(input triples, resolved candidates, judgments, judge context) for parsed input triples."""
    from sro.triples.resolve import Resolver
    from sro.judge.judge import AxiomJudge

    pipeline = ws.pipeline(pipeline_name)
    lines, candidates, docs = candidates_of(triples, pipeline)
    client = _judge_client(ws)
    resolver = Resolver(pipeline, base_iri=ws.settings.base_iri)
    judge = AxiomJudge(pipeline, client=client)
    if not calibrated:
        judge.calibration = None
    ctx = judge.context(docs)

    async def run() -> tuple[list, list]:
        resolved = await resolver.arun(candidates, client)
        return resolved, await judge.arun(resolved, ctx=ctx)

    resolved, judgments = asyncio.run(run())
    return lines, resolved, judgments, ctx


def _judge_client(ws: Workspace) -> LLMClient | None:
    return None if ws.llm.is_offline("judge") else ws.llm
