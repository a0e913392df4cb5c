"""Assertion status and number roles, judged through `sro judge`'s loader with the solar pipeline (offline).

Sentences are written for these tests (none comes from the labelled sets the rules were tuned on)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sro.commands.judge import judge_lines


def line(i: int, predicate: str, obj: str, quote: str, *, subject: str = "this installation",
         text: str | None = None, title: str = "My install") -> dict:
    return {"id": str(i), "subject": subject, "predicate": predicate, "object": obj, "quote": quote,
            "text": text or f"{title} {quote}", "title": title, "kind": "submission"}


def verdicts(workspace, tmp_path: Path, lines: list[dict]) -> dict[str, tuple[str, dict]]:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    inputs, _, judgments, _ = judge_lines(workspace, path, "solar_reddit", calibrated=False)
    return {t.id: (j.verdict, {s.axiom: s for s in j.scores}) for t, j in zip(inputs, judgments)}


ASSERTED = [
    ("systemCost", "$41,500", "Last spring we paid $41,500 for the whole system."),
    ("hasBattery", "Powerwall 3", "I have a Powerwall 3 in the garage."),
    ("utility", "Duke Energy", "Would I lose my Duke Energy credits if I add a battery?"),  # presupposed name
    ("systemSize", "11.2 kW", "Our 11.2 kW array went live in March."),
    ("systemSize", "13.5 kW", "Can anybody explain why my 13.5 kW system exports at night?"),  # the author's
    ("hasBattery", "Powerwall 3", "We managed to get the Powerwall 3 wired before winter."),  # it happened
    ("hasBattery", "Powerwall 3", "My wife and I got a Powerwall 3 last year."),
    ("systemSize", "10 kW", "A 10 kW system like mine makes about 40 kWh a day."),
    ("paybackPeriod", "8 years", "With the rates where they are, the payback period is about 8 years."),  # "they": rates
    ("hasBattery", "Powerwall 3", "Some odd things happened after we went live (12 kW with 2 Powerwall 3)."),
    ("utility", "Xcel", "As an Xcel customer I pay a fixed fee every month."),
    ("hasBattery", "Powerwall 3", "We signed the contract for two Powerwall 3 units in December."),
    ("utility", "Xcel", "Question for the group: Xcel net metering with my new Powerwall 3."),
    # a first-person statement the question follows ("..., is that normal?") is asserted
    ("hasBattery", "Powerwall 2", "I have 2x Powerwall 2 installed, one in the garage, but the left one shows no light, "
                                  "is it normal?"),
    ("hasBattery", "PW3", "Tesla PW3 trips the main breaker every night"),  # a headline tells of an event
    ("location", "NJ", "We live in NJ and the array faces south."),  # a state code the NER model calls an org
]
NOT_ASSERTED = [
    ("question", "systemCost", "$3k", "Should I spend $3k on a second battery"),
    ("question", "hasBattery", "Powerwall 3", "Does anyone have a Powerwall 3 in a hot attic?"),
    ("hypothetical", "savings", "$300", "If rates rise again we would save $300 a month."),
    ("future", "systemSize", "9 kW", "Next month the crew will install a 9 kW array."),
    ("plan", "hasBattery", "Powerwall 3", "My brother is interested in getting the Powerwall 3."),
    ("plan", "hasBattery", "Powerwall 3", "We are thinking about a Powerwall 3 for the garage."),
    ("reported", "production", "40 kWh", "I heard that these roofs produce 40 kWh a day."),
    ("reported", "production", "52 kWh", "The array allegedly produced 52 kWh on Sunday."),
    ("negated", "hasBattery", "Powerwall 2", "We never had a Powerwall 2."),
    ("other_system", "systemSize", "6.6 kW", "My neighbour put in a 6.6 kW system last year."),
    ("question", "systemSize", "10 kW", "Is a 10 kW system enough for a 2,500 sqft house"),
    ("question", "hasBattery", "Powerwall 3", "What is the best inverter for a Powerwall 3?"),
    ("plan", "hasBattery", "Powerwall 3", "We are getting two Powerwall 3 units for the garage."),
    ("plan", "hasBattery", "Powerwall 3", "Last week we received an estimate from Tesla for 2 Powerwall 3."),
    ("plan", "hasBattery", "Powerwall 3", "The installer keeps pushing us to put the Powerwall 3 outdoors."),
    ("other_system", "systemSize", "8 kW", "Our 10 kW array makes less than my uncle's 8 kW system."),
    ("other_system", "hasBattery", "Powerwalls", "My parents have two Powerwalls."),
    ("plan", "systemSize", "12 kW", "Our proposed system is 12 kW with two batteries."),
    ("generic", "systemCost", "$30k", "A 10 kW system in Nevada costs about $30k."),
    # a part or feature of a noun ("a system with PW3s") has that noun's status, not a presupposed one
    ("plan", "hasBattery", "PW3s", "Planning a 12 kW system with two PW3s for the new house."),
    ("question", "hasComponent", "Enphase inverters", "Anyone have experience with Enphase inverters in snow?"),
    ("hypothetical", "hasBattery", "PW3s", "I think I would prefer this over microinverters with PW3s."),
    ("other_system", "utility", "Xcel", "For any Xcel customers who went solar last year, which plan did you pick?"),
    ("plan", "hasComponent", "Enphase IQ8", "Also adding a dozen panels with an Enphase IQ8 for cold starts."),
    ("plan", "hasBattery", "Powerwall 3", "We signed for a Powerwall 3 in May but it has not been installed yet."),
    ("plan", "hasBattery", "Powerwall 3", "Bought a Powerwall 3 in June, still waiting for the installer."),
    ("hypothetical", "savings", "$90", "Assuming the rates stay flat, the savings are $90 a month."),
    ("other_system", "hasBattery", "Powerwall 3", "Most of my coworkers have a Powerwall 3."),
    ("future", "hasBattery", "Powerwall 3", "The crew is coming out next week to install the Powerwall 3."),
    ("plan", "hasBattery", "Powerwall 3", "Just put down a deposit on a Powerwall 3."),
    ("plan", "hasBattery", "Powerwall 3", "I'm leaning towards the Powerwall 3."),
    ("question", "hasBattery", "Powerwall 3", "Does the Powerwall 3 support off-grid charging"),
    ("question", "utility", "SCE", "Who here is on SCE's TOU-D-PRIME plan?"),
    ("other_system", "hasBattery", "Powerwall 3", "Tesla owners with a Powerwall 3 get a better rate."),
    ("question", "hasBattery", "Powerwall 3", "Advice on Powerwall 3 placement in a hot garage"),
    ("reported", "hasBattery", "Powerwall 3", "In my opinion, the warranty of the Powerwall 3 is too short."),
    ("question", "hasBattery", "Powerwall 3", "I have a question: does the Powerwall 3 support grid charging?"),
    ("plan", "netMeteringVersion", "NEM 3.0", "Preparing for NEM 3.0 this spring with a second battery."),
    ("plan", "netMeteringVersion", "NEM 3.0", "My bill shows E-TOU-C, but there is another plan called NEM 3.0."),
    ("listed", "utility", "SRP", "Some utilities add a demand charge (APS, SRP, TEP) to solar plans."),
    ("generic", "hasBattery", "Powerwall 2", "Powerwall 2 has a small heater that only runs below freezing."),
]


@pytest.mark.parametrize("predicate,obj,quote", ASSERTED)
def test_first_person_statements_pass_the_assertion_gate(workspace, tmp_path, predicate, obj, quote):
    [(verdict, scores)] = verdicts(workspace, tmp_path, [line(1, predicate, obj, quote)]).values()
    assert scores["assertion"].score == 1.0, scores["assertion"].reason
    assert verdict == "accepted"


@pytest.mark.parametrize("kind,predicate,obj,quote", NOT_ASSERTED)
def test_non_asserted_clauses_are_rejected_with_their_kind(workspace, tmp_path, kind, predicate, obj, quote):
    [(verdict, scores)] = verdicts(workspace, tmp_path, [line(1, predicate, obj, quote)]).values()
    assert verdict == "rejected"
    assert scores["assertion"].score == 0.0 and scores["assertion"].reason.startswith(kind), \
        scores["assertion"].reason


def test_a_quote_post_needs_the_author_speaking_of_their_own_circumstances(workspace, tmp_path):
    title = "Is this quote worth it?"
    got = verdicts(workspace, tmp_path, [
        line(1, "hasBattery", "Powerwall 3", "2 x Powerwall 3 with backup switch", title=title),
        line(2, "location", "Arizona", "I live in Arizona and use SRP.", title=title)])
    assert got["1"][0] == "rejected" and "quote, an estimate or options" in got["1"][1]["assertion"].reason
    assert got["2"][0] == "accepted"


WRONG_ROLE = [
    ("systemCost", "$5k", "Should we go up to the 14 kW system for $5k more", "difference"),
    ("systemCost", "$5,000", "We upgraded the array for $5,000 extra last year.", "difference"),
    ("systemCost", "$14k", "We got a lease payoff quote for $14k.", "not of the predicate"),
    ("systemCost", "$399", "Our loan payment is $399 a month.", "payment"),
    ("incentiveAmount", "$11k", "TurboTax says my refund is $11k this year.", "refund"),
    ("production", "9.72", "I have a 9.72 kWh system with two batteries.", "system"),
    ("production", "8.4", "Last summer the array reached 8.4 kW at noon.", "power"),
    ("quotedPrice", "$17k", "I had two Powerwall 3 units for $17k.", "several units"),
    ("panelCount", "3", "A chimney casts shade on 3 panels every afternoon.", "count of the panels"),
    ("panelCount", "4", "The roofer charged us $900 to remove 4 panels.", "count of the panels"),
    ("systemCost", "$31k", "The remaining loan balance is $31k.", "balance"),
    ("systemCost", "$1,800", "We paid $1,800 for the electrician to move the meter.", "electrician"),
    ("systemCost", "$9k", "We got $9k back on our taxes in April.", "back"),
    ("paybackPeriod", "25 years", "Over 25 years the array saves us about $70k.", "horizon"),
    ("production", "28 kWh", "The house uses about 28 kWh a day.", "not energy produced"),
    ("componentFailure", "Powerwall", "The installer that serviced my Powerwall went out of business.", "not a failure"),
    ("timeToPTO", "5 weeks", "We are going on 5 weeks since the install and the utility still has no meter.",
     "permission to operate"),
    ("componentFailure", "inverter", "Tesla replaced our inverter as part of an upgrade.", "upgrade"),
]


@pytest.mark.parametrize("predicate,obj,quote,why", WRONG_ROLE)
def test_numbers_in_another_role_fail_the_number_role_gate(workspace, tmp_path, predicate, obj, quote, why):
    subject = "Powerwall 3" if predicate == "quotedPrice" else "this installation"
    [(verdict, scores)] = verdicts(workspace, tmp_path, [line(1, predicate, obj, quote, subject=subject)]).values()
    assert verdict == "rejected"
    assert scores["number_role"].score == 0.0 and why in scores["number_role"].reason, scores["number_role"].reason


@pytest.mark.parametrize("predicate,obj,quote", [
    ("systemCost", "$41,500", "Last spring we paid $41,500 for the whole system."),
    ("production", "31.4 kWh", "Yesterday my panels generated 31.4 kWh."),
    ("electricityRate", "$0.28", "My utility charges $0.28 per kWh off peak."),
    ("panelCount", "28", "Inverters: two Tesla inverters, 4 strings for a total of 28 panels."),
    ("panelCount", "30", "We have 30 panels on the south roof."),
    ("paybackPeriod", "7 years", "The system paid for itself in 7 years."),
    ("componentFailure", "inverter", "Our inverter failed after two years."),
    ("componentFailure", "gateway", "Tesla replaced my gateway because it kept dropping offline."),
    ("timeToPTO", "6 weeks", "It took 6 weeks from install to get PTO from Xcel."),
])
def test_numbers_in_their_own_role_pass(workspace, tmp_path, predicate, obj, quote):
    [(verdict, scores)] = verdicts(workspace, tmp_path, [line(1, predicate, obj, quote)]).values()
    assert scores["number_role"].score == 1.0, scores["number_role"].reason
    assert verdict == "accepted"


def test_a_post_where_the_author_means_to_acquire_something_needs_them_speaking_of_their_own(workspace, tmp_path):
    title = "Battery sizing"
    text = ("Battery sizing\n\nWe are thinking about adding a battery this spring. 2 x Powerwall 3 with backup switch. "
            "Based in Tucson, AZ. I have a 9 kW array on the roof. My array is 9 kW. "
            "I measured twice, the garage wall fits a Powerwall 3.")
    got = verdicts(workspace, tmp_path, [
        line(1, "hasBattery", "Powerwall 3", "2 x Powerwall 3 with backup switch.", title=title, text=text),
        line(2, "location", "Tucson", "Based in Tucson, AZ.", title=title, text=text),
        line(3, "systemSize", "9 kW", "I have a 9 kW array on the roof.", title=title, text=text),
        line(4, "systemSize", "9 kW", "My array is 9 kW.", title=title, text=text),
        # the author in the sentence but not in the fact's clause: the garage is theirs, the battery not yet
        line(5, "hasBattery", "Powerwall 3", "I measured twice, the garage wall fits a Powerwall 3.", title=title,
             text=text)])
    assert got["1"][0] == "rejected" and "mean to acquire" in got["1"][1]["assertion"].reason
    assert got["5"][0] == "rejected" and "mean to acquire" in got["5"][1]["assertion"].reason
    assert got["2"][0] == "accepted" and got["3"][0] == "accepted" and got["4"][0] == "accepted"


def test_a_post_where_the_author_is_getting_something_in_the_present_progressive(workspace, tmp_path):
    arranged = ("Backup wiring\n\nWe are installing two Powerwall 3 units next to the main panel. "
                "Gateway 3 and a Powerwall 3 with the backup switch.")
    frustrated = ("Backup wiring\n\nI'm getting frustrated with the app. "
                  "Gateway 3 and a Powerwall 3 with the backup switch.")
    quote = "Gateway 3 and a Powerwall 3 with the backup switch."
    got = verdicts(workspace, tmp_path, [
        line(1, "hasBattery", "Powerwall 3", quote, title="Backup wiring", text=arranged),
        line(2, "hasBattery", "Powerwall 3", quote, title="Backup wiring", text=frustrated)])
    assert got["1"][0] == "rejected" and "mean to acquire" in got["1"][1]["assertion"].reason
    assert got["2"][0] == "accepted", got["2"][1]["assertion"].reason


def test_a_post_given_without_its_title_is_read_for_one_in_its_first_sentence(workspace, tmp_path):
    """`sro judge` input may omit `title`: a text that starts with a quote-post title is still read as one."""
    fact = line(1, "hasBattery", "Powerwall 3", "2 x Powerwall 3 with backup switch.",
                text="Is this quote fair for Phoenix 2 x Powerwall 3 with backup switch.")
    del fact["title"]
    owned = line(2, "hasBattery", "Powerwall 3", "2 x Powerwall 3 with backup switch.",
                 text="Two years in 2 x Powerwall 3 with backup switch.")
    del owned["title"]
    got = verdicts(workspace, tmp_path, [fact, owned])
    assert got["1"][0] == "rejected" and "quote, an estimate or options" in got["1"][1]["assertion"].reason
    assert got["2"][0] == "accepted", got["2"][1]["assertion"].reason


def test_meaning_to_acquire_more_of_something_makes_a_plan_of_that_thing_only(workspace, tmp_path):
    quote = "The PW3 firmware from May stopped the app from loading."
    first = f"App trouble I'm looking to install a PW3 next year. {quote}"
    more = f"App trouble I'm looking to add another battery next year. {quote}"
    got = verdicts(workspace, tmp_path, [
        line(1, "hasBattery", "PW3", quote, title="App trouble", text=first),
        line(2, "hasBattery", "PW3", quote, title="App trouble", text=more)])
    assert got["1"][0] == "rejected" and "mean to acquire" in got["1"][1]["assertion"].reason
    assert got["2"][0] == "accepted", got["2"][1]["assertion"].reason
