"""Streaming export, fully-parsed import, and rdflib interop.

Export never copies the store into memory: quads stream from the backend through a filter into
pyoxigraph's streaming serializers. Flattening formats (turtle, ntriples, jsonld, rdfxml) drop graph names;
each assertion graph's triple is written as the plain triple *and* reified with the assertion IRI as the
statement id (`<assertion> a rdf:Statement; rdf:subject s; rdf:predicate p; rdf:object o`), so every
provenance statement about the assertion still describes that fact.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterable, Iterator

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from graph_store import vocab as v
from graph_store.errors import ImportFailed, InvalidTermError
from graph_store.terms import bind_value

if TYPE_CHECKING:
    from graph_store.base import BaseStore

QUAD_FORMATS = {"trig": RdfFormat.TRIG, "nquads": RdfFormat.N_QUADS}
FLAT_FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD,
                "rdfxml": RdfFormat.RDF_XML}
ALIASES = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "json-ld": "jsonld", "xml": "rdfxml",
           "rdf": "rdfxml", "n-triples": "ntriples", "n-quads": "nquads", "n3": "n3"}
NATIVE = {**QUAD_FORMATS, **FLAT_FORMATS, "n3": RdfFormat.N3}
_LINE = re.compile(r"line[: ]+(\d+)", re.IGNORECASE)


def format_name(fmt: str | None, path: str | None = None) -> str:
    name = (fmt or (Path(path).suffix.lstrip(".") if path else "")).lower()
    return ALIASES.get(name, name)


# --- export ------------------------------------------------------------------------------------------------
def _allowed(store: "BaseStore", min_score: float | None, campaign: str | None) -> tuple[set[str], set[str] | None]:
    """Assertions (and, with a campaign filter, evidence nodes) that pass the filters."""
    pg = f"GRAPH <{v.PROVENANCE_GRAPH_IRI}>"
    where = [f"{pg} {{ ?a a sro:Assertion }}"]
    binds: dict[str, Any] = {}
    if min_score is not None:
        where.append(f"{pg} {{ ?a sro:score ?s }} FILTER(?s >= ?min)")
        binds["min"] = bind_value(float(min_score))
    if campaign is not None:
        where.append(f"{pg} {{ ?a sro:evidence ?e . ?e sro:campaign ?c }}")
        binds["c"] = campaign
    res = store.query(v.SPARQL_PREFIXES + "SELECT ?a ?e WHERE { " + " ".join(where) + " }", binds)
    assertions = {row[0].value for row in res.terms}
    evidence = {row[1].value for row in res.terms} if campaign is not None else None
    return assertions, evidence


def _keep(q: Quad, assertions: set[str], evidence: set[str] | None, activity_prefix: str | None) -> bool:
    g = q.graph_name
    if not isinstance(g, NamedNode):
        return True
    if v.is_assertion_iri(g.value):
        return g.value in assertions
    if g.value != v.PROVENANCE_GRAPH_IRI or not isinstance(q.subject, NamedNode):
        return True
    s = q.subject.value
    if v.is_assertion_iri(s):
        if s not in assertions:
            return False
        return evidence is None or q.predicate != v.SRO.evidence or q.object.value in evidence
    if s.startswith(v.ASSERTION_BASE):
        owner = s.split("/evidence/")[0].split("/qualifier/")[0]
        if owner not in assertions:
            return False
        if evidence is not None and "/evidence/" in s:
            return s in evidence
    elif activity_prefix is not None and s.startswith(v.ACTIVITY_BASE):
        return s.startswith(activity_prefix)  # activities of other campaigns go with their evidence
    return True


def _flatten(quads: Iterable[Quad]) -> Iterator[Triple]:
    rdf = v.RDF
    for q in quads:
        yield q.triple
        g = q.graph_name
        if isinstance(g, NamedNode) and v.is_assertion_iri(g.value):
            yield Triple(g, rdf.type, rdf.Statement)
            yield Triple(g, rdf.subject, q.subject)
            yield Triple(g, rdf.predicate, q.predicate)
            yield Triple(g, rdf.object, q.object)


class _Counter:
    def __init__(self, items: Iterable[Any]):
        self.items, self.n = items, 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.n += 1
            yield item


def export_store(store: "BaseStore", fmt: str, out: str | IO[bytes], *, min_score: float | None = None,
                 campaign: str | None = None) -> int:
    """Write the store (optionally filtered) to `out`; returns the number of quads/triples written."""
    name = format_name(fmt)
    if name not in QUAD_FORMATS and name not in FLAT_FORMATS:
        raise InvalidTermError(f"unknown export format {fmt!r}; use trig, nquads, turtle, ntriples or jsonld")
    quads: Iterable[Quad] = store.iter_quads()
    if min_score is not None or campaign is not None:
        assertions, evidence = _allowed(store, min_score, campaign)
        act = v.activity_iri(campaign, "x", "")[:-1] if campaign is not None else None
        quads = (q for q in quads if _keep(q, assertions, evidence, act))
    items = _Counter(quads if name in QUAD_FORMATS else _flatten(quads))
    rdf_format = QUAD_FORMATS.get(name) or FLAT_FORMATS[name]
    prefixes = v.PREFIXES if name in ("trig", "turtle", "jsonld") else None
    serialize(items, out, rdf_format, prefixes=prefixes)
    return items.n


# --- import ------------------------------------------------------------------------------------------------
def parse_file(path: str, fmt: str | None = None) -> list[Quad]:
    """Parse a whole file into quads (pyoxigraph's native parsers, else rdflib). Raises ImportFailed with the
    line of the first error; nothing is written by this function, so a bad file never reaches the store."""
    if not Path(path).is_file():
        raise ImportFailed("no such file", path)
    name = format_name(fmt, path)
    if name in NATIVE:
        try:
            return list(parse(path=path, format=NATIVE[name]))
        except SyntaxError as exc:
            line = exc.lineno if isinstance(exc.lineno, int) else _line_of(str(exc))
            raise ImportFailed(str(exc.msg if hasattr(exc, "msg") else exc), path, line) from None
    return _parse_with_rdflib(path, name)


def _line_of(message: str) -> int | None:
    m = _LINE.search(message)
    return int(m.group(1)) if m else None


def _parse_with_rdflib(path: str, name: str) -> list[Quad]:
    import rdflib

    ds = rdflib.Dataset()
    try:
        ds.parse(path, format=name or None)
    except Exception as exc:  # rdflib's parsers raise many types; all mean "refused"
        raise ImportFailed(f"cannot parse as {name or 'RDF'}: {exc}", path, _line_of(str(exc))) from None
    return [from_rdflib_quad(q) for q in ds.quads((None, None, None, None))]


# --- rdflib interop ----------------------------------------------------------------------------------------
def to_rdflib_term(t: Any) -> Any:
    import rdflib

    if isinstance(t, NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, BlankNode):
        return rdflib.BNode(t.value)
    if isinstance(t, Literal):
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        if t.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return rdflib.Literal(t.value)  # rdflib tells "x" and "x"^^xsd:string apart; RDF 1.1 does not
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))
    raise InvalidTermError(f"rdflib has no form for {t!r}")


def from_rdflib_term(t: Any) -> Any:
    import rdflib

    if isinstance(t, rdflib.URIRef):
        return NamedNode(str(t))
    if isinstance(t, rdflib.BNode):
        return BlankNode(str(t))
    if isinstance(t, rdflib.Literal):
        if t.language:
            return Literal(str(t), language=t.language)
        return Literal(str(t), datatype=NamedNode(str(t.datatype))) if t.datatype else Literal(str(t))
    raise InvalidTermError(f"cannot convert {t!r}")


def from_rdflib_quad(q: tuple) -> Quad:
    s, p, o, g = q
    gid = getattr(g, "identifier", g)
    graph = DefaultGraph() if gid is None or str(gid) == "urn:x-rdflib:default" else from_rdflib_term(gid)
    return Quad(from_rdflib_term(s), from_rdflib_term(p), from_rdflib_term(o), graph)


def to_rdflib_dataset(quads: Iterable[Quad]) -> Any:
    import rdflib

    ds = rdflib.Dataset()
    for q in quads:
        g = q.graph_name
        target = ds.default_graph if isinstance(g, DefaultGraph) else ds.graph(to_rdflib_term(g))
        target.add((to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object)))
    return ds
