"""Export round trips, filtered export, transactional import and rdflib interop — on both backends."""

from __future__ import annotations

import pytest
import rdflib

from graph_store import ImportFailed
from graph_store.sparql import inject_values
from graph_store.terms import parse_binding
from tests.support.graph_fixtures import EX, fact, oxigraph, sample_facts, store  # noqa: F401

RDFLIB_FORMAT = {"trig": "trig", "nquads": "nquads", "turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}
PFX = "PREFIX sro: <https://sro.dev/ns#>\n"


def _parse(path, fmt):
    if fmt in ("trig", "nquads"):
        ds = rdflib.Dataset()
        ds.parse(path, format=RDFLIB_FORMAT[fmt])
        return ds, len(list(ds.quads((None, None, None, None))))
    g = rdflib.Graph().parse(path, format=RDFLIB_FORMAT[fmt])
    return g, len(g)


@pytest.mark.parametrize("fmt", ["trig", "nquads", "turtle", "ntriples", "jsonld"])
def test_export_round_trip(store, tmp_path, fmt):
    facts = sample_facts()
    store.add_facts(facts)
    store.add_facts([fact("inverterA", "madeBy", "acme", doc="doc9", score=0.5)])  # second source
    total = store.stats()["quads"]
    out = tmp_path / f"out.{fmt}"
    written = store.export(fmt, str(out))
    parsed, count = _parse(out, fmt)
    assert count == written
    sro = rdflib.Namespace("https://sro.dev/ns#")
    if fmt in ("trig", "nquads"):
        assert written == total
        graphs = {str(c.identifier) for c in parsed.contexts()}
        assert sum(g.startswith("https://sro.dev/assertion/") for g in graphs) == len(facts)
    else:
        # flattened: every quad once, plus 4 reification triples per assertion graph
        assert written == total + 4 * len(facts)
        stmts = set(parsed.subjects(rdflib.RDF.type, rdflib.RDF.Statement))
        assert len(stmts) == len(facts)
        # provenance still hangs off the statement id: quote of the fact "inverterA madeBy acme"
        stmt = next(s for s in stmts if parsed.value(s, rdflib.RDF.object) == rdflib.URIRef(EX + "acme"))
        assert parsed.value(stmt, sro.sourceCount).toPython() == 2
        quotes = {str(parsed.value(e, sro.quote)) for e in parsed.objects(stmt, sro.evidence)}
        assert 'He said "Acme" <made> it\n' in quotes


def test_export_filters(store, tmp_path):
    store.add_facts(sample_facts())
    out = tmp_path / "high.nq"
    store.export("nquads", str(out), min_score=0.8)
    ds = rdflib.Dataset()
    ds.parse(out, format="nquads")
    score = rdflib.URIRef("https://sro.dev/ns#score")
    scores = [o.toPython() for s, _, o, _ in ds.quads((None, score, None, None)) if "/evidence/" not in str(s)]
    assert sorted(float(x) for x in scores) == [0.85, 0.9, 0.95]
    out2 = tmp_path / "c2.nq"
    store.export("nquads", str(out2), campaign="c2")
    ds2 = rdflib.Dataset()
    ds2.parse(out2, format="nquads")
    camps = {str(q[2]) for q in ds2.quads((None, rdflib.URIRef("https://sro.dev/ns#campaign"), None, None))}
    assert camps == {"c2"}
    n_assert = len({q[0] for q in ds2.quads((None, rdflib.RDF.type, rdflib.URIRef("https://sro.dev/ns#Assertion"), None))})
    assert n_assert == 2


def test_corrupt_import_refused_with_line_and_store_unchanged(store, tmp_path):
    store.add_facts(sample_facts())
    before = store.stats()
    bad = tmp_path / "bad.nt"
    bad.write_text(f"<{EX}a> <{EX}p> <{EX}b> .\n<{EX}a> <{EX}p> \"ok\" .\n<{EX}a> <{EX}p> \"unterminated .\n"
                   f"<{EX}c> <{EX}p> <{EX}d> .\n")
    with pytest.raises(ImportFailed) as err:
        store.import_file(str(bad))
    assert err.value.line == 3
    assert store.stats() == before
    bad_ttl = tmp_path / "bad.ttl"
    bad_ttl.write_text(f"@prefix ex: <{EX}> .\nex:a ex:p ex:b .\n\nex:a ex:p ex:c ;\n  ex:q <not an iri> .\n")
    with pytest.raises(ImportFailed) as err:
        store.import_file(str(bad_ttl))
    assert err.value.line == 5
    assert store.stats() == before


def test_import_native_and_rdflib_formats(store, tmp_path):
    good = tmp_path / "good.ttl"
    good.write_text(f"@prefix ex: <{EX}> .\nex:a ex:p ex:b ; ex:q \"x\"@en .\n")
    assert store.import_file(str(good)) == 2
    # TriX is parsed by rdflib only (pyoxigraph has no TriX parser)
    g = rdflib.Dataset()
    g.graph(rdflib.URIRef(EX + "g1")).add((rdflib.URIRef(EX + "c"), rdflib.URIRef(EX + "p"), rdflib.Literal(3)))
    trix = tmp_path / "data.trix"
    g.serialize(trix, format="trix")
    assert store.import_file(str(trix), fmt="trix") == 1
    rows = store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": rdflib_iri(EX + "g1")}).rows
    assert rows == [{"o": 3}]
    assert store.values(EX + "a", EX + "p")[0].value == EX + "b"


def rdflib_iri(value):
    from graph_store import Iri

    return Iri(value=value)


def test_to_rdflib_dataset(store):
    store.add_facts(sample_facts())
    ds = store.to_rdflib()
    assert isinstance(ds, rdflib.Dataset)
    assert len(list(ds.quads((None, None, None, None)))) == store.stats()["quads"]
    res = ds.query(PFX + "SELECT (MAX(?s) AS ?m) WHERE { GRAPH ?g { ?a a sro:Assertion ; sro:score ?s } }")
    assert float(next(iter(res))[0]) == 0.95


@pytest.mark.parametrize("query,expect_at", [
    ("SELECT * WHERE { ?s ?p ?o }", "WHERE { VALUES"),
    ("SELECT * { ?s ?p ?o }", "* { VALUES"),
    ("# a { comment\nSELECT ?s WHERE { ?s ?p \"}{\" }", "WHERE { VALUES"),
    ("SELECT (EXISTS { ?s ?p ?o } AS ?e) WHERE { ?s ?p ?o }", "WHERE { VALUES"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "WHERE { VALUES"),
    ("CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }", "} { VALUES"),
    ("PREFIX e: <http://e/{x}> ASK { ?s ?p ?o }", "ASK { VALUES"),
])
def test_values_block_goes_into_the_where_group(query, expect_at):
    out = inject_values(query, {"s": parse_binding("<http://e/x>")})
    assert expect_at in out and out.count("VALUES") == 1


def test_cli_binding_syntax():
    assert parse_binding("<http://e/x>").value == "http://e/x"
    assert parse_binding("42").datatype.value.endswith("#integer")
    assert parse_binding("4.5").datatype.value.endswith("#decimal")
    assert parse_binding('"hi"@en').language == "en"
    lit = parse_binding("<not closed")
    assert lit.value == "<not closed" and lit.datatype.value.endswith("#string")
