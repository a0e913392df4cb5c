"""graph_store: a provenance-rich RDF graph with SPARQL, import/export and a scale-out backend.

Usable without the rest of SRO (it never imports `sro`). Entry point: `open_store(location)` — a directory
path opens the embedded pyoxigraph store, an http(s) URL a remote SPARQL 1.1 endpoint.
"""

from __future__ import annotations

from graph_store.base import FactGraph, GraphStore
from graph_store.errors import (BackendError, GraphStoreError, ImportFailed, InvalidTermError, QueryRefused,
                                QuerySyntaxError, QueryTimeout)
from graph_store.model import AddResult, EntityRecord, Fact, Iri, Lit, Provenance, QueryResult
from graph_store.vocab import SRO

__all__ = ["open_store", "GraphStore", "FactGraph", "Fact", "Provenance", "EntityRecord", "AddResult", "QueryResult", "Iri",
           "Lit", "SRO", "GraphStoreError", "InvalidTermError", "QueryRefused", "QuerySyntaxError", "QueryTimeout", "ImportFailed",
           "BackendError"]


def open_store(location: str | None, **options: object) -> GraphStore:
    """A path (or None for in-memory) opens the embedded store; an http(s) URL opens a remote endpoint
    (`options`: query_url, update_url, store_url, union_param, timeout_s). `read_only=True` opens an embedded
    store without writing to it (a directory this process may not change)."""
    read_only = bool(options.pop("read_only", False))
    if location is not None and str(location).startswith(("http://", "https://")):
        from graph_store.remote import RemoteStore

        return RemoteStore(str(location), **options)  # type: ignore[arg-type]
    from graph_store.embedded import EmbeddedStore

    return EmbeddedStore(location, read_only=read_only)
