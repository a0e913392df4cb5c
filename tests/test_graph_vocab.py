"""The published sro: vocabulary defines, labels and comments every sro: term the store writes."""

from __future__ import annotations

import io

import rdflib

from graph_store import open_store
from graph_store.vocab import NS, VOCAB_FILE
from tests.support.graph_fixtures import sample_facts


def test_every_written_sro_term_is_defined(tmp_path):
    vocab = rdflib.Graph().parse(VOCAB_FILE, format="turtle")
    store = open_store(str(tmp_path / "g"))
    facts = sample_facts()
    facts[0].qualifiers["odd key"] = "x"  # exercises sro:qualifier / sro:key / sro:value
    store.add_facts(facts)
    out = io.BytesIO()
    store.export("nquads", out)
    ds = rdflib.Dataset()
    ds.parse(data=out.getvalue().decode(), format="nquads")
    used = {t for q in ds.quads((None, None, None, None)) for t in q[1:3]
            if isinstance(t, rdflib.URIRef) and str(t).startswith(NS)}
    must = {"Assertion", "Evidence", "evidence", "score", "sourceCount", "quote", "charStart", "charEnd", "chunk",
            "extractor", "verdict", "campaign", "node", "axiomScore", "qualifier", "key", "value"}
    assert {rdflib.URIRef(NS + name) for name in must} <= used
    for term in used:
        assert vocab.value(term, rdflib.RDFS.label) is not None, term
        assert vocab.value(term, rdflib.RDFS.comment) is not None, term
