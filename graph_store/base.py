"""The GraphStore protocol and the write/read logic every backend shares.

A backend supplies a handful of primitives (`_existing`, `_insert`, `_update`, `_select_terms`,
`_run_query`, `iter_quads`, `_load`); the fact model, idempotency, second-source merging, stats and export
live here once, so embedded and remote behave the same.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import IO, Any, Iterable, Iterator, Protocol, runtime_checkable

from pyoxigraph import NamedNode, Quad

from graph_store import vocab as v
from graph_store.model import AddResult, EntityRecord, Fact, QueryResult, Term
from graph_store.provenance import FactQuads, QuadText, axiom_declarations, entity_quads, fact_quads, merge_update
from graph_store.errors import QueryRefused
from graph_store.sparql import check_bindings, uses_service
from graph_store.terms import from_ox, sparql_term

ASSERTION_TYPE, EVIDENCE_TYPE = v.NS + "Assertion", v.NS + "Evidence"  # the "already stored" markers
BATCH = 20_000  # facts per write transaction: big enough for bulk speed, small enough for bounded memory


class FactGraph(Protocol):
    """What sro's stages use of a graph store: write judged facts and entity records, read a subject's values
    (the judge's contradiction axiom), run SPARQL. Each call returns a typed result (`AddResult`, `Term`s,
    `QueryResult`), never raw backend objects; a test or another backend can stand in by providing these."""

    def add_facts(self, facts: Iterable[Fact], entities: Iterable[EntityRecord] = ()) -> AddResult: ...
    def add_entities(self, records: Iterable[EntityRecord]) -> int: ...
    def values(self, subject: str, predicate: str) -> list[Term]: ...
    def query(self, sparql: str, bindings: dict[str, Any] | None = None, timeout_s: float | None = None,
              union_default_graph: bool = True) -> QueryResult: ...


@runtime_checkable
class GraphStore(FactGraph, Protocol):
    """A whole backend: FactGraph plus export, import, stats and lifecycle (the CLI's `sro graph` commands)."""

    location: str
    allow_service: bool

    def export(self, fmt: str, out: str | IO[bytes], min_score: float | None = None,
               campaign: str | None = None) -> int: ...
    def import_file(self, path: str, fmt: str | None = None) -> int: ...
    def stats(self) -> dict[str, Any]: ...
    def to_rdflib(self) -> Any: ...
    def optimize(self) -> None: ...
    def close(self) -> None: ...


def quad_text(q: Quad) -> QuadText:
    """Text tuple of a parsed Quad (import paths); the default graph is ''."""
    g = sparql_term(q.graph_name) if isinstance(q.graph_name, NamedNode) else ""
    return sparql_term(q.subject), sparql_term(q.predicate), sparql_term(q.object), g


def insert_data(quads: Iterable[QuadText]) -> str:
    """INSERT DATA text from quad text tuples (terms already validated and escaped by graph_store.terms)."""
    by_graph: dict[str, list[str]] = {}
    for s, p, o, g in quads:
        by_graph.setdefault(g, []).append(f"{s} {p} {o} .")
    parts = [("\n".join(lines) if not g else f"GRAPH {g} {{\n" + "\n".join(lines) + "\n}")
             for g, lines in by_graph.items()]
    return "INSERT DATA {\n" + "\n".join(parts) + "\n}"


def _write_lock(store: "BaseStore") -> threading.Lock:
    lock = store.__dict__.get("_lock")
    if lock is None:
        lock = store.__dict__.setdefault("_lock", threading.Lock())
    return lock


class BaseStore(ABC):
    """Writers in one process are serialised by a lock; two processes writing the same remote endpoint could
    race on a brand-new assertion (its aggregates would then need `merge_update`)."""

    allow_service = False  # SERVICE clauses; Workspace.graph sets it from the `sparql_service` setting

    location: str

    # --- primitives -------------------------------------------------------------------------------------
    @abstractmethod
    def _existing(self, iris: list[str], marker: str) -> set[str]:
        """Which of these IRIs already have their marker quad `<iri> rdf:type <marker>` (sro:Assertion or
        sro:Evidence) in the provenance graph."""

    @abstractmethod
    def _insert(self, quads: list[QuadText]) -> None:
        """Add quads (text tuples); atomic for small writes (see the backends for large ones)."""

    @abstractmethod
    def _update(self, sparql: str) -> None:
        """Run a SPARQL Update atomically."""

    @abstractmethod
    def _run_query(self, sparql: str, bindings: dict, timeout_s: float | None, union: bool) -> QueryResult: ...

    @abstractmethod
    def iter_quads(self) -> Iterator[Quad]:
        """Every quad, streamed from the backend."""

    @abstractmethod
    def _load(self, path: str, fmt: str | None) -> int:
        """Parse a whole file, then add it in one transaction; return the number of quads read."""

    def close(self) -> None:  # pragma: no cover - backends override when they hold resources
        pass

    def optimize(self) -> None:
        """Compact storage after large loads (embedded); a no-op where the server manages its own storage."""

    # --- writes -----------------------------------------------------------------------------------------
    def add_facts(self, facts: Iterable[Fact], entities: Iterable[EntityRecord] = ()) -> AddResult:
        """`entities`: entity records (`add_entities`) written in the same write as the last facts: a batch of
        facts and their entities costs one write instead of two."""
        total = AddResult()
        batch: list[Fact] = []
        for fact in facts:
            batch.append(fact)
            if len(batch) >= BATCH:
                self._add_batch(batch, total)
                batch = []
        extra = [q for r in entities for q in entity_quads(r)]
        if batch or extra:
            self._add_batch(batch, total, extra)
        return total

    def _add_batch(self, facts: list[Fact], total: AddResult, extra: list[QuadText] | None = None) -> None:
        built = [fact_quads(f) for f in facts]
        # check-then-write must not interleave with another thread adding the same assertion
        with _write_lock(self):
            self._write_batch(built, total, extra or [])

    def _write_batch(self, built: list[FactQuads], total: AddResult, extra: list[QuadText]) -> None:
        existing = self._existing(sorted({b.assertion for b in built}), ASSERTION_TYPE)
        evid_known = self._existing(sorted({b.evidence for b in built if b.assertion in existing}), EVIDENCE_TYPE)
        new_quads: list[QuadText] = []
        merge_quads: list[QuadText] = []
        merged: set[str] = set()
        axioms: set[str] = set()
        seen_a: set[str] = set(existing)
        seen_e: set[str] = set(evid_known)
        for b in built:
            if b.evidence in seen_e:
                total.unchanged += 1
                continue
            seen_e.add(b.evidence)
            total.new_sources += 1
            axioms.update(b.axioms)
            if b.assertion not in seen_a:
                seen_a.add(b.assertion)
                total.new_facts += 1
                new_quads += b.assertion_quads
                new_quads += b.evidence_quads
            else:  # a further source for a stored (or earlier-in-batch) assertion
                merged.add(b.assertion)
                merge_quads += b.evidence_quads
        (new_quads or merge_quads).extend(axiom_declarations(axioms))
        new_quads += extra
        # each distinct quad once (the activity of every source, entities' types): quads are a set, and the
        # store reads and locks every quad it is handed
        new_quads, merge_quads = list(dict.fromkeys(new_quads)), list(dict.fromkeys(merge_quads))
        if new_quads:
            self._insert(new_quads)
        if merged:
            # evidence + recomputed aggregates in one update request: atomic, so a crash cannot leave a stale max
            self._update(v.SPARQL_PREFIXES + insert_data(merge_quads) + " ;\n"
                         + merge_update(sorted(merged), prologue=False))

    def add_entities(self, records: Iterable[EntityRecord]) -> int:
        quads = [q for r in records for q in entity_quads(r)]
        if quads:
            self._insert(quads)
        return len(quads)

    # --- reads ------------------------------------------------------------------------------------------
    def query(self, sparql: str, bindings: dict[str, Any] | None = None, timeout_s: float | None = None,
              union_default_graph: bool = True) -> QueryResult:
        """Run SPARQL; `bindings` values are bound as RDF terms. By default the default graph is the union of
        all graphs, so `?s ?p ?o` sees every fact and `?a sro:score ?x` sees the provenance graph.
        SERVICE (federated query: the engine would fetch a URL) is refused unless `allow_service` is set."""
        if not self.allow_service and uses_service(sparql):
            raise QueryRefused("SERVICE (federated query) is disabled: it makes the query engine fetch "
                                   "remote URLs; set sparql_service = true in sro.toml to allow it")
        return self._run_query(sparql, check_bindings(bindings), timeout_s, union_default_graph)

    def values(self, subject: str, predicate: str) -> list[Term]:
        res = self.query("SELECT DISTINCT ?o WHERE { ?s ?p ?o }",
                         {"s": NamedNode(subject), "p": NamedNode(predicate)})
        return [from_ox(row[0]) for row in res.terms if row[0] is not None]

    def _count(self, sparql: str) -> int:
        row = self.query(v.SPARQL_PREFIXES + sparql).terms
        return int(row[0][0].value) if row and row[0][0] is not None else 0

    def stats(self) -> dict[str, Any]:
        pg = f"GRAPH <{v.PROVENANCE_GRAPH_IRI}>"
        return {
            "backend": type(self).__name__,
            "location": self.location,
            "quads": self._count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
            + self._default_graph_size(),
            "facts": self._count(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pg} {{ ?a a sro:Assertion }} }}"),
            "sources": self._count(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pg} {{ ?e a sro:Evidence }} }}"),
            "documents": self._count(
                f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ {pg} {{ ?e prov:wasDerivedFrom ?d }} }}"),
            "campaigns": self._count(
                f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {pg} {{ ?e a sro:Evidence ; sro:campaign ?c }} }}"),
            "entities": self._count(
                f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ GRAPH <{v.ENTITIES_GRAPH_IRI}> {{ ?e ?p ?o }} }}"),
            "predicates": self._count(
                "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                f"FILTER(STRSTARTS(STR(?g), \"{v.ASSERTION_BASE}\")) }}"),
        }

    def _default_graph_size(self) -> int:
        res = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union_default_graph=False)
        return int(res.terms[0][0].value)

    # --- import / export / interop ------------------------------------------------------------------------
    def export(self, fmt: str, out: str | IO[bytes], min_score: float | None = None,
               campaign: str | None = None) -> int:
        from graph_store.io import export_store

        return export_store(self, fmt, out, min_score=min_score, campaign=campaign)

    def import_file(self, path: str, fmt: str | None = None) -> int:
        return self._load(path, fmt)

    def to_rdflib(self) -> Any:
        """An rdflib Dataset holding a copy of every quad (use for interop, not for millions of facts)."""
        from graph_store.io import to_rdflib_dataset

        return to_rdflib_dataset(self.iter_quads())

    def __enter__(self) -> "BaseStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
