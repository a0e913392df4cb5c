"""VerifiedTriple -> graph_store Fact (with provenance) and EntityRecords (rdf:type, label, aliases)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from graph_store.model import EntityRecord, Fact, Iri, Lit, Provenance

from sro.extract import quantity
from sro.nlp.keys import document_iri
from sro.nlp.models import Entity, Value
from sro.judge.models import VerifiedTriple

if TYPE_CHECKING:
    from sro.nlp.predicates import PredicateMapper

_XSD_OF = {"decimal": "decimal", "integer": "integer", "money": "decimal", "duration": "duration",
           "boolean": "boolean"}


def literal(value: Value) -> Lit:
    if value.datatype == "date":
        v = value.value
        kind = "date" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) else "gYearMonth" if re.fullmatch(
            r"\d{4}-\d{2}", v) else "gYear" if re.fullmatch(r"\d{4}", v) else None
        return Lit(value=v, datatype=kind)
    return Lit(value=value.value, datatype=_XSD_OF.get(value.datatype))


def to_fact(t: VerifiedTriple, base_iri: str) -> Fact:
    c, j = t.candidate, t.judgment
    obj = Iri(value=t.object_iri) if t.object_iri else literal(c.object)  # type: ignore[arg-type]
    qualifiers = dict(c.qualifiers)
    if isinstance(c.object, Value):
        if c.object.unit:
            qualifiers.setdefault("unit", c.object.unit)
        if c.object.currency:
            qualifiers.setdefault("currency", c.object.currency)
        for name, value in quantity.qualifiers(c).items():
            qualifiers.setdefault(name, value)
    prov = Provenance(
        source=document_iri(base_iri, c.evidence.doc_id), chunk=c.evidence.chunk_id, quote=c.evidence.quote,
        char_start=c.evidence.start, char_end=c.evidence.end, extractor=c.extractor, model=c.model,
        score=j.total, axiom_scores={s.axiom: s.score for s in j.scores if not s.skipped}, verdict=j.verdict,
        campaign=c.campaign, node=c.node)
    return Fact(subject=t.subject_iri, predicate=t.predicate_iri, object=obj, qualifiers=qualifiers,
                provenance=prov)


def entity_records(triples: Iterable[VerifiedTriple], mapper: "PredicateMapper",
                   labels: dict[str, str] | None = None) -> list[EntityRecord]:
    """One record per entity IRI: types from the ontology, label (canonical), aliases (surface forms)."""
    records: dict[str, EntityRecord] = {}
    for t in triples:
        for term in (t.candidate.subject, t.candidate.object):
            if not isinstance(term, Entity) or not term.iri:
                continue
            rec = records.setdefault(term.iri, EntityRecord(iri=term.iri, label=(labels or {}).get(term.iri)
                                                            or term.label or term.text))
            if term.type:
                type_iri = mapper.class_iri(term.type)
                if type_iri not in rec.types:
                    rec.types.append(type_iri)
            if term.text != rec.label and term.text not in rec.aliases:
                rec.aliases.append(term.text)
    return list(records.values())
