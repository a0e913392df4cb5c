"""The published sro: vocabulary defines, labels and comments every sro: term the store writes; the literal text
the store writes (terms.sparql_string) reads back as the same string."""

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


def test_literal_text_is_the_character_maps_and_reads_back():
    """`sparql_string` (a scan for characters to escape, then str.replace per character) writes what mapping
    every character through the ECHAR table writes, and pyoxigraph reads the text back as the same string."""
    import random
    import re

    from pyoxigraph import RdfFormat, parse

    from graph_store.terms import _ECHAR, sparql_string

    table = str.maketrans(_ECHAR)

    def reference(text: str) -> str:
        body = re.sub(r"\\\\([uU])", lambda m: "\\\\" + ("\\u0075" if m.group(1) == "u" else "\\u0055"),
                      text.translate(table))
        return f'"{body}"'

    rng = random.Random(20)
    texts = ["", "plain", 'say "hi"', "a\\u0041", "\\U0001F600", "é中", *(
        "".join(rng.choice('ab "\\\n\r\t\b\fuU\u00e9') for _ in range(rng.randint(1, 12))) for _ in range(2000))]
    for text in texts:
        assert sparql_string(text) == reference(text), text
        quad = next(iter(parse(f"<urn:x:s> <urn:x:p> {sparql_string(text)} .", format=RdfFormat.N_TRIPLES)))
        assert quad.object.value == text
