"""Axioms one by one, and their combination into verdicts (offline; entailment through the loopback server)."""

from __future__ import annotations

import asyncio

import pytest

from pipelines import Pipeline, PredicateDef, load_pipeline
from sro.data.models import Document
from sro.nlp.models import Candidate, Entity, Evidence, Value
from sro.triples.resolve import Resolver
from sro.judge.judge import AxiomJudge

Q1 = "Alan B. Miller Hall, in Virginia, was designed by Robert A.M. Stern."
Q2 = "The address of the hall is 101 Ukrop Way and the current tenants are the Mason School of Business."
DOCS = {"d1": Document(id="d1", dataset="t", source_uri="x", text=Q1 + " " + Q2, kind="doc")}


def cand(s, p, o, quote=Q1, start=0, doc="d1") -> Candidate:
    obj = o if isinstance(o, Value) else Entity(text=o)
    ev = Evidence(chunk_id=f"{doc}#0", doc_id=doc, start=start, end=start + len(quote), quote=quote)
    return Candidate(subject=Entity(text=s), predicate=p, object=obj, evidence=ev, extractor="test")


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline(name="t", predicates=[PredicateDef(name="architect", synonyms=["designed by"]),
                                          PredicateDef(name="address"), PredicateDef(name="currentTenants"),
                                          PredicateDef(name="price", range="money"),
                                          PredicateDef(name="governingLaw", functional=True)])


def judge(pipeline, cands, docs=DOCS, **kw):
    cands = Resolver(pipeline).run(cands)
    return AxiomJudge(pipeline, **kw).run(cands, docs)


def score(j, axiom):
    return next(s for s in j.scores if s.axiom == axiom)


def test_correct_triple_accepted_with_all_axioms_named(pipeline):
    [j] = judge(pipeline, [cand("Alan B. Miller Hall", "architect", "Robert A.M. Stern")])
    assert j.verdict == "accepted" and j.total >= 0.8
    assert {s.axiom for s in j.scores} >= {"grounding", "direction", "schema", "anchor", "specificity", "modality",
                                           "contradiction", "corroboration", "source_reliability", "entailment"}
    assert score(j, "entailment").skipped and "offline" in score(j, "entailment").reason


def test_swapped_subject_object_rejected_by_direction(pipeline):
    [j] = judge(pipeline, [cand("Robert A.M. Stern", "architect", "Alan B. Miller Hall")])
    assert j.verdict == "rejected" and "direction" in j.rejected_by
    assert len(j.rejected_by) == len(j.reasons)  # one axiom per reason, in order
    assert all(r.startswith(a) or a == "threshold" for a, r in zip(j.rejected_by, j.reasons))


def test_quote_from_another_sentence_fails_grounding(pipeline):
    start = len(Q1) + 1
    [j] = judge(pipeline, [cand("Alan B. Miller Hall", "architect", "Robert A.M. Stern", quote=Q2, start=start)])
    assert j.verdict == "rejected" and "grounding" in j.rejected_by


def test_quote_not_at_its_offsets_fails_grounding(pipeline):
    [j] = judge(pipeline, [cand("Alan B. Miller Hall", "architect", "Robert A.M. Stern", start=3)])
    assert score(j, "grounding").score == 0.0 and j.verdict == "rejected"


def test_object_far_from_the_predicate_word_rejected_by_anchor(pipeline):
    q = Q1 + " " + Q2
    [j] = judge(pipeline, [cand("Alan B. Miller Hall", "address", "Robert A.M. Stern", quote=q)])
    assert j.verdict == "rejected" and "anchor" in j.rejected_by
    [ok] = judge(pipeline, [cand("hall", "address", "101 Ukrop Way", quote=Q2, start=len(Q1) + 1)])
    assert score(ok, "anchor").score == 1.0


def test_pronoun_subject_rejected_by_specificity(pipeline):
    [j] = judge(pipeline, [cand("it", "architect", "Robert A.M. Stern")])
    assert "specificity" in j.rejected_by


def test_declared_range_checked_by_schema(pipeline):
    [j] = judge(pipeline, [cand("Alan B. Miller Hall", "price", "Robert A.M. Stern")])
    assert score(j, "schema").score <= 0.3 and "schema" in j.rejected_by


