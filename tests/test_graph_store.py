"""The GraphStore contract, run against the embedded store and a real Oxigraph server alike."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph_store import EntityRecord, Iri, Lit, QuerySyntaxError, QueryTimeout, open_store
from graph_store.errors import InvalidTermError
from tests.support.graph_fixtures import EX, fact, oxigraph, sample_facts, store  # noqa: F401

PFX = "PREFIX sro: <https://sro.dev/ns#>\nPREFIX prov: <http://www.w3.org/ns/prov#>\n"


def test_add_is_idempotent_and_counts(store):
    facts = sample_facts()
    first = store.add_facts(facts)
    assert (first.new_facts, first.new_sources, first.unchanged) == (len(facts), len(facts), 0)
    quads = store.stats()["quads"]
    again = store.add_facts(facts)
    assert (again.new_facts, again.new_sources, again.unchanged) == (0, 0, len(facts))
    assert store.stats()["quads"] == quads
    st = store.stats()
    assert st["facts"] == st["sources"] == len(facts)
    assert st["documents"] == 4 and st["campaigns"] == 2


def test_second_source_merges_into_one_assertion(store):
    store.add_facts([fact("x", "p", "y", doc="d1", score=0.6)])
    hostile = 'x\\u0022 } ; DROP ALL # "\n<http://e/> \\'  # goes through SPARQL INSERT DATA (merge path)
    res = store.add_facts([fact("x", "p", "y", doc="d2", score=0.9, quote=hostile),
                           fact("x", "p", "y", doc="d3", score=0.7)])
    assert (res.new_facts, res.new_sources) == (0, 2)
    quotes = store.query(PFX + "SELECT ?q WHERE { ?e sro:quote ?q }").rows
    assert hostile in {r["q"] for r in quotes}
    rows = store.query(PFX + "SELECT ?a ?s ?n WHERE { ?a a sro:Assertion ; sro:score ?s ; sro:sourceCount ?n }").rows
    assert rows == [{"a": rows[0]["a"], "s": Decimal("0.9"), "n": 3}]
    docs = store.query(PFX + "SELECT ?d WHERE { ?a sro:evidence ?e . ?e prov:wasDerivedFrom ?d } ORDER BY ?d").rows
    assert [r["d"] for r in docs] == [EX + "doc/d1", EX + "doc/d2", EX + "doc/d3"]
    # the triple itself exists once, in one assertion graph
    n = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?s = <%sx>) }" % EX).rows
    assert n[0]["n"] == 1


def test_second_source_in_same_batch(store):
    res = store.add_facts([fact("x", "p", "y", doc="d1", score=0.4), fact("x", "p", "y", doc="d2", score=0.8)])
    assert (res.new_facts, res.new_sources) == (1, 2)
    row = store.query(PFX + "SELECT ?s ?n WHERE { ?a sro:score ?s ; sro:sourceCount ?n }").rows
    assert row == [{"s": Decimal("0.8"), "n": 2}]


def test_qualifiers_distinguish_facts(store):
    kw = fact("i", "capacity", Lit(value="10", datatype="decimal"), qualifiers={"unit": "kW"})
    mw = fact("i", "capacity", Lit(value="10", datatype="decimal"), qualifiers={"unit": "MW"})
    assert store.add_facts([kw, mw]).new_facts == 2
    units = store.query(PFX + "SELECT ?u WHERE { ?a sro:unit ?u } ORDER BY ?u").rows
    assert [r["u"] for r in units] == ["MW", "kW"]


def test_values_typed_literals_and_entities(store):
    store.add_facts(sample_facts())
    assert store.values(EX + "contract1", EX + "term") == [
        Lit(value="P10Y", datatype="http://www.w3.org/2001/XMLSchema#duration")]
    assert store.values(EX + "inverterA", EX + "madeBy") == [Iri(value=EX + "acme")]
    assert store.values(EX + "acme", EX + "name") == [Lit(value="Acme GmbH", lang="de")]
    assert store.values(EX + "nobody", EX + "name") == []
    store.add_entities([EntityRecord(iri=EX + "acme", types=[EX + "Manufacturer"], label="Acme",
                                     aliases=["ACME Corp", "Acme GmbH"])])
    rows = store.query("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?l ?alt WHERE { ?e a ?t ; rdfs:label ?l ; skos:altLabel ?alt } ORDER BY ?alt""",
                       {"t": Iri(value=EX + "Manufacturer")}).rows
    assert [(r["l"], r["alt"]) for r in rows] == [("Acme", "ACME Corp"), ("Acme", "Acme GmbH")]
    assert store.stats()["entities"] == 1


