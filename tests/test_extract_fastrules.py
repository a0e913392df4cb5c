"""The fast attribute ruler and lazy NER give exactly what the full spaCy pipeline gives."""

from __future__ import annotations

import pytest

from sro.nlp.nlp import ParseCache, _fast_ruler, has_entities, load_nlp, parse_syntax_batch

TEXTS = [
    "The installer charged $12,000 for a 10 kW system in June 2021.",
    "Y'all ain't gonna believe it: there is a cat, let's go.",
    "I'm doin' nothin' today, gotta rest 'em legs, c'mon.",
    "Alan B. Miller Hall, in Virginia, was designed by Robert A. M. Stern.",
    "We have had PW3 installed for less than 3 weeks and it drains to 0 at 12pm.",
    "  spaced   out \n\n text with\ttabs  ",
    "But it does work, and I did have it checked; that which is done is done.",
    "Tesla quoted us 3.9% financing on 2 Powerwalls — is that good?",
    "",
]


def _attrs(doc):
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


def test_fast_attribute_ruler_matches_the_model_component():
    if _fast_ruler() is None:
        pytest.skip("model has no attribute_ruler in the expected place")
    nlp = load_nlp()
    reference = list(nlp.pipe(TEXTS, disable=["ner"]))
    for ref, fast in zip(reference, parse_syntax_batch(TEXTS)):
        assert _attrs(fast) == _attrs(ref)


def test_lazy_entities_are_added_on_demand_and_identical():
    nlp = load_nlp()
    cache = ParseCache()
    cache.parse_many(TEXTS[:4], needs_entities=lambda doc: False)
    lazy = cache.parse_syntax(TEXTS[0])
    assert not has_entities(lazy)
    full = cache.parse(TEXTS[0])
    assert full is lazy and has_entities(full)
    assert [(e.text, e.label_) for e in full.ents] == [(e.text, e.label_) for e in nlp(TEXTS[0]).ents]
    assert _attrs(full) == _attrs(nlp(TEXTS[0]))


def test_parse_many_without_selector_completes_lazy_hits():
    cache = ParseCache()
    cache.parse_many(TEXTS[:2], needs_entities=lambda doc: False)
    assert all(has_entities(doc) for doc in cache.parse_many(TEXTS[:3]))
