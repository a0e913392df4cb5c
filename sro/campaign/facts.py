"""The evidence of a report: every accepted fact in the graph whose sources are documents of the campaign's
datasets, whichever run put it there (`sro extract`, this campaign, an earlier one). The campaign's own
findings are marked (`own`: some evidence of the fact carries `sro:campaign` = this campaign).

Two SPARQL queries (user values as bindings, never spliced) and one parameterised DuckDB query that keeps
the documents of the datasets and gives each its source link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from sro.triples.store import id_list

if TYPE_CHECKING:
    from collections.abc import Iterable
    import duckdb

    from graph_store.terms import OxTerm
    from pipelines import Pipeline
    from sro.workspace import Workspace

EVIDENCE_QUERY = """
SELECT ?a ?s ?p ?o ?score ?quote ?doc ?start ?end ?campaign ?slabel ?olabel WHERE {
  GRAPH <https://sro.dev/graph/provenance> {
    ?a sro:evidence ?e ; sro:score ?score .
    ?e prov:wasDerivedFrom ?doc ; sro:verdict "accepted" .
    OPTIONAL { ?e sro:quote ?quote }
    OPTIONAL { ?e sro:charStart ?start }
    OPTIONAL { ?e sro:charEnd ?end }
    OPTIONAL { ?e sro:campaign ?campaign }
  }
  GRAPH ?a { ?s ?p ?o }
  OPTIONAL { GRAPH <https://sro.dev/graph/entities> { ?s rdfs:label ?slabel } }
  OPTIONAL { GRAPH <https://sro.dev/graph/entities> { ?o rdfs:label ?olabel } }
}
"""
QUALIFIER_QUERY = """
SELECT ?a ?key ?value WHERE {
  GRAPH <https://sro.dev/graph/provenance> {
    { ?a sro:unit ?value BIND("unit" AS ?key) } UNION { ?a sro:currency ?value BIND("currency" AS ?key) }
    UNION { ?a sro:qualifier ?q . ?q sro:key ?key ; sro:value ?value }
  }
}
"""


@dataclass
class Evidence:
    doc_id: str
    source_uri: str
    start: int | None
    end: int | None
    quote: str
    own: bool  # written by this campaign


@dataclass
class KeyFact:
    assertion: str
    subject: str
    predicate: str  # local name ("paybackPeriod", or a raw verb such as "miss")
    object: str  # label or lexical value
    score: float
    named: bool  # one of the pipeline's named predicates (raw verb relations are not)
    label: str = ""  # the pipeline's label for the predicate
    qualifiers: dict[str, str] = field(default_factory=dict)  # unit, currency, period, system_size_kw, ...
    evidence: list[Evidence] = field(default_factory=list)
    assertions: list[str] = field(default_factory=list)  # graph assertions that read as this fact
    keys: set[tuple[str, str, str, bool]] = field(default_factory=set)  # readings of the planner's key (`_keys`)
    found: bool = False  # the campaign's planner recorded it (its own evidence may predate the campaign)

    def __post_init__(self) -> None:
        self.assertions = self.assertions or [self.assertion]

    @property
    def own(self) -> bool:
        return self.found or any(e.own for e in self.evidence)

    @property
    def number(self) -> float | None:
        try:
            return float(self.object.replace(",", ""))
        except ValueError:
            return None

    @property
    def quotes(self) -> list[str]:
        return [e.quote for e in self.evidence if e.quote]

    @property
    def docs(self) -> list[str]:
        return list(dict.fromkeys(e.doc_id for e in self.evidence))

    def line(self) -> str:
        return f"{self.subject} — {self.label or self.predicate} — {self.object}"


def local_name(iri: str) -> str:
    return unquote(iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1])


def label(term: OxTerm | str | None) -> str:
    """A readable name for an IRI (local name, unquoted) or the value of a literal."""
    text = str(getattr(term, "value", term) or "")
    if text.startswith(("http://", "https://", "urn:")):
        return local_name(text).replace("_", " ")
    return text


def documents_of(con: duckdb.DuckDBPyConnection, datasets: list[str], doc_ids: set[str]) -> dict[str, str]:
    """doc id -> source_uri, for the ids that belong to `datasets`."""
    if not doc_ids or not datasets:
        return {}
    rows = con.execute(
        "SELECT id, source_uri FROM documents WHERE dataset IN (SELECT unnest(string_split(?, chr(31)))) "
        "AND id IN (SELECT unnest(string_split(?, chr(31))))", [id_list(datasets), id_list(doc_ids)]).fetchall()
    return {doc_id: uri or "" for doc_id, uri in rows}


def doc_id_of(iri: str, base: str) -> str | None:
    prefix = base + "doc/"
    return unquote(iri[len(prefix):]) if iri.startswith(prefix) else None


def gather_facts(ws: Workspace, campaign: str, datasets: list[str], pipeline: Pipeline,
                 seen: set[str]) -> list[KeyFact]:
    """Accepted facts with evidence in the campaign's datasets, merged when they read the same, sorted by
    score (then by how many documents support them). `seen`: the campaign's triple keys (mcts_seen), which
    mark its own findings also when their evidence was already in the graph (evidence IRIs do not depend
    on the campaign, so a fact `sro extract` stored first keeps that evidence node)."""
    from graph_store.vocab import SPARQL_PREFIXES

    rows = ws.graph.query(SPARQL_PREFIXES + EVIDENCE_QUERY).terms
    base = ws.settings.base_iri
    wanted = {d for d in (doc_id_of(r[6].value, base) for r in rows) if d}
    sources = documents_of(ws.db.cursor(), list(datasets), wanted)
    facts: dict[str, KeyFact] = {}
    for a, s, p, o, score, quote, doc, start, end, camp, slabel, olabel in rows:
        doc_id = doc_id_of(doc.value, base)
        if doc_id not in sources:
            continue
        fact = facts.get(a.value)
        if fact is None:
            fact = facts[a.value] = _fact(a.value, s, p, o, float(score.value), slabel, olabel, pipeline)
        ev = Evidence(doc_id, sources[doc_id], _int(start), _int(end), quote.value if quote else "",
                      camp is not None and camp.value == campaign)
        _add_evidence(fact, ev)
    _qualify(ws, facts)
    for fact in facts.values():
        fact.found = bool(_own_keys(fact) & seen)
    return sorted(_merge(facts.values()), key=lambda f: (-f.score, -len(f.docs), f.assertion))


def _fact(a: str, s: OxTerm, p: OxTerm, o: OxTerm, score: float, slabel: OxTerm | None, olabel: OxTerm | None,
          pipeline: Pipeline) -> KeyFact:
    name = local_name(p.value)
    named = bool(pipeline.base_iri) and p.value == f"{pipeline.base_iri}{name}" and pipeline.predicate(name)
    pdef = pipeline.predicate(name) if named else None
    return KeyFact(a, str(slabel.value) if slabel else label(s), name, str(olabel.value) if olabel else label(o),
                   score, bool(named), (pdef.label or name) if pdef else name, keys=_keys(s, p, o))


XSD = "http://www.w3.org/2001/XMLSchema#"
DATATYPES = {"decimal": ("decimal", "money"), "integer": ("integer",), "duration": ("duration",),
             "date": ("date",), "gYear": ("date",), "gYearMonth": ("date",), "boolean": ("boolean",)}


def _keys(s: OxTerm, p: OxTerm, o: OxTerm) -> set[tuple[str, str, str, bool]]:
    """Readings of the planner's key of a fact (sro/mcts/expand_rlm.triple_info): the object IRI, or
    "datatype:value:unit" of the candidate's literal. The graph keeps xsd:decimal for decimal and money
    alike and the unit as a qualifier, so each reading is kept; `_own_keys` adds the unit."""
    if not hasattr(o, "datatype"):
        return {(s.value, p.value, o.value, False)}
    kinds = DATATYPES.get(o.datatype.value.removeprefix(XSD), ("string",))
    return {(s.value, p.value, f"{k}:{o.value}", True) for k in kinds}


def _own_keys(fact: KeyFact) -> set[str]:
    from sro.mcts.expand import triple_key

    unit = fact.qualifiers.get("unit", "")
    return {triple_key(s, p, f"{o}:{unit}" if literal else o) for s, p, o, literal in fact.keys}


def _add_evidence(fact: KeyFact, ev: Evidence) -> None:
    for i, old in enumerate(fact.evidence):
        if (old.doc_id, old.start, old.end) == (ev.doc_id, ev.start, ev.end):
            fact.evidence[i].own = old.own or ev.own
            return
    fact.evidence.append(ev)


def _int(term: OxTerm | None) -> int | None:
    return int(term.value) if term is not None else None


def _qualify(ws: Workspace, facts: dict[str, KeyFact]) -> None:
    from graph_store.vocab import SPARQL_PREFIXES

    for a, key, value in ws.graph.query(SPARQL_PREFIXES + QUALIFIER_QUERY).terms:
        fact = facts.get(a.value)
        if fact is not None:
            fact.qualifiers[key.value] = value.value


def _merge(facts: Iterable[KeyFact]) -> list[KeyFact]:
    """Assertions that read the same (same subject, predicate, object and qualifiers) are shown once."""
    merged: dict[tuple, KeyFact] = {}
    for fact in facts:
        key = (fact.subject, fact.predicate, fact.object, tuple(sorted(fact.qualifiers.items())))
        into = merged.setdefault(key, fact)
        if into is not fact:
            into.score = max(into.score, fact.score)
            into.assertions += fact.assertions
            for ev in fact.evidence:
                _add_evidence(into, ev)
    return list(merged.values())


NUMBER_RE = re.compile(r"(?:\$\s?)?\d[\d,]*(?:\.\d+)?(?:\s?k\b)?", re.I)


def highlight(fact: KeyFact, quote: str) -> tuple[int, int] | None:
    """Where in `quote` the fact's object is stated: the number equal to a numeric object (so "$28,100"
    and "28.1k" match 28100), else the object's label; None when neither is found verbatim."""
    value = fact.number
    if value is not None:
        for m in NUMBER_RE.finditer(quote):
            if _number(m.group(0)) == value:
                return m.start(), m.end()
    text = fact.object.strip()
    at = quote.lower().find(text.lower()) if text else -1
    return (at, at + len(text)) if at >= 0 else None


def _number(text: str) -> float | None:
    raw = text.replace("$", "").replace(",", "").strip().lower()
    scale = 1000.0 if raw.endswith("k") else 1.0
    try:
        return float(raw.rstrip("k").strip()) * scale
    except ValueError:
        return None
