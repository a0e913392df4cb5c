"""Fact -> quads. The shape (see docs/readme/50-graph.md):

    GRAPH <assertion/{h}> { s p o }                       # one named graph per accepted triple
    GRAPH sro:provenance-graph {
      <assertion/{h}> a sro:Assertion ; sro:score max ; sro:sourceCount n ; sro:evidence E ;
                      sro:unit "kW" ; sro:qualifier Q .    # qualifiers belong to the assertion
      E a sro:Evidence, prov:Entity ; prov:wasDerivedFrom <doc> ; prov:wasGeneratedBy <activity> ;
        prov:generatedAtTime t ; sro:quote ; sro:charStart ; sro:charEnd ; sro:chunk ; sro:extractor ;
        sro:model ; sro:score ; sro:verdict ; sro:campaign ; sro:node ; sro:axiomScore X .
      X a sro:AxiomScore ; sro:axiom "name" ; sro:value 0.9 .
      <activity> a prov:Activity ; sro:campaign ; sro:node .
    }

Aggregates (sro:score = max over evidence, sro:sourceCount) are written here for a new assertion and
recomputed by `merge_update()` when a second source arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from graph_store import vocab as v
from graph_store.model import EntityRecord, Fact
from graph_store.terms import to_ox
from graph_store.vocab import PROV, RDF, RDFS, SKOS, SRO, XSD

PG = v.PROVENANCE_GRAPH
_QUAL_PROPS = {k: SRO[k] for k in v.KNOWN_QUALIFIERS}


def _dec(x: float) -> Literal:
    # xsd:decimal keeps scores exact and comparable across engines (no float formatting surprises)
    return Literal(str(Decimal(repr(float(x)))), datatype=XSD.decimal)


def _int(x: int) -> Literal:
    return Literal(str(int(x)), datatype=XSD.integer)


@dataclass
class FactQuads:
    """The quads of one fact split by what they describe, so the caller can skip parts that exist."""

    assertion: str
    evidence: str
    assertion_quads: list[Quad] = field(default_factory=list)  # triple + assertion node + aggregates
    evidence_quads: list[Quad] = field(default_factory=list)  # evidence node, axiom scores, activity


def fact_iris(fact: Fact) -> tuple[str, str]:
    s, p, o = NamedNode(fact.subject), NamedNode(fact.predicate), to_ox(fact.object)
    a = v.assertion_iri(str(s), str(p), str(o), fact.qualifiers)
    pr = fact.provenance
    return a, v.evidence_iri(a, pr.source, pr.chunk, pr.char_start, pr.char_end)


def fact_quads(fact: Fact) -> FactQuads:
    s, p, o = NamedNode(fact.subject), NamedNode(fact.predicate), to_ox(fact.object)
    a_iri = v.assertion_iri(str(s), str(p), str(o), fact.qualifiers)
    pr = fact.provenance
    e_iri = v.evidence_iri(a_iri, pr.source, pr.chunk, pr.char_start, pr.char_end)
    a, e = NamedNode(a_iri), NamedNode(e_iri)
    out = FactQuads(a_iri, e_iri)
    aq = out.assertion_quads
    aq.append(Quad(s, p, o, a))
    aq.append(Quad(a, RDF.type, SRO.Assertion, PG))
    aq.append(Quad(a, SRO.score, _dec(pr.score), PG))
    aq.append(Quad(a, SRO.sourceCount, _int(1), PG))
    for key, value in fact.qualifiers.items():
        prop = _QUAL_PROPS.get(key)
        if prop is not None:
            aq.append(Quad(a, prop, Literal(value), PG))
        else:
            q = NamedNode(v.qualifier_iri(a_iri, key))
            aq += [Quad(a, SRO.qualifier, q, PG), Quad(q, SRO.key, Literal(key), PG),
                   Quad(q, SRO.value, Literal(value), PG)]
    out.evidence_quads = evidence_quads(a, e, fact)
    return out


def evidence_quads(a: NamedNode, e: NamedNode, fact: Fact) -> list[Quad]:
    pr = fact.provenance
    act = NamedNode(v.activity_iri(pr.campaign, pr.node, pr.extractor))
    eq = [
        Quad(a, SRO.evidence, e, PG),
        Quad(e, RDF.type, SRO.Evidence, PG),
        Quad(e, PROV.wasDerivedFrom, NamedNode(pr.source), PG),
        Quad(e, PROV.wasGeneratedBy, act, PG),
        Quad(e, PROV.generatedAtTime, Literal(pr.generated_at.isoformat(), datatype=XSD.dateTime), PG),
        Quad(e, SRO.extractor, Literal(pr.extractor), PG),
        Quad(e, SRO.score, _dec(pr.score), PG),
        Quad(e, SRO.verdict, Literal(pr.verdict), PG),
        Quad(act, RDF.type, PROV.Activity, PG),
    ]
    optional = ((SRO.quote, pr.quote, Literal), (SRO.chunk, pr.chunk, Literal), (SRO.model, pr.model, Literal),
                (SRO.charStart, pr.char_start, _int), (SRO.charEnd, pr.char_end, _int),
                (SRO.campaign, pr.campaign, Literal), (SRO.node, pr.node, Literal))
    for prop, value, make in optional:
        if value is not None:
            eq.append(Quad(e, prop, make(value), PG))
    for prop, value in ((SRO.campaign, pr.campaign), (SRO.node, pr.node)):
        if value is not None:
            eq.append(Quad(act, prop, Literal(value), PG))
    for axiom, score in pr.axiom_scores.items():
        x = NamedNode(v.axiom_score_iri(e.value, axiom))
        eq += [Quad(e, SRO.axiomScore, x, PG), Quad(x, RDF.type, SRO.AxiomScore, PG),
               Quad(x, SRO.axiom, Literal(axiom), PG), Quad(x, SRO.value, _dec(score), PG)]
    return eq


def entity_quads(rec: EntityRecord) -> list[Quad]:
    g, e = v.ENTITIES_GRAPH, NamedNode(rec.iri)
    lit = (lambda t: Literal(t, language=rec.lang)) if rec.lang else Literal
    out = [Quad(e, RDF.type, NamedNode(t), g) for t in rec.types]
    if rec.label:
        out.append(Quad(e, RDFS.label, lit(rec.label), g))
    out += [Quad(e, SKOS.altLabel, lit(alias), g) for alias in rec.aliases]
    return out


def merge_update(assertions: list[str], prologue: bool = True) -> str:
    """SPARQL Update recomputing sro:score (max) and sro:sourceCount for assertions that gained a source.
    The IRIs are our own hex-hash IRIs, re-validated before they are written."""
    values = " ".join(f"<{NamedNode(a).value}>" for a in assertions if v.is_assertion_iri(a))
    # oxigraph accepts a prologue only at the start of an update request, so callers chaining operations
    # put the prefixes first and pass prologue=False
    return (v.SPARQL_PREFIXES if prologue else "") + f"""
DELETE {{ GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:score ?s0 . ?a sro:sourceCount ?c0 }} }}
INSERT {{ GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:score ?max . ?a sro:sourceCount ?n }} }}
WHERE {{
  VALUES ?a {{ {values} }}
  {{ SELECT ?a (MAX(?s) AS ?max) (COUNT(DISTINCT ?e) AS ?n)
     WHERE {{ GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:evidence ?e . ?e sro:score ?s }} }} GROUP BY ?a }}
  OPTIONAL {{ GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:score ?s0 }} }}
  OPTIONAL {{ GRAPH <{v.PROVENANCE_GRAPH_IRI}> {{ ?a sro:sourceCount ?c0 }} }}
}}"""
