"""Embedded backend: pyoxigraph (RocksDB) in a directory on disk."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, Callable, Iterator

from pyoxigraph import (NamedNode, QueryBoolean, QuerySolutions, Quad, RdfFormat, Store,
                        Variable)

from graph_store import vocab as v
from graph_store.errors import BackendError, ImportFailed
from graph_store.base import BaseStore
from graph_store.model import QueryResult
from graph_store.provenance import QuadText, is_marker, nquads
from graph_store.sparql import inject_values, run_with_timeout, syntax_error

TYPE = v.RDF.type
MARKER_NODES = (v.SRO.Assertion, v.SRO.Evidence)
BULK_MIN_QUADS = 50_000  # below this a transaction is cheap enough and avoids many small SST files


def collect(res: Any, cancelled: Callable[[], bool]) -> QueryResult:
    """Materialise a pyoxigraph result, checking `cancelled` between rows (that is how timeouts stop)."""
    if isinstance(res, QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(res))
    if isinstance(res, QuerySolutions):
        names = [var.value for var in res.variables]
        rows = []
        for sol in res:
            if cancelled():
                break
            rows.append(tuple(sol[i] for i in range(len(names))))
        return QueryResult(kind="select", variables=names, terms=rows)
    triples = []
    for t in res:
        if cancelled():
            break
        triples.append(t)
    return QueryResult(kind="graph", triples=triples)


class EmbeddedStore(BaseStore):
    def __init__(self, path: str | Path | None):
        """`path=None` gives an in-memory store (tests, conformance runs)."""
        self.location = str(path) if path is not None else ":memory:"
        try:
            self._store = Store(str(path)) if path is not None else Store()
        except OSError as exc:
            raise BackendError(f"cannot open the graph store at {path}: {exc} "
                               "(is another process using this workspace?)") from None

    @property
    def raw(self) -> Store:
        """The underlying pyoxigraph Store (benchmarks and advanced use)."""
        return self._store

    # --- primitives -------------------------------------------------------------------------------------
    def _existing(self, iris: list[str]) -> set[str]:
        pg, store = v.PROVENANCE_GRAPH, self._store
        return {i for i in iris if next(store.quads_for_pattern(NamedNode(i), TYPE, None, pg), None) is not None}

    def _insert(self, quads: list[QuadText]) -> None:
        """Small writes: one transaction (`Store.load`). Large writes: pyoxigraph's bulk loader (several times
        faster, not transactional) for everything except the marker quads (`rdf:type sro:Assertion/Evidence`),
        which follow in a transaction. `add_facts` decides "already stored" by those markers only, so a crash
        in between leaves facts that a re-run writes again (quads are a set: no duplicates), never facts that
        look complete but are not. IRIs were validated when the models were built, hence `lenient`."""
        if len(quads) < BULK_MIN_QUADS:
            self._store.load(nquads(quads), RdfFormat.N_QUADS, lenient=True)
            return
        self._store.bulk_load(nquads([q for q in quads if not is_marker(q)]), RdfFormat.N_QUADS, lenient=True)
        self._store.load(nquads([q for q in quads if is_marker(q)]), RdfFormat.N_QUADS, lenient=True)

    def _insert_parsed(self, quads: list[Quad]) -> None:
        if len(quads) < BULK_MIN_QUADS:
            self._store.extend(quads)
            return
        marker = [q for q in quads if q.predicate == TYPE and q.object in MARKER_NODES]
        self._store.bulk_extend(q for q in quads if not (q.predicate == TYPE and q.object in MARKER_NODES))
        self._store.extend(marker)

    def _update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
        except SyntaxError as exc:
            raise syntax_error(exc) from None

    def _run_query(self, sparql: str, bindings: dict, timeout_s: float | None, union: bool) -> QueryResult:
        subs = {Variable(k): t for k, t in bindings.items()}

        def work(cancelled: Callable[[], bool]) -> QueryResult:
            try:
                try:
                    res = self._store.query(sparql, use_default_graph_as_union=union, substitutions=subs or None)
                except RuntimeError as exc:
                    # oxigraph substitutes only projected variables (SEP-0007); otherwise bind the same
                    # validated terms through a VALUES block, as the remote backend does
                    if not subs or "does not contains variable" not in str(exc):
                        raise BackendError(f"query failed: {exc}") from None
                    res = self._store.query(inject_values(sparql, bindings), use_default_graph_as_union=union)
            except SyntaxError as exc:
                raise syntax_error(exc) from None
            return collect(res, cancelled)

        return run_with_timeout(work, timeout_s)

    def iter_quads(self) -> Iterator[Quad]:
        return self._store.quads_for_pattern(None, None, None, None)

    def dump(self, out: str | IO[bytes], fmt: RdfFormat) -> None:
        """Native streaming dump of the whole dataset (TriG / N-Quads)."""
        self._store.dump(out, fmt, prefixes=v.PREFIXES if fmt == RdfFormat.TRIG else None)

    def _load(self, path: str, fmt: str | None) -> int:
        from graph_store.io import parse_file

        quads = parse_file(path, fmt)  # parses everything first: a corrupt file writes nothing
        try:
            self._insert_parsed(quads)  # validated in full above; large files use the bulk loader
        except OSError as exc:
            raise ImportFailed(f"could not write: {exc}", path) from None
        return len(quads)

    def __len__(self) -> int:
        return len(self._store)

    def flush(self) -> None:
        self._store.flush()

    def optimize(self) -> None:
        """Compact the RocksDB files. Bulk writes leave many overlapping files that every lookup must consult;
        after loading millions of quads this makes point queries several times faster."""
        self._store.optimize()

    def close(self) -> None:
        store = self.__dict__.pop("_store", None)
        if store is not None:
            store.flush()
            del store  # RocksDB closes when the last reference goes
