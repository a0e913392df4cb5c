"""Period and incentive qualifiers of quantities, and that they reach the graph's facts."""

from __future__ import annotations

import pytest

from sro.extract import literals, quantity
from sro.nlp.models import Candidate, Entity, Evidence
from sro.triples.to_graph import to_fact
from sro.judge.models import Judgment, VerifiedTriple


def cand(obj_text: str, quote: str, datatype: str = "money") -> Candidate:
    value = literals.from_type(obj_text, datatype, currency="USD" if datatype == "money" else None)
    ev = Evidence(chunk_id="d#0", doc_id="d", start=0, end=len(quote), quote=quote)
    return Candidate(subject=Entity(text="My install", ref="document"), predicate="p", object=value, evidence=ev,
                     extractor="test")


@pytest.mark.parametrize("obj,quote,datatype,expected", [
    ("$399", "puts my monthly payment at $399/mo for the first year", "money", {"period": "month"}),
    ("12,637", "12,637 kWh/yr Solar Production", "decimal", {"period": "year"}),
    ("40", "the array makes 40 kWh a day in June", "decimal", {"period": "day"}),
    ("$49,943", "Total System Cost: $49,943 (before tax credits)", "money", {"incentives": "before"}),
    ("$25,864", "the quote came to $25,864 after the federal tax credit", "money", {"incentives": "after"}),
    ("$18k", "installers are asking $18k before 30% credit", "money", {"incentives": "before"}),
    ("$52k", "Paid in full $52k in Southern California.", "money", {}),
])
def test_period_and_incentive_qualifiers_come_from_the_words_after_the_number(obj, quote, datatype, expected):
    assert quantity.qualifiers(cand(obj, quote, datatype)) == expected


def test_the_qualifiers_reach_the_fact():
    c = cand("$399", "my loan payment is $399 per month before incentives")
    t = VerifiedTriple(subject_iri="https://x/s", predicate_iri="https://x/p", candidate=c,
                       judgment=Judgment(total=0.9, verdict="accepted"))
    fact = to_fact(t, "https://x/")
    assert fact.qualifiers["period"] == "month" and fact.qualifiers["incentives"] == "before"
    assert fact.qualifiers["currency"] == "USD"