def test_corroboration_counts_distinct_authors(pipeline):
    docs = {f"d{i}": Document(id=f"d{i}", dataset="t", source_uri="x", text=Q1, author=a, kind="comment")
            for i, a in enumerate(["ann", "bob", "bob"])}
    cands = [cand("Alan B. Miller Hall", "architect", "Robert A.M. Stern", doc=d) for d in docs]
    js = judge(pipeline, cands, docs=docs)
    assert [score(j, "corroboration").score for j in js] == [0.85, 0.85, 0.85]  # 3 documents, 2 authors


def test_source_reliability_uses_reddit_score():
    pipeline = load_pipeline("generic")
    docs = {"hi": Document(id="hi", dataset="t", source_uri="x", text=Q1, kind="comment", score=500),
            "lo": Document(id="lo", dataset="t", source_uri="x", text=Q1, kind="comment", score=-20)}
    js = judge(pipeline, [cand("Alan B. Miller Hall", "design by", "Robert A.M. Stern", doc=d) for d in docs],
               docs=docs)
    assert score(js[0], "source_reliability").score > score(js[1], "source_reliability").score


def test_functional_predicate_disagreement_in_batch_is_conflict(pipeline):
    q = "The contract is governed by the laws of Delaware and the laws of New York."
    docs = {"d1": Document(id="d1", dataset="t", source_uri="x", text=q)}
    js = judge(pipeline, [cand("contract", "governingLaw", "Delaware", quote=q),
                          cand("contract", "governingLaw", "New York", quote=q)], docs=docs)
    for j in js:
        assert score(j, "contradiction").score == 0.0
        assert j.verdict in ("conflict", "rejected")


def test_entailment_through_loopback_judge(pipeline, tmp_path, llm_server, monkeypatch):
    from sro.workspace import Workspace

    monkeypatch.setenv("SRO_TEST_KEY", "sk-test")
    llm_server.add(r"states the triple", '{"verdicts": [{"index": 0, "entailed": true, "confidence": 0.9}, '
                                         '{"index": 1, "entailed": false, "reason": "reversed"}, '
                                         '{"index": 2, "entailed": true, "confidence": 1.0}]}')
    active = "Robert A.M. Stern designed Alan B. Miller Hall."
    docs = {**DOCS, "d2": Document(id="d2", dataset="t", source_uri="x", text=active)}
    ws = Workspace.open(tmp_path / "ws", {"judge": llm_server.role("openai/test-judge")})
    try:
        cands = Resolver(pipeline).run([cand("Alan B. Miller Hall", "architect", "Robert A.M. Stern"),
                                              cand("Alan B. Miller Hall", "currentTenants", "Virginia"),
                                              cand("Alan B. Miller Hall", "architect", "Robert A.M. Stern",
                                                   quote=active, doc="d2")])
        js = asyncio.run(AxiomJudge(pipeline, client=ws.llm).arun(cands, docs))
    finally:
        ws.close()
    assert llm_server.count(r"states the triple") == 1  # both candidates in one call
    assert score(js[0], "entailment").score == 0.9 and not score(js[0], "entailment").skipped
    assert js[1].verdict == "rejected" and "entailment" in js[1].rejected_by
    # active voice reads as "reversed" to the offline direction axiom; the judge model's entailment decides
    assert score(js[2], "direction").score < 0.3 and js[2].verdict == "accepted"


