"""Aggregates and their text: units, periods, per-kW figures, one figure per document, highlighted values,
and answers of a table's shape for contracts."""

from __future__ import annotations

from pipelines import load_pipeline
from pipelines.report_spec import Quantity
from sro.campaign.aggregate import Citations, aggregate, describe, fmt, humanize
from sro.campaign.answer import compute_answer
from sro.campaign.facts import Evidence, KeyFact, highlight
from sro.campaign.report_text import display_object


def kf(predicate: str, obj: str, docs: list[str], **qualifiers: str) -> KeyFact:
    fact = KeyFact(f"a:{predicate}:{obj}:{docs}", "post", predicate, obj, 0.9, True, predicate, dict(qualifiers))
    fact.evidence = [Evidence(d, f"https://x/{d}", 0, 10, f"We paid ${obj} for it.", False) for d in docs]
    return fact


def test_units_durations_and_objects_read_as_people_write_them():
    assert fmt(28100, "$") == "$28,100" and fmt(32.5, "$") == "$32.50" and fmt(0.161, "$ per kWh") == "$0.161 per kWh"
    assert fmt(9.5, "years") == "9.5 years" and fmt(30, "%") == "30%"
    assert humanize("P10Y") == "10 years" and humanize("P1Y6M") == "1 year, 6 months" and humanize("PG&E") == "PG&E"
    assert display_object(kf("savings", "40", ["d"], currency="USD", period="mo")) == "$40 per month"
    assert display_object(kf("paybackPeriod", "1", ["d"], unit="year")) == "1 year"


def test_cost_per_kw_and_one_figure_per_document():
    facts = [kf("systemCost", "20000", ["d1", "d2"], system_size_kw="8"), kf("systemCost", "30000", ["d3"]),
             kf("systemCost", "36000", ["d4"], system_size_kw="12"), kf("systemCost", "36000", ["d4"])]
    [total] = aggregate(Quantity(predicate="systemCost", unit="$"), facts, "system cost")
    assert total.values == [20000, 20000, 30000, 36000] and total.n == 4 and total.docs == 4
    [per_kw] = aggregate(Quantity(predicate="systemCost", unit="$", per="system_size_kw"), facts, "cost per kW")
    assert sorted(per_kw.values) == [2500, 2500, 3000]  # the fact without a size has no per-kW figure
    cites = Citations()
    text = describe(per_kw, cites, noun="posts")
    assert text.startswith("cost per kW: median $2,500 (range $2,500–$3,000; 3 reports in 3 posts)")
    assert text.endswith("[1][2]") and len(cites.items) == 2  # the facts at the minimum and the maximum


def test_periods_split_and_undated_savings_are_left_out():
    facts = [kf("savings", "40", ["d1"], period="mo"), kf("savings", "50", ["d2"], period="month"),
             kf("savings", "600", ["d3"], period="yr"), kf("savings", "2000", ["d4"])]
    groups = aggregate(Quantity(predicate="savings", by="period", unit="$"), facts, "savings")
    assert [(g.label, g.values) for g in groups] == [("savings per month", [40, 50]), ("savings per year", [600])]


def test_the_stated_value_is_highlighted_in_its_quote():
    fact = kf("systemCost", "28100", ["d"])
    quote = "We paid $28,100 for 10.2 kW."
    a, b = highlight(fact, quote)
    assert quote[a:b] == "$28,100"
    assert highlight(kf("systemCost", "16000", ["d"]), "It was 16k all in.") == (7, 10)
    assert highlight(kf("utility", "PG&E", ["d"]), "We are on pge rates.") is None


def test_contracts_get_a_table_by_document():
    spec = load_pipeline("legal_contracts").report
    facts = [kf("governingLaw", "Delaware", ["c1"]), kf("governingLaw", "New York", ["c2"]),
             kf("renewalTerm", "P1Y", ["c1"])]
    labels = {"governingLaw": "governing law", "renewalTerm": "renewal term"}
    answer = compute_answer(facts, spec, ["contracts"], labels)
    rows = dict(answer.table)
    assert rows["c1"] == {"governing law": "Delaware [1]", "renewal term": "1 year [3]"}
    assert rows["c2"] == {"governing law": "New York [2]"}  # one row per document, whatever the subject's label
    assert "governing law: Delaware (1), New York (1)" in answer.text
