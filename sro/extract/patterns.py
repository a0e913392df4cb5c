"""The pipeline Pattern engine: each declared regex match yields one candidate triple.

Patterns are how a domain pipeline (legal_contracts, solar_reddit) gets precise offline facts such as
"governing law", "term", "price paid". A template like "{amount}" is filled from the regex's named
groups. Subject "@document" stands for the source document itself, named from its title (or id).
The quote is the sentence (or sentences) holding the match, with exact document offsets.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from sro.errors import ExtractionError
from sro.extract import literals
from sro.nlp.models import Candidate, Entity, Evidence, Term, Value
from sro.nlp.sentences import Sentence, containing

if TYPE_CHECKING:
    from pipelines import Pattern, Pipeline
    from sro.data.models import Chunk, Document

_FIELD = re.compile(r"\{(\w+)\}")
_DATATYPES = {"string", "decimal", "integer", "money", "date", "duration", "boolean"}
LOOKBEHIND = 160  # characters before a match that a pattern's `not_preceded_by` sees


def fill(template: str, groups: dict[str, str | None]) -> str:
    return _FIELD.sub(lambda m: (groups.get(m.group(1)) or "").strip(), template).strip()


def document_entity(doc: "Document | None", chunk: "Chunk", type_: str | None) -> Entity:
    title = doc.title.strip() if doc and doc.title else ""
    # Long "titles" (first lines of EDGAR filings) make poor names: fall back to the document id.
    name = title if 0 < len(title) <= 100 else chunk.doc_id
    return Entity(text=name, type=type_, ref="document")


class PatternEngine:
    def __init__(self, pipeline: "Pipeline"):
        self.compiled: list[tuple["Pattern", re.Pattern[str]]] = []
        self.before: dict[str, re.Pattern[str]] = {}
        for pattern in pipeline.patterns:
            try:
                self.compiled.append((pattern, re.compile(pattern.regex, re.IGNORECASE | re.MULTILINE)))
                if pattern.not_preceded_by:
                    self.before[pattern.name] = re.compile(f"(?:{pattern.not_preceded_by})\\s*$", re.IGNORECASE)
            except re.error as exc:
                raise ExtractionError(f"pipeline {pipeline.name}: pattern {pattern.name!r}: bad regex: {exc}") \
                    from None

    def run(self, chunk: "Chunk", sents: list[Sentence], doc: "Document | None") -> Iterator[Candidate]:
        for pattern, regex in self.compiled:
            for match in regex.finditer(chunk.text):
                if pattern.within_chars is not None and chunk.start + match.start() >= pattern.within_chars:
                    break  # matches come in order: the rest lie further into the document
                before = self.before.get(pattern.name)
                if before is not None and before.search(chunk.text, max(0, match.start() - LOOKBEHIND),
                                                        match.start()):
                    continue
                candidate = self._candidate(pattern, match, chunk, sents, doc)
                if candidate is not None:
                    yield candidate

    def _candidate(self, pattern: "Pattern", match: re.Match[str], chunk: "Chunk", sents: list[Sentence],
                   doc: "Document | None") -> Candidate | None:
        groups = match.groupdict()
        start, end = containing(sents, match.start(), match.end())
        if pattern.subject == "@document":
            subject = document_entity(doc, chunk, pattern.subject_type)
        else:
            text = fill(pattern.subject, groups)
            if not text:
                return None
            subject = Entity(text=text, type=pattern.subject_type)
        obj = self._object(pattern, groups)
        if obj is None:
            return None
        evidence = Evidence(chunk_id=chunk.id, doc_id=chunk.doc_id, start=chunk.start + start,
                            end=chunk.start + end, quote=chunk.text[start:end])
        qualifiers = {k: v for k, t in pattern.qualifiers.items() if (v := fill(t, groups))}
        return Candidate(subject=subject, predicate=pattern.predicate, object=obj, qualifiers=qualifiers,
                         evidence=evidence, extractor=f"pattern:{pattern.name}")

    @staticmethod
    def _object(pattern: "Pattern", groups: dict[str, str | None]) -> Term | None:
        text = fill(pattern.object, groups)
        if not text:
            return None
        normal = None
        if pattern.normalizer:
            from pipelines import normalize

            normal = normalize.apply(pattern.normalizer, text)
            if normal is None:
                return None  # unreadable value: no answer rather than a guess
        if pattern.object_type == "entity":
            return Entity(text=text, type=pattern.object_class, label=normal)
        unit = (fill(pattern.unit, groups) if pattern.unit else "") or None
        currency = (fill(pattern.currency, groups) if pattern.currency else "") or None
        if normal is not None:
            datatype = pattern.object_type if pattern.object_type in _DATATYPES else "string"
            return Value(text=text, datatype=datatype, value=normal, unit=unit, currency=currency)
        value = literals.from_type(text, pattern.object_type, unit=unit, currency=currency)
        if value is not None and unit:
            value = value.model_copy(update={"unit": unit})
        return value
