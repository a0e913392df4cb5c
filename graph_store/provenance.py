"""Fact -> quads. The shape (see README.md, "The graph"):

    GRAPH <assertion/{h}> { s p o }                       # one named graph per accepted triple
    GRAPH sro:provenance-graph {
      <assertion/{h}> a sro:Assertion ; sro:score max ; sro:sourceCount n ; sro:evidence E ;
                      sro:unit "kW" ; sro:qualifier Q .    # qualifiers belong to the assertion
      E a sro:Evidence ; prov:wasDerivedFrom <doc> ; prov:wasGeneratedBy <activity> ;
        prov:generatedAtTime t ; sro:quote ; sro:charStart ; sro:charEnd ; sro:chunk ; sro:extractor ;
        sro:model ; sro:score ; sro:verdict ; sro:campaign ; sro:node ; axiom:grounding 0.9 ; axiom:… .
      <activity> a prov:Activity ; sro:campaign ; sro:node .
      axiom:grounding rdfs:subPropertyOf sro:axiomScore ; rdfs:label "grounding" .   # once per axiom name
    }

An axiom score is one quad (`axiom:{name}`, a sub-property of sro:axiomScore): a node per score took four, and
with ~8 axioms per fact those nodes were most of the store, which made every index larger and every query read
more blocks.

Aggregates (sro:score = max over evidence, sro:sourceCount) are written here for a new assertion and
recomputed by `merge_update()` when a second source arrives.

Quads are built as text tuples (s, p, o, g) in N-Quads term syntax, not as pyoxigraph Quad objects: a Quad
costs a few microseconds to construct and a fact has ~30 of them, which would dominate bulk loads. Every term
goes through `terms.lit_text` / validated IRIs, and that text is valid in both N-Quads and SPARQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from graph_store import vocab as v
from graph_store.model import EntityRecord, Fact
from graph_store.terms import lit_text, term_text

QuadText = tuple[str, str, str, str]


def _iri(value: str) -> str:
    return f"<{value}>"


PG = _iri(v.PROVENANCE_GRAPH_IRI)
TYPE = _iri(v.RDF_NS + "type")
ASSERTION, EVIDENCE = _iri(v.NS + "Assertion"), _iri(v.NS + "Evidence")
AXIOM_SCORE, SUB_PROPERTY_OF, LABEL = _iri(v.NS + "axiomScore"), _iri(v.RDFS_NS + "subPropertyOf"), \
    _iri(v.RDFS_NS + "label")
ACTIVITY = _iri(v.PROV_NS + "Activity")
MARKER_TYPES = (ASSERTION, EVIDENCE)  # "already stored" is decided by these two quads only
S = {n: _iri(v.NS + n) for n in (
    "score", "sourceCount", "evidence", "qualifier", "key", "value", "quote", "chunk", "model", "charStart",
    "charEnd", "campaign", "node", "extractor", "verdict", *v.KNOWN_QUALIFIERS)}
P_DERIVED, P_GENERATED_BY, P_GENERATED_AT = (_iri(v.PROV_NS + n) for n in
                                             ("wasDerivedFrom", "wasGeneratedBy", "generatedAtTime"))
XSD_DECIMAL, XSD_INTEGER, XSD_DATETIME = (v.XSD_NS + n for n in ("decimal", "integer", "dateTime"))
ONE = lit_text("1", XSD_INTEGER)


# Scores (3 decimals), extractor, verdict, model, campaign, node, axiom names and times repeat across millions of
# facts: their literal text is cached (bulk loads spent ~45 us per fact building quads, a third of it here).
# Quotes and chunks are mostly unique and go through lit_text each time.
_lit = lru_cache(maxsize=8192)(lit_text)


@lru_cache(maxsize=8192)
def _dec(x: float) -> str:
    # xsd:decimal keeps scores exact and comparable across engines; format "f" avoids "1E-7" (not a decimal)
    return lit_text(format(Decimal(repr(float(x))), "f"), XSD_DECIMAL)


@lru_cache(maxsize=1024)
def _time(t: datetime, _offset: object) -> str:
    # keyed with the UTC offset too: equal instants in different offsets are equal keys but other text
    return lit_text(t.isoformat(), XSD_DATETIME)


def _int(x: int) -> str:
    return lit_text(str(int(x)), XSD_INTEGER)


@dataclass
class FactQuads:
    """The quads of one fact split by what they describe, so the caller can skip parts that exist."""

    assertion: str
    evidence: str
    assertion_quads: list[QuadText] = field(default_factory=list)  # triple + assertion node + aggregates
    evidence_quads: list[QuadText] = field(default_factory=list)  # evidence node, axiom scores, activity
    axioms: tuple[str, ...] = ()  # axiom names scored: their declarations go with the batch


def fact_quads(fact: Fact) -> FactQuads:
    s, p, o = _iri(fact.subject), _iri(fact.predicate), term_text(fact.object)
    a_iri = v.assertion_iri(s, p, o, fact.qualifiers)
    pr = fact.provenance
    e_iri = v.evidence_iri(a_iri, pr.source, pr.chunk, pr.char_start, pr.char_end)
    a, score = _iri(a_iri), _dec(pr.score)
    aq = [(s, p, o, a), (a, TYPE, ASSERTION, PG), (a, S["score"], score, PG), (a, S["sourceCount"], ONE, PG)]
    for key, value in fact.qualifiers.items():
        if key in v.KNOWN_QUALIFIERS:
            aq.append((a, S[key], _lit(value), PG))
        else:
            q = _iri(v.qualifier_iri(a_iri, key))
            aq += [(a, S["qualifier"], q, PG), (q, S["key"], _lit(key), PG), (q, S["value"], _lit(value), PG)]
    return FactQuads(a_iri, e_iri, aq, evidence_quads(a, e_iri, fact, score), tuple(pr.axiom_scores))


def evidence_quads(a: str, e_iri: str, fact: Fact, score: str | None = None) -> list[QuadText]:
    pr, e = fact.provenance, _iri(e_iri)
    act = _iri(v.activity_iri(pr.campaign, pr.node, pr.extractor))
    eq = [
        (a, S["evidence"], e, PG),
        (e, TYPE, EVIDENCE, PG),
        (e, P_DERIVED, _iri(pr.source), PG),
        (e, P_GENERATED_BY, act, PG),
        (e, P_GENERATED_AT, _time(pr.generated_at, pr.generated_at.utcoffset()), PG),
        (e, S["extractor"], _lit(pr.extractor), PG),
        (e, S["score"], score or _dec(pr.score), PG),
        (e, S["verdict"], _lit(pr.verdict), PG),
        (act, TYPE, ACTIVITY, PG),
    ]
    for key, value in (("quote", pr.quote), ("chunk", pr.chunk)):
        if value is not None:
            eq.append((e, S[key], lit_text(value), PG))
    if pr.model is not None:
        eq.append((e, S["model"], _lit(pr.model), PG))
    for key, number in (("charStart", pr.char_start), ("charEnd", pr.char_end)):
        if number is not None:
            eq.append((e, S[key], _int(number), PG))
    for key, value in (("campaign", pr.campaign), ("node", pr.node)):
        if value is not None:
            text = _lit(value)
            eq += [(e, S[key], text, PG), (act, S[key], text, PG)]
    eq += [(e, _axiom(axiom), _dec(value), PG) for axiom, value in pr.axiom_scores.items()]
    return eq


@lru_cache(maxsize=1024)
def _axiom(name: str) -> str:
    return _iri(v.axiom_property_iri(name))


def axiom_declarations(names: set[str]) -> list[QuadText]:
    """`axiom:{name} rdfs:subPropertyOf sro:axiomScore ; rdfs:label "name"`, written with every batch that uses
    the axiom (quads are a set, so repeats cost nothing), so `?e ?axiom ?v . ?axiom rdfs:subPropertyOf
    sro:axiomScore` finds all scores of an evidence node, including axioms added after the vocabulary."""
    return [q for name in sorted(names) for q in ((_axiom(name), SUB_PROPERTY_OF, AXIOM_SCORE, PG),
                                                  (_axiom(name), LABEL, _lit(name), PG))]


def entity_quads(rec: EntityRecord) -> list[QuadText]:
    g, e = _iri(v.ENTITIES_GRAPH_IRI), _iri(rec.iri)
    out = [(e, TYPE, _iri(t), g) for t in rec.types]
    if rec.label:
        out.append((e, _iri(v.RDFS_NS + "label"), lit_text(rec.label, lang=rec.lang), g))
    out += [(e, _iri(v.SKOS_NS + "altLabel"), lit_text(alias, lang=rec.lang), g) for alias in rec.aliases]
    return out


def nquads(quads: list[QuadText]) -> str:
    return "".join(f"{s} {p} {o} {g} .\n" for s, p, o, g in quads)


def is_marker(q: QuadText) -> bool:
    return q[1] == TYPE and q[2] in MARKER_TYPES


AXIOM_NODES_BATCH = 50_000
_OLD_AXIOM_NODE = (f"GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?e sro:axiomScore ?x . ?x a sro:AxiomScore ; "
                   "sro:axiom ?name ; sro:value ?value } FILTER(isLiteral(?name))")
AXIOM_NODES_LEFT = v.SPARQL_PREFIXES + f"ASK {{ {_OLD_AXIOM_NODE} }}"


def axiom_nodes_update() -> str:
    """SPARQL Update rewriting up to AXIOM_NODES_BATCH axiom-score nodes of the earlier shape (`?e sro:axiomScore
    ?x . ?x a sro:AxiomScore ; sro:axiom "name" ; sro:value 0.9`) as `?e axiom:name 0.9` plus the declaration;
    run it while AXIOM_NODES_LEFT is true. ENCODE_FOR_URI escapes exactly what `vocab.axiom_property_iri`
    escapes (all but A-Z a-z 0-9 - . _ ~)."""
    pg = f"GRAPH <{v.PROVENANCE_GRAPH_IRI}>"
    return v.SPARQL_PREFIXES + f"""
