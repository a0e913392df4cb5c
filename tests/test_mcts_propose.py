"""Offline child questions: uncovered entities and noun-like terms from the evidence, in template slots."""

from __future__ import annotations

from sro.mcts.expand import Expansion
from sro.mcts.propose import entities, fill, offline_proposals, template_seeds
from sro.mcts.terms import salient, term_set
from sro.mcts.tree import ResearchNode

EVIDENCE = [
    "We installed an Enphase IQ8 system. The inverter failed after the first summer.",
    "My Enphase IQ8 micros work fine, but the inverter on the garage wall was loud.",
    "Owners said SolarEdge support took weeks. The inverter was replaced under warranty.",
    "SolarEdge optimizers and the inverter are covered by a warranty of 12 years.",
]


def test_entities_skip_sentence_initial_words_and_leading_articles():
    found = entities(EVIDENCE, exclude=set())
    assert "Enphase IQ8" in found and "SolarEdge" in found
    assert "Owners" not in found and "The" not in found and "My Enphase IQ8" not in found


def test_salient_terms_are_noun_like_and_uncovered():
    ranked = [t for t, _ in salient(EVIDENCE, exclude=set())]
    assert "inverter" in ranked and "warranty" in ranked
    assert "took" not in ranked and "failed" not in ranked  # never after a determiner
    assert "inverter" not in [t for t, _ in salient(EVIDENCE, exclude={"inverter"})]


def test_fill_and_seeds():
    assert fill("What does {dataset} say about {product}?", "Powerwall", ["a", "b"]) == \
        "What does a and b say about Powerwall?"
    assert fill("What do {size} kW systems cost?", "Enphase IQ8", []) is None
    assert fill("What do {size} kW systems cost?", "7.6", []) == "What do 7.6 kW systems cost?"
    seeds = template_seeds(["Main entities in {dataset}?", "Who is {entity}?"], ["news"])
    assert [s.question for s in seeds] == ["Main entities in news?"]


def test_offline_proposals_avoid_what_the_campaign_covers():
    node = ResearchNode(id="n", parent=None, question="Do inverters fail?", depth=0)
    exp = Expansion(evidence=[{"text": t} for t in EVIDENCE])
    templates = ["What do owners report about {term}?", "What do {size} kW systems cost?"]
    first = [p.question for p in offline_proposals(node, exp, covered=set(), templates=templates, n=3)]
    assert first[0] == "What do owners report about Enphase IQ8?" and all(p.startswith("What do owners") for p in first)
    covered = term_set(["Enphase IQ8"])
    later = [p.question for p in offline_proposals(node, exp, covered=covered, templates=templates, n=3)]
    assert not any("Enphase" in q for q in later) and any("SolarEdge" in q for q in later)
    assert all(p.prior is None and p.source == "offline" for p in offline_proposals(
        node, exp, covered=set(), templates=templates, n=2))


def test_typed_slots_are_never_filled_with_free_words():
    """{product} is a class slot: free capitalised words of the evidence go nowhere near it (the typed
    values come from sro/mcts/slots.py); with no free-slot template they produce no question at all."""
    node = ResearchNode(id="n", parent=None, question="Do inverters fail?", depth=0)
    exp = Expansion(evidence=[{"text": t} for t in EVIDENCE])
    assert offline_proposals(node, exp, covered=set(), templates=["What about {product}?"], n=3) == []
    free = offline_proposals(node, exp, covered=set(), templates=None, n=2)
    assert free and all("{" not in p.question for p in free)  # pipelines without templates: {term} defaults