HOSTILE = ['a"b', "it's", "<http://evil/>", "x\ny\r\tz", "} } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o",
           '"""', "'''", "\\", "\\u0022) } #", "\\U0000003E", "# comment", "?s", "UNION { ?s ?p ?o }", "\u00e9\u4e2d"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_bindings_stay_values(store, value):
    store.add_facts(sample_facts())
    # the value comes back exactly, as a plain literal
    row = store.query("SELECT ?v (STR(?v) AS ?text) (DATATYPE(?v) AS ?dt) WHERE {}", {"v": value}).rows
    assert row[0]["text"] == value and row[0]["dt"] == "http://www.w3.org/2001/XMLSchema#string"
    # used as a filter it matches nothing (no quote equals it) instead of widening or breaking the query
    res = store.query(PFX + "SELECT ?e WHERE { ?e sro:quote ?q FILTER(?q = ?v) }", {"v": value})
    assert res.rows == []
    # a bound variable that the query does not project must still be honoured (not ignored)
    res = store.query(PFX + "SELECT ?e WHERE { ?e sro:quote ?v }", {"v": value})
    assert res.rows == []


def test_binding_matches_exactly_the_hostile_stored_quote(store):
    store.add_facts(sample_facts())
    quote = 'He said "Acme" <made> it\n'
    rows = store.query(PFX + "SELECT ?d WHERE { ?e sro:quote ?q ; prov:wasDerivedFrom ?d }", {"q": quote}).rows
    assert rows == [{"d": EX + "doc/doc1"}]


def test_bad_bindings_are_refused(store):
    with pytest.raises(InvalidTermError):
        store.query("SELECT * WHERE { ?s ?p ?o }", {"s } DROP": "x"})
    with pytest.raises((InvalidTermError, ValueError)):
        store.query("SELECT * WHERE { ?s ?p ?o }", {"s": Iri(value="http://a/<b>")})
    with pytest.raises(InvalidTermError):
        store.query("SELECT * WHERE { ?s ?p ?o }", {"s": object()})


def test_query_forms_and_formats(store):
    store.add_facts(sample_facts())
    sel = store.query("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o", {"p": Iri(value=EX + "capacity")})
    assert sel.kind == "select" and sel.rows == [{"s": EX + "inverterA", "o": Decimal("12.5")}]
    assert sel.serialize("csv").splitlines() == ["s,o", f"{EX}inverterA,12.5"]
    assert sel.serialize("tsv").splitlines()[1].startswith(f"<{EX}inverterA>\t")
    import json

    assert json.loads(sel.serialize("json"))["results"]["bindings"][0]["o"]["datatype"].endswith("#decimal")
    ask = store.query("ASK { ?s ?p ?o }", {"s": Iri(value=EX + "acme")})
    assert ask.kind == "ask" and ask.boolean is True
    assert store.query("ASK { ?s ?p ?o }", {"s": Iri(value=EX + "ghost")}).boolean is False
    con = store.query("CONSTRUCT { ?s <http://x/p> ?o } WHERE { ?s ?p ?o }", {"p": Iri(value=EX + "madeBy")})
    assert con.kind == "graph" and len(con.triples) == 1
    assert "<http://x/p>" in con.serialize("turtle") or "x/p" in con.serialize("turtle")
    des = store.query(f"DESCRIBE <{EX}panel>")
    assert des.kind == "graph" and len(des.triples) >= 1


def test_syntax_error_has_position(store):
    with pytest.raises(QuerySyntaxError) as err:
        store.query("SELECT ?s\nWHERE {\n  ?s ?p \n}")
    assert err.value.line == 4 and err.value.column is not None


def test_query_timeout(store):
    store.add_facts([fact(f"s{i}", "p", f"o{i}", doc=f"d{i}") for i in range(60)])
    # a streaming cross product: the deadline stops it between rows (and the remote connection is dropped),
    # so nothing keeps computing after the test
    slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with pytest.raises(QueryTimeout):
        store.query(slow, timeout_s=0.2)


def _readme_queries() -> list[str]:
    """The example queries of the SPARQL how-to (docs/how-to/sparql.md), in page order."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "how-to" / "sparql.md").read_text()
    return [block.split("```", 1)[0] for block in text.split("```sparql\n")[1:]]


def test_readme_example_queries(store):
    above, of_document, sources = _readme_queries()
    store.add_facts(sample_facts())
    store.add_facts([fact("inverterA", "madeBy", "acme", doc="doc9", score=0.5, quote="Acme built it")])
    rows = store.query(above, {"min": Decimal("0.9")}).rows
    assert [r["score"] for r in rows] == [Decimal("0.95"), Decimal("0.9")]
    rows = store.query(of_document, {"doc": Iri(value=EX + "doc/doc3")}).rows
    assert sorted((str(r["o"]), r["start"]) for r in rows) == [("12000", 40), ("P10Y", 0)]
    rows = store.query(sources, {"s": Iri(value=EX + "inverterA"), "p": Iri(value=EX + "madeBy")}).rows
    assert {(r["doc"], r["quote"]) for r in rows} == {(EX + "doc/doc1", 'He said "Acme" <made> it\n'),
                                                      (EX + "doc/doc9", "Acme built it")}
    assert {r["axiom"] for r in rows} == {"grounded", "typed"}


AXIOM_SCORES = PFX + """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?doc ?name ?v WHERE { ?e prov:wasDerivedFrom ?doc ; ?ax ?v .
                             ?ax rdfs:subPropertyOf sro:axiomScore ; rdfs:label ?name }"""


def test_axiom_scores_are_declared_sub_properties(store):
    store.add_facts([fact("x", "p", "y", axioms={"grounding": 0.9, "source reliability/é": 0.5})])
    store.add_facts([fact("x", "p", "y", doc="d2", axioms={"late_axiom": 0.3})])  # merge path, new axiom
    rows = {(r["doc"], r["name"], r["v"]) for r in store.query(AXIOM_SCORES).rows}
    assert rows == {(EX + "doc/doc1", "grounding", Decimal("0.9")), (EX + "doc/doc1", "source reliability/é",
                    Decimal("0.5")), (EX + "doc/d2", "late_axiom", Decimal("0.3"))}
    props = store.query("SELECT ?ax WHERE { ?ax <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> "
                        "<https://sro.dev/ns#axiomScore> }").rows
    assert sorted(r["ax"] for r in props) == ["https://sro.dev/ns/axiom#grounding",
                                             "https://sro.dev/ns/axiom#late_axiom",
                                             "https://sro.dev/ns/axiom#source%20reliability%2F%C3%A9"]


def test_older_axiom_score_nodes_are_rewritten_on_open(tmp_path, monkeypatch):
    import graph_store.provenance as provenance
    from pyoxigraph import RdfFormat

    path = str(tmp_path / "g")
    store = open_store(path)
    store.add_facts([fact("x", "p", "y", axioms={})])
    e = store.query(PFX + "SELECT ?e WHERE { ?e a sro:Evidence }").rows[0]["e"]
    pg, sro = "<https://sro.dev/graph/provenance>", "https://sro.dev/ns#"
    old = [f"<{e}> <{sro}axiomScore> <{e}/axiom/{name}> {pg} .\n"
           f"<{e}/axiom/{name}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{sro}AxiomScore> {pg} .\n"
           + (f'<{e}/axiom/{name}> <{sro}axiom> "{label}" {pg} .\n'
              f'<{e}/axiom/{name}> <{sro}value> "{value}"^^<http://www.w3.org/2001/XMLSchema#decimal> {pg} .\n'
              if label else "")
           for name, label, value in [("g", "grounding", "0.7"), ("s", "source reliability/é", "0.25"),
                                      ("t", "typed", "1"), ("broken", None, None)]]
    store.raw.load("".join(old), RdfFormat.N_QUADS)
    store.close()
    monkeypatch.setattr(provenance, "AXIOM_NODES_BATCH", 1)  # several rounds, and one node it cannot convert
    store = open_store(path)
    rows = {(r["name"], r["v"]) for r in store.query(AXIOM_SCORES).rows}
    assert rows == {("grounding", Decimal("0.7")), ("source reliability/é", Decimal("0.25")), ("typed", Decimal("1"))}
    left = store.query(PFX + "SELECT ?x WHERE { ?x a sro:AxiomScore }").rows
    assert [r["x"] for r in left] == [f"{e}/axiom/broken"]
    assert not store.query(PFX + "ASK { ?x sro:value ?v }").boolean
    store.close()


def test_concurrent_sources_for_a_new_fact(store):
    import threading

    facts = [fact("x", "p", "y", doc=f"d{i}", score=round(0.1 * (i + 1), 1)) for i in range(6)]
    threads = [threading.Thread(target=store.add_facts, args=([f],)) for f in facts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = store.query(PFX + "SELECT ?s ?n WHERE { ?a a sro:Assertion ; sro:score ?s ; sro:sourceCount ?n }").rows
    assert rows == [{"s": Decimal("0.6"), "n": 6}]


def test_syntax_error_line_is_the_users_even_with_bindings(store):
    with pytest.raises(QuerySyntaxError) as err:
        store.query("SELECT ?o\nWHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }", {"s": Iri(value=EX + "x")})
    assert err.value.line == 4


def test_select_star_columns_follow_the_query_not_the_alphabet():
    from graph_store.sparql import star_columns

    s = open_store(None)
    s.raw.update("INSERT DATA { <urn:s> <urn:p> <urn:o> }")
    res = s.query("SELECT * WHERE { ?subj ?pred ?obj }", union_default_graph=False)
    assert res.variables == ["subj", "pred", "obj"] and res.terms[0][0].value == "urn:s"
    assert res.serialize("csv").splitlines()[0] == "subj,pred,obj"
    distinct = s.query("# ?zz in a comment\nSELECT DISTINCT * { ?z ?a ?m FILTER(?m != '?q') }")
    assert distinct.variables == ["z", "a", "m"]
    assert s.query("SELECT ?obj ?subj { ?subj ?p ?obj }").variables == ["obj", "subj"]  # explicit: unchanged
    assert star_columns("SELECT ?a { { SELECT * { ?b ?c ?d } } }") is None  # only the outer projection


def test_a_merge_recomputes_its_own_assertions_only(store):
    """Further sources recompute the aggregates (max score, source count) of the assertions they add to, and of
    no other: the merge's VALUES sit inside its aggregating subquery."""
    store.add_facts([fact(f"x{i}", "p", "y", doc="d1", score=0.5) for i in range(3)])
    res = store.add_facts([fact("x0", "p", "y", doc="d2", score=0.9), fact("x1", "p", "y", doc="d2", score=0.2),
                           fact("x1", "p", "y", doc="d3", score=0.3)])
    assert (res.new_facts, res.new_sources) == (0, 3)
    rows = store.query(PFX + "SELECT ?x ?s ?n WHERE { GRAPH ?a { ?x ?p ?o } ?a sro:score ?s ; sro:sourceCount ?n }"
                       " ORDER BY ?x").rows
    assert [(r["x"], r["s"], r["n"]) for r in rows] == [
        (EX + "x0", Decimal("0.9"), 2), (EX + "x1", Decimal("0.5"), 3), (EX + "x2", Decimal("0.5"), 1)]


def test_embedded_values_read_from_the_indexes_as_the_query_does(tmp_path):
    """EmbeddedStore.values reads (s, p, ?) from the indexes; BaseStore.values asks the same with a query (the
    default graph as the union of all graphs): distinct objects of every graph, the default graph's too."""
    from pyoxigraph import Literal, NamedNode, Quad

    from graph_store.base import BaseStore

    store = open_store(str(tmp_path / "graph"))
    try:
        s, p = NamedNode(EX + "s"), NamedNode(EX + "p")
        for o, g in ((Literal("default"), None), (Literal("named"), EX + "g1"), (Literal("named"), EX + "g2"),
                     (NamedNode(EX + "o"), EX + "g2"), (Literal("10", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#decimal")), EX + "g1")):
            store.raw.add(Quad(s, p, o, NamedNode(g)) if g else Quad(s, p, o))
        got = store.values(EX + "s", EX + "p")
        assert sorted(map(repr, got)) == sorted(map(repr, BaseStore.values(store, EX + "s", EX + "p")))
        assert len(got) == 4 and store.values(EX + "s", EX + "other") == []
    finally:
        store.close()
