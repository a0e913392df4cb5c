"""The sro: vocabulary, well-known graph names and deterministic IRIs for assertions and evidence.

The vocabulary itself (labels, comments, domains) is published in `sro.ttl` next to this file.
IRIs minted here are pure functions of their inputs so that re-adding a fact is a no-op (crash-resume).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import NamedNode

NS = "https://sro.dev/ns#"
AXIOM_NS = "https://sro.dev/ns/axiom#"  # one sub-property of sro:axiomScore per judging axiom
PROV_NS = "http://www.w3.org/ns/prov#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"

ASSERTION_BASE = "https://sro.dev/assertion/"
ACTIVITY_BASE = "https://sro.dev/activity/"
PROVENANCE_GRAPH_IRI = "https://sro.dev/graph/provenance"
ENTITIES_GRAPH_IRI = "https://sro.dev/graph/entities"
VOCAB_FILE = Path(__file__).with_name("sro.ttl")

PREFIXES = {
    "sro": NS,
    "axiom": AXIOM_NS,
    "prov": PROV_NS,
    "rdf": RDF_NS,
    "rdfs": RDFS_NS,
    "xsd": XSD_NS,
    "skos": SKOS_NS,
}
SPARQL_PREFIXES = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())


class _Namespace:
    """`SRO.score` -> NamedNode('https://sro.dev/ns#score'); `SRO["x"]` likewise. Nodes are cached."""

    def __init__(self, base: str):
        self._base = base
        self._cache: dict[str, NamedNode] = {}

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> NamedNode:
        node = self._cache.get(name)
        if node is None:
            node = self._cache[name] = NamedNode(self._base + name)
        return node

    def __str__(self) -> str:
        return self._base


SRO = _Namespace(NS)
PROV = _Namespace(PROV_NS)
RDF = _Namespace(RDF_NS)
RDFS = _Namespace(RDFS_NS)
XSD = _Namespace(XSD_NS)
SKOS = _Namespace(SKOS_NS)

PROVENANCE_GRAPH = NamedNode(PROVENANCE_GRAPH_IRI)
ENTITIES_GRAPH = NamedNode(ENTITIES_GRAPH_IRI)

# Qualifier keys with their own sro: property; any other key becomes an sro:Qualifier node (key + value).
KNOWN_QUALIFIERS = ("unit", "currency", "time", "condition", "quantity")


@lru_cache(maxsize=4096)
def _q(text: str) -> str:
    # axiom names, campaigns, nodes and extractors repeat across millions of facts: quote each once
    return quote(text, safe="")


def _digest(text: str, size: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]


def assertion_iri(s_nt: str, p_nt: str, o_nt: str, qualifiers: dict[str, str] | None = None) -> str:
    """Deterministic assertion-graph IRI from the N-Triples forms of s, p, o.

    Qualifiers (unit, currency, ...) change what a fact means ("10" kW vs "10" MW), so when a fact has any they
    are part of the key; a fact without qualifiers hashes exactly (s, p, o)."""
    key = f"{s_nt} {p_nt} {o_nt}"
    if qualifiers:
        key += "".join(f"\n{k}={v}" for k, v in sorted(qualifiers.items()))
    return ASSERTION_BASE + _digest(key, 32)


def evidence_iri(assertion: str, source: str, chunk: str | None, start: int | None, end: int | None) -> str:
    """One evidence node per (assertion, source document, chunk, span)."""
    return f"{assertion}/evidence/{_digest(f'{source}|{chunk}|{start}|{end}', 16)}"


def axiom_property_iri(axiom: str) -> str:
    """`axiom:{name}`, the property that carries that axiom's score on an evidence node."""
    return AXIOM_NS + _q(axiom)


def qualifier_iri(assertion: str, key: str) -> str:
    return f"{assertion}/qualifier/{_q(key)}"


@lru_cache(maxsize=4096)
def activity_iri(campaign: str | None, node: str | None, extractor: str) -> str:
    """The extraction activity: a campaign node when known, else the extractor run itself."""
    if campaign or node:
        return f"{ACTIVITY_BASE}{_q(campaign or '-')}/{_q(node or '-')}"
    return f"{ACTIVITY_BASE}extractor/{_q(extractor)}"


_ASSERTION_RE = re.compile(re.escape(ASSERTION_BASE) + r"[0-9a-f]{32}")


def is_assertion_iri(iri: str) -> bool:
    """True only for our own hash IRIs (so they are safe to write into SPARQL as they are)."""
    return _ASSERTION_RE.fullmatch(iri) is not None
