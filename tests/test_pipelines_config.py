"""The two flagship pipelines load, validate, and agree with their ontologies, shapes and campaign spec."""

from __future__ import annotations

import re

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from pipelines import Pipeline, load_pipeline, normalize

FLAGSHIPS = ["solar_reddit", "legal_contracts"]


@pytest.fixture(params=FLAGSHIPS)
def pipeline(request) -> Pipeline:
    return load_pipeline(request.param)


def ontology(p: Pipeline) -> rdflib.Graph:
    assert p.ontology_path is not None, f"{p.name}: ontology.ttl missing"
    return rdflib.Graph().parse(p.ontology_path)


def test_pipeline_loads_with_content(pipeline: Pipeline) -> None:
    assert pipeline.instructions.strip() and pipeline.description
    assert pipeline.base_iri and pipeline.base_iri.endswith("#")
    assert len(pipeline.predicates) >= 10 and len(pipeline.patterns) >= 10
    assert len(pipeline.question_templates) >= 5
    assert 0 < pipeline.threshold <= 1
    assert {"grounding", "schema", "source_reliability"} <= set(pipeline.axioms)
    assert pipeline.axioms["grounding"].gate is not None  # no ungrounded fact ever enters the graph
    names = [p.name for p in pipeline.predicates]
    assert len(names) == len(set(names)), "duplicate predicate names"


def test_every_predicate_and_class_is_in_the_ontology(pipeline: Pipeline) -> None:
    g = ontology(pipeline)
    ns = rdflib.Namespace(pipeline.base_iri)
    properties = set(g.subjects(RDF.type, OWL.ObjectProperty)) | set(g.subjects(RDF.type, OWL.DatatypeProperty))
    for pred in pipeline.predicates:
        assert ns[pred.name] in properties, f"{pipeline.name}: predicate {pred.name} not in ontology.ttl"
        assert g.value(ns[pred.name], RDFS.label) is not None, f"{pred.name} has no rdfs:label"
        if pred.functional:
            assert (ns[pred.name], RDF.type, OWL.FunctionalProperty) in g, f"{pred.name}: not owl:FunctionalProperty"
    classes = set(g.subjects(RDF.type, OWL.Class))
    for cls in pipeline.classes:
        assert ns[cls] in classes, f"{pipeline.name}: class {cls} not in ontology.ttl"


def test_patterns_compile_and_refer_to_declared_things(pipeline: Pipeline) -> None:
    declared = {p.name for p in pipeline.predicates}
    for pat in pipeline.patterns:
        rx = re.compile(pat.regex, re.IGNORECASE | re.MULTILINE)
        assert pat.predicate in declared, f"pattern {pat.name}: predicate {pat.predicate} not declared"
        groups = set(rx.groupindex)
        for template in [pat.object, pat.subject, *pat.qualifiers.values()]:
            for field in re.findall(r"\{(\w+)\}", template):
                assert field in groups, f"pattern {pat.name}: template field {field} is no named group"
        if pat.normalizer:
            assert pat.normalizer in normalize.NORMALIZERS, f"pattern {pat.name}: unknown normalizer"
        if pat.object_class:
            assert pat.object_class in pipeline.classes, f"pattern {pat.name}: class {pat.object_class} undeclared"
    assert len({p.name for p in pipeline.patterns}) == len(pipeline.patterns), "duplicate pattern names"


def test_governing_law_is_functional() -> None:
    p = load_pipeline("legal_contracts")
    assert p.predicate("governingLaw").functional
    assert p.predicate("agreementDate").functional


def test_shapes_parse(pipeline: Pipeline) -> None:
    assert pipeline.shapes_path is not None
    g = rdflib.Graph().parse(pipeline.shapes_path)
    assert (None, RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#NodeShape")) in g


def test_solar_campaign_spec_validates() -> None:
    from sro.campaign.spec import effective, load_spec

    p = load_pipeline("solar_reddit")
    spec = load_spec(p.folder / "campaign.yaml")
    assert spec.pipeline == "solar_reddit" and spec.offline
    assert "economical" in spec.question
    eff = effective(spec, p.mcts)
    assert eff.max_nodes >= 1 and eff.parallel >= 1