def test_shacl_shapes_validated_per_batch(tmp_path):
    folder = tmp_path / "shaped"
    folder.mkdir()
    (folder / "pipeline.yaml").write_text(
        "name: shaped\nbase_iri: https://o.org/s#\npredicates:\n  - {name: governingLaw}\n  - {name: hasParty}\n")
    (folder / "ontology.ttl").write_text(
        "@prefix s: <https://o.org/s#> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "s:governingLaw a owl:ObjectProperty .\ns:hasParty a owl:ObjectProperty .\n")
    (folder / "shapes.ttl").write_text(
        "@prefix s: <https://o.org/s#> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "s:Shape a sh:NodeShape ; sh:targetSubjectsOf s:governingLaw, s:hasParty ;\n"
        "  sh:property [ sh:path s:governingLaw ; sh:maxCount 1 ; sh:message \"one governing law\" ] ,\n"
        "              [ sh:path s:hasParty ; sh:nodeKind sh:IRI ; sh:message \"a party is an entity\" ] .\n")
    from pipelines import load_pipeline as load

    pipeline = load(str(folder))
    q = "The Acme contract is governed by the laws of Delaware and of Texas, between Acme and 42."
    docs = {"d1": Document(id="d1", dataset="t", source_uri="x", text=q)}
    js = judge(pipeline, [cand("Acme contract", "governingLaw", "Delaware", quote=q),
                          cand("Acme contract", "governingLaw", "Texas", quote=q),
                          cand("Acme", "hasParty", Value(text="42", datatype="integer", value="42"), quote=q),
                          cand("Acme", "governingLaw", "Delaware", quote=q)], docs=docs)
    assert "one governing law" in score(js[0], "schema").reason and score(js[1], "schema").score == 0.2
    assert "a party is an entity" in score(js[2], "schema").reason
    assert not score(js[3], "schema").reason.startswith("SHACL")  # Acme has one law: conforms


def test_shacl_data_graph_holds_each_distinct_triple_once():
    """The batch's SHACL data graph holds every candidate's triple and its entities' types, each distinct one
    added once (a literal and an entity of the same text stay two triples)."""
    import rdflib

    from sro.judge.axioms.schema import _data_graph
    from sro.nlp.predicates import PredicateMapper

    legal = load_pipeline("legal_contracts")
    law = cand("Acme contract", "governing law", "Delaware")
    cands = Resolver(legal).run([law, law, cand("Acme contract", "governing law", "Delaware", start=5),
                                 cand("Acme contract", "has party", "Acme"),
                                 cand("Acme contract", "has party", Value(text="Acme", value="Acme"))])
    cands = [c.model_copy(update={"subject": c.subject.model_copy(update={"type": "Contract"})}) for c in cands]
    mapper = PredicateMapper(legal)
    expected = []  # the triples as the per-candidate loop added them
    for c in cands:
        obj = rdflib.URIRef(c.object.iri) if isinstance(c.object, Entity) and c.object.iri else \
            rdflib.Literal(c.object.value if isinstance(c.object, Value) else c.object.text)
        expected.append((rdflib.URIRef(c.subject.iri), rdflib.URIRef(c.predicate_iri), obj))
        for term in (c.subject, c.object):
            if getattr(term, "type", None) and getattr(term, "iri", None):
                expected.append((rdflib.URIRef(term.iri), rdflib.RDF.type, rdflib.URIRef(mapper.class_iri(term.type))))
    data = _data_graph(cands, mapper)
    assert set(data) == set(expected) and len(data) == len(set(expected)) < len(expected)
    objects = {o for _, p, o in data if str(p).endswith("hasParty")}
    assert objects == {rdflib.URIRef(cands[3].object.iri), rdflib.Literal("Acme")}


def _pattern_cand(obj: Entity, quote: str) -> Candidate:
    ev = Evidence(chunk_id="p#0", doc_id="p", start=0, end=len(quote), quote=quote)
    return Candidate(subject=Entity(text="My solar story", type="Installation", ref="document"),
                     predicate="componentFailure", object=obj, evidence=ev, extractor="pattern:component_failed")


def test_pattern_typed_bare_component_is_specific_but_pronouns_are_not():
    pipeline = load_pipeline("solar_reddit")
    quote = "My inverter died after 3 years and it was replaced."
    docs = {"p": Document(id="p", dataset="t", source_uri="x", text=quote, title="My solar story")}
    typed = Entity(text="inverter", type="Component", label="Inverter")
    [ok] = judge(pipeline, [_pattern_cand(typed, quote)], docs=docs)
    assert score(ok, "specificity").score == 1.0 and "pattern-typed" in score(ok, "specificity").reason
    for vague in ("it", "this", "something"):
        [bad] = judge(pipeline, [_pattern_cand(Entity(text=vague, type="Component"), quote)], docs=docs)
        assert score(bad, "specificity").score == 0.0 and "specificity" in bad.rejected_by
    untyped = _pattern_cand(Entity(text="inverter"), quote).model_copy(update={"extractor": "nlp:spacy"})
    [plain] = judge(pipeline, [untyped], docs=docs)
    assert score(plain, "specificity").score < 0.5  # an untyped bare noun from the SVO parse stays vague
