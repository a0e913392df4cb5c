"""Typed template slots: filled only with resolved entities of the slot's class (or numbers of a
predicate named for the slot), from the node's accepted facts and the pipeline's ontology."""

from __future__ import annotations

from pipelines import load_pipeline
from sro.mcts.expand import Expansion, TripleInfo
from sro.mcts.slots import slot_values, superclasses, typed_proposals
from sro.mcts.terms import term_set


def _fact(predicate: str, obj: str) -> TripleInfo:
    return TripleInfo(key=f"{predicate}:{obj}", subject="post", predicate=predicate, object=obj, score=0.9,
                      quote=f"... {obj} ...", doc_id="d1")


SOLAR = load_pipeline("solar_reddit")
EXP = Expansion(accepted=[_fact("installedBy", "Sunrun"), _fact("utility", "Duke Energy"),
                          _fact("utility", "Duke Energy"), _fact("utility", "SMUD"), _fact("hasBattery", "Powerwall 3"),
                          _fact("netMeteringVersion", "NEM 3.0"), _fact("systemSize", "7.6"),
                          _fact("miss", "Throwaway")])


def test_class_chains_come_from_the_ontology():
    chains = superclasses(SOLAR.ontology_path)
    assert {"battery", "component", "product"} <= chains["battery"]
    assert "tariff" in chains["netmeteringtariff"]


def test_slot_values_by_class_most_frequent_first():
    values = slot_values(EXP, SOLAR)
    assert values["installer"] == ["Sunrun"] and values["utility"] == ["Duke Energy", "SMUD"]
    assert values["tariff"] == ["NEM 3.0"] and "Powerwall 3" in values["product"]
    assert values["size"] == ["7.6"]
    assert not any("Throwaway" in v for vs in values.values() for v in vs)  # a raw verb's object fills nothing


def test_typed_proposals_fill_each_slot_with_its_class_only():
    questions = [p.question for p in typed_proposals(EXP, SOLAR, covered=set(), datasets=["d"], n=20)]
    assert "How do utilities such as Duke Energy and net metering rules change the economics?" in questions
    assert "How much do owners save on their electricity bills under NEM 3.0?" in questions
    assert any("installers such as Sunrun" in q for q in questions)
    assert "What do home solar systems of 7.6 kW cost, before and after incentives?" in questions
    assert not any("Throwaway" in q for q in questions)
    later = [p.question for p in typed_proposals(EXP, SOLAR, covered=term_set(["Duke Energy"]), datasets=["d"], n=20)]
    assert "How do utilities such as SMUD and net metering rules change the economics?" in later
