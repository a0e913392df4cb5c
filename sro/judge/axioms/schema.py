"""Schema: the triple fits the ontology.

Three checks, the lowest wins:
1. declared range/domain of an ontology predicate (datatype ranges need a literal of that type, class
   ranges need an entity, typed entities must match);
2. a lexical range check for any predicate: words in the predicate name ("location", "architect",
   "population", "date") imply the kind of object (place, person, number, date); the object's named-entity
   label in the quote's parse must not contradict it (a person where a place is expected);
3. SHACL shapes (pyshacl), when the pipeline has shapes.ttl, run once per batch in `shacl_batch`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from sro.nlp.models import Candidate, Entity, Value
from sro.nlp.predicates import split_camel
from sro.judge.axioms.mentions import locate_term
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

if TYPE_CHECKING:
    import rdflib

    from pipelines import PredicateDef
    from sro.nlp.predicates import PredicateMapper

NAME = "schema"
DATATYPES = {"decimal": {"decimal", "integer"}, "integer": {"integer"}, "date": {"date"}, "duration": {"duration"},
             "money": {"money"}, "string": {"string", "decimal", "integer", "date", "money", "duration"},
             "boolean": {"boolean"}}
# word in a predicate name -> the kind of object it implies
CUES = {
    "place": "location located country city state region place birthplace deathplace ground headquarters "
             "headquarter capital residence hometown county province continent venue",
    "person": "architect leader manager creator author spouse founder president director producer chairman "
              "coach designer father mother child successor predecessor governor mayor editor composer writer "
              "starring dean chancellor spouse",
    "org": "organisation organization broadcasted broadcast operator league club affiliation almamater team "
           "employer publisher manufacturer",
    "date": "date year established birthdate deathdate aired",
    "number": "population length area capacity elevation height runway mass weight budget gross density "
              "width diameter temperature apoapsis periapsis period price cost amount number members member "
              "employees students",
}
CUE = {word: kind for kind, words in CUES.items() for word in words.split()}
ORG_WORDS = {"university", "school", "college", "institute", "council", "club", "company", "corporation", "inc",
             "band", "party", "association", "agency", "organisation", "organization", "fc", "ltd", "airline",
             "bank", "records", "league", "committee", "army", "force", "navy", "ministry", "department"}
# The US postal codes: spaCy's small model tags a bare "CO", "NJ" or "CT" as an organisation.
US_STATE_CODES = set("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
                     "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split())
LABEL_KIND = {"GPE": "place", "LOC": "place", "FAC": "place", "PERSON": "person", "DATE": "date", "ORG": "org",
              "CARDINAL": "number", "QUANTITY": "number", "MONEY": "number", "PERCENT": "number"}
COMPATIBLE = {"place": {"place"}, "person": {"person"}, "date": {"date", "number"}, "number": {"number"},
              "org": {"org"}}


def expected_kind(predicate: str) -> str | None:
    words = split_camel(predicate).lower().split()
    if "".join(words) in CUE:
        return CUE["".join(words)]
    # the last cue word is the head noun: "birthPlace" -> place, "populationTotal" -> population
    return next((CUE[w] for w in reversed(words) if w in CUE), None)


def observed_kind(c: Candidate, ctx: JudgeContext) -> str | None:
    obj = c.object
    if isinstance(obj, Value):
        return {"date": "date", "decimal": "number", "integer": "number", "money": "number",
                "duration": "number"}.get(obj.datatype)
    if obj.text.strip() in US_STATE_CODES:
        return "place"
    words = set(re.findall(r"[a-z]+", obj.text.lower()))
    if words & ORG_WORDS:
        return "org"  # the head words say organisation, whatever the NER model thinks
    support, start, end = locate_term(obj, c.evidence.quote)
    if support < 0.6 or end <= start:
        return None
    doc = ctx.cache.parse(c.evidence.quote)
    span = doc.char_span(start, end, alignment_mode="expand")
    labels = [t.ent_type_ for t in span or () if t.ent_type_]
    if not labels:
        return None
    # The most frequent label; a tie goes to the head word's label, else the first (was max(set(...)):
    # string hashing made ties such as PERSON/FAC in "Adolfo Suárez Madrid–Barajas Airport" random per run).
    top = max(map(labels.count, labels))
    tied = [label for label in dict.fromkeys(labels) if labels.count(label) == top]
    label = span.root.ent_type_ if span.root.ent_type_ in tied else tied[0]
    return LABEL_KIND.get(label, "other")


def _declared(c: Candidate, pred: "PredicateDef") -> tuple[float, str]:
    rng = pred.range
    if rng in DATATYPES:
        if not isinstance(c.object, Value):
            return 0.2, f"{pred.name} expects a {rng} literal, got entity {c.object.text!r}"
        if c.object.datatype not in DATATYPES[rng]:
            return 0.3, f"{pred.name} expects {rng}, got {c.object.datatype}"
    elif rng:
        if isinstance(c.object, Value):
            return 0.3, f"{pred.name} expects a {rng} entity, got a {c.object.datatype} literal"
        if c.object.type and c.object.type != rng:
            return 0.7, f"object typed {c.object.type}, range is {rng}"
    if pred.domain and c.subject.type and c.subject.type != pred.domain:
        return 0.7, f"subject typed {c.subject.type}, domain is {pred.domain}"
    return 1.0, f"fits {pred.name}'s domain/range"


def score(c: Candidate, ctx: JudgeContext) -> AxiomScore:
    pred = ctx.predicate_by_iri.get(c.predicate_iri or "")
    value, reason = _declared(c, pred) if pred else (1.0, "predicate not in the ontology (no declared range)")
    local = re.split(r"[#/]", c.predicate_iri or c.predicate)[-1]
    want = expected_kind(local) or expected_kind(c.predicate)
    if want and value > 0.2:
        got = observed_kind(c, ctx)
        if want in ("number", "date") and isinstance(c.object, Entity) and not any(ch.isdigit() for ch in c.object.text):
            value, reason = 0.2, f"{local} implies a {want}; object {c.object.text!r} has no number in it"
        elif got in COMPATIBLE and got not in COMPATIBLE[want]:
            value, reason = 0.2, f"{local} implies a {want} object; the quote marks {c.object.text!r} as {got}"
    return AxiomScore.of(NAME, value, reason=reason)


@lru_cache(maxsize=8)
def _shapes(path: str):
    """Parsed shapes graph, once per file (pyshacl would re-parse the file for every batch)."""
    import rdflib

    return rdflib.Graph().parse(path, format="turtle")


def _data_graph(candidates: list[Candidate], mapper: "PredicateMapper") -> "rdflib.Graph":
    """The batch's triples and their entities' types. A batch repeats most of them (the same types, the same
    triple from several chunks): each distinct one is made into rdflib terms and added once, in the order
    first seen (rdflib's add was most of the graph's cost)."""
    import rdflib

    seen: dict[tuple[str, str, str, bool], None] = {}
    for c in candidates:
        if not (c.subject.iri and c.predicate_iri):
            continue
        entity = isinstance(c.object, Entity) and bool(c.object.iri)
        obj = c.object.iri if entity else c.object.value if isinstance(c.object, Value) else c.object.text
        seen[(c.subject.iri, c.predicate_iri, obj, entity)] = None
        for term, typ in ((c.subject, c.subject.type), (c.object, getattr(c.object, "type", None))):
            if typ and getattr(term, "iri", None):
                seen[(term.iri, RDF_TYPE, mapper.class_iri(typ), True)] = None
    data = rdflib.Graph()
    for s, p, o, entity in seen:
        data.add((rdflib.URIRef(s), rdflib.URIRef(p), rdflib.URIRef(o) if entity else rdflib.Literal(o)))
    return data


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def shacl_batch(candidates: list[Candidate], ctx: JudgeContext) -> dict[int, str]:
    """Index -> SHACL violation message, validating the whole batch in one pyshacl run."""
    shapes = ctx.pipeline.shapes_path
    if shapes is None or not candidates:
        return {}
    import pyshacl
    import rdflib

    from sro.nlp.predicates import PredicateMapper

    conforms, results, _ = pyshacl.validate(_data_graph(candidates, PredicateMapper(ctx.pipeline)),
                                            shacl_graph=_shapes(str(shapes)), inference="none")
    if conforms:
        return {}
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    bad: dict[tuple[str, str | None], str] = {}
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = str(results.value(result, sh.focusNode))
        path = results.value(result, sh.resultPath)
        bad[(focus, str(path) if path else None)] = str(results.value(result, sh.resultMessage) or "SHACL violation")
    out = {}
    for i, c in enumerate(candidates):
        msg = bad.get((c.subject.iri or "", c.predicate_iri)) or bad.get((c.subject.iri or "", None))
        if msg:
            out[i] = msg
    return out
