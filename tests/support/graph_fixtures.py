"""Fixtures for tests/test_graph_*.py: one store fixture parametrised over the embedded and remote backends
(a real `oxigraph serve` process, started once per module), plus sample facts with full provenance."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

import pytest

from graph_store import Fact, Lit, Provenance, open_store
from tests.support.oxigraph_server import OxigraphServer, oxigraph_binary

EX = "http://example.org/"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def oxigraph() -> Iterator[OxigraphServer]:
    if oxigraph_binary() is None:
        pytest.skip("remote backend: the `oxigraph` server binary is not installed (pip install oxigraph)")
    with OxigraphServer() as server:
        yield server


@pytest.fixture(params=["embedded", "remote"])
def store(request, tmp_path):
    if request.param == "embedded":
        s = open_store(str(tmp_path / "graph"))
    else:
        server = request.getfixturevalue("oxigraph")
        server.clear()
        s = open_store(server.url)
    try:
        yield s
    finally:
        s.close()


def fact(s: str, p: str, o, *, doc: str = "doc1", score: float = 0.8, start: int = 0, campaign: str | None = "c1",
         quote: str = "a quote", qualifiers: dict | None = None, axioms: dict | None = None) -> Fact:
    return Fact(
        subject=EX + s, predicate=EX + p, object=o if not isinstance(o, str) else EX + o,
        qualifiers=qualifiers or {},
        provenance=Provenance(source=EX + "doc/" + doc, chunk=f"{doc}#0", quote=quote, char_start=start,
                              char_end=start + len(quote), extractor="pattern:test", model=None, score=score,
                              axiom_scores=axioms if axioms is not None else {"grounded": score, "typed": 1.0},
                              campaign=campaign, node="n1", generated_at=T0),
    )


def sample_facts() -> list[Fact]:
    return [
        fact("inverterA", "capacity", Lit(value="12.5", datatype="decimal"), qualifiers={"unit": "kW"}, score=0.9),
        fact("inverterA", "installedOn", Lit(value="2021-06-01", datatype="date"), doc="doc2", score=0.6),
        fact("contract1", "term", Lit(value="P10Y", datatype="duration"), doc="doc3", score=0.75, campaign="c2"),
        fact("contract1", "price", Lit(value="12000", datatype="decimal"), qualifiers={"currency": "USD"},
             doc="doc3", start=40, score=0.5, campaign="c2"),
        fact("inverterA", "madeBy", "acme", doc="doc1", start=20, score=0.95, quote='He said "Acme" <made> it\n'),
        fact("acme", "name", Lit(value="Acme GmbH", lang="de"), doc="doc4", score=0.7),
        fact("panel", "count", Lit(value="24", datatype="integer"), doc="doc4", start=7, score=0.85),
    ]
