"""Entity resolution (keys, alias table in real DuckDB, fuzzy blocking) and predicate mapping."""

from __future__ import annotations

from pipelines import Pipeline, PredicateDef, load_pipeline
from sro.nlp.keys import canonical_key, entity_iri
from sro.nlp.models import Entity
from sro.nlp.predicates import REL_NS, PredicateMapper
from sro.triples.resolve import Resolver


def test_canonical_keys():
    assert canonical_key("The Tesla Powerwalls") == canonical_key("tesla powerwall") == "tesla powerwall"
    assert canonical_key("Tesla-Powerwall") == "tesla powerwall"
    assert canonical_key("Batteries") == "battery"
    assert canonical_key("Glass") == "glass"
    assert canonical_key("Alan_B._Miller_Hall") == "alan b miller hall"
    assert entity_iri("https://x.org/id/", "tesla powerwall") == "https://x.org/id/tesla-powerwall"


def test_singular_keeps_names_and_base_forms_but_strips_ordinary_plurals():
    # names and nouns that are their own base form keep their -s (spaCy's English noun lexicon)
    for name, key in [("Texas", "texas"), ("Kansas City", "kansas city"), ("Las Vegas", "las vegas"),
                      ("Dallas", "dallas"), ("Athens", "athens"), ("status", "status"), ("series", "series"),
                      ("news", "news"), ("lens", "lens"), ("canvas", "canvas"), ("physics", "physics")]:
        assert canonical_key(name) == key, name
    # ordinary plurals keep the IRIs they always had
    for plural, key in [("the solar panels", "solar panel"), ("Solar Panels", "solar panel"), ("ideas", "idea"),
                        ("inverters", "inverter"), ("optimizers", "optimizer"), ("utilities", "utility"),
                        ("taxes", "tax"), ("glasses", "glass"), ("Teslas", "tesla"), ("days", "day")]:
        assert canonical_key(plural) == key, plural
    assert entity_iri("https://sro.dev/id/", canonical_key("Texas")) == "https://sro.dev/id/texas"


def test_alias_table_persists_and_fuzzy_merges(workspace):
    pipeline = load_pipeline("generic")
    r = Resolver(pipeline, con=workspace.db, base_iri=workspace.settings.base_iri)
    a = r.resolve_entity(Entity(text="Tesla Powerwall"))
    b = r.resolve_entity(Entity(text="the Tesla Powerwalls"))
    c = r.resolve_entity(Entity(text="Tesla Powerwal"))  # typo: fuzzy match in the same block
    assert a.iri == b.iri == c.iri == workspace.settings.base_iri + "tesla-powerwall"
    # digits differ: never merged however similar
    assert r.resolve_entity(Entity(text="Model 3")).iri != r.resolve_entity(Entity(text="Model 5")).iri
    r.flush()
    rows = dict(workspace.db.execute("SELECT alias, mentions FROM aliases").fetchall())
    assert rows["tesla powerwall"] == 2 and rows["tesla powerwal"] == 1
    # a new resolver (next run) reads the table: the typo alias resolves without fuzzy work
    again = Resolver(pipeline, con=workspace.db, base_iri=workspace.settings.base_iri)
    again = again.resolve_entity(Entity(text="Tesla Powerwal"))
    assert again.iri == a.iri


def test_document_entities_are_per_document(workspace):
    r = Resolver(load_pipeline("generic"), con=workspace.db, base_iri=workspace.settings.base_iri)
    one = r.resolve_entity(Entity(text="Agreement", ref="document"), "cuad:a.txt")
    two = r.resolve_entity(Entity(text="Agreement", ref="document"), "cuad:b.txt")
    assert one.iri != two.iri and one.iri.startswith(workspace.settings.base_iri + "doc/")


def test_predicates_map_onto_ontology_or_relation_namespace():
    pipeline = Pipeline(name="t", base_iri="https://o.org/t#", predicates=[
        PredicateDef(name="architect", synonyms=["designed by"]), PredicateDef(name="locatedIn")])
    m = PredicateMapper(pipeline)
    assert m.map("was designed by").name == "architect"
    assert m.map("design by", lemmatized=True).iri == "https://o.org/t#architect"
    assert m.map("located in").name == "locatedIn"
    un = m.map("charge for", lemmatized=True)
    assert not un.mapped and un.iri == REL_NS + "chargeFor"
    assert m.unmapped["chargeFor"] == 1


def test_ontology_ttl_is_the_source_of_predicate_iris():
    m = PredicateMapper(load_pipeline("generic"))
    assert m.map("located in").iri == "https://sro.dev/ontology/generic#locatedIn"
    assert m.class_iri("Person") == "https://sro.dev/ontology/generic#Person"


def test_borderline_pairs_go_to_the_judge_model_only_when_configured(tmp_path, llm_server, monkeypatch):
    import asyncio

    from sro.workspace import Workspace

    monkeypatch.setenv("SRO_TEST_KEY", "sk-test")
    llm_server.add(r"same real-world entity", '{"same": true}')
    ws = Workspace.open(tmp_path / "ws", {"judge": llm_server.role("openai/test-judge")})
    try:
        pipeline = load_pipeline("generic")
        offline = Resolver(pipeline)
        a = offline.resolve_entity(Entity(text="Sunpower Maxeon"))
        b = offline.resolve_entity(Entity(text="Sunpower Maxeon Solar"))  # ratio ~84: borderline
        assert a.iri != b.iri and offline.borderline
        from sro.nlp.models import Candidate, Evidence
        ev = Evidence(chunk_id="d#0", doc_id="d", start=0, end=5, quote="x y z")
        cands = [Candidate(subject=Entity(text=t), predicate="make", object=Entity(text="panels"), evidence=ev,
                           extractor="llm") for t in ("Sunpower Maxeon", "Sunpower Maxeon Solar")]
        resolver = Resolver(pipeline, con=ws.db, base_iri=ws.settings.base_iri)
        out = asyncio.run(resolver.arun(cands, ws.llm))
        assert out[0].subject.iri == out[1].subject.iri
        assert llm_server.count(r"same real-world entity") == 1
    finally:
        ws.close()