DELETE {{ {pg} {{ ?e sro:axiomScore ?x . ?x a sro:AxiomScore ; sro:axiom ?name ; sro:value ?value }} }}
INSERT {{ {pg} {{ ?e ?prop ?value . ?prop rdfs:subPropertyOf sro:axiomScore ; rdfs:label ?name }} }}
WHERE {{
  {{ SELECT ?e ?x ?name ?value WHERE {{ {_OLD_AXIOM_NODE} }} LIMIT {AXIOM_NODES_BATCH} }}
  BIND(IRI(CONCAT(STR(axiom:), ENCODE_FOR_URI(?name))) AS ?prop)
}}"""


def merge_update(assertions: list[str], prologue: bool = True) -> str:
    """SPARQL Update recomputing sro:score (max) and sro:sourceCount for assertions that gained a source.
    The IRIs are our own hex-hash IRIs, re-validated before they are written. The VALUES block sits inside the
    aggregating subquery: outside it, the engine grouped every assertion in the store before the join (a cost
    that grew with the store, ~5x the whole update at 10k facts)."""
    values = " ".join(f"<{a}>" for a in assertions if v.is_assertion_iri(a) and a.isascii())
    # oxigraph accepts a prologue only at the start of an update request, so callers chaining operations
    # put the prefixes first and pass prologue=False
    return (v.SPARQL_PREFIXES if prologue else "") + f"""
DELETE {{ GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:score ?s0 . ?a sro:sourceCount ?c0 }} }}
INSERT {{ GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:score ?max . ?a sro:sourceCount ?n }} }}
WHERE {{
  {{ SELECT ?a (MAX(?s) AS ?max) (COUNT(DISTINCT ?e) AS ?n)
     WHERE {{ VALUES ?a {{ {values} }} GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:evidence ?e . ?e sro:score ?s }} }}
     GROUP BY ?a }}
  OPTIONAL {{ GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:score ?s0 }} }}
  OPTIONAL {{ GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:sourceCount ?c0 }} }}
}}"""
