"""Sentence templates for the SYNTHETIC solar posts: facts an offline extractor can find (costs, sizes,
payback, failures, production, bill savings, brands, installers, utilities, net metering, incentives,
warranties), plus negative and unclear experiences. Installer names are invented."""

from __future__ import annotations

import random

PLACES = [  # (place, utility, net metering phrase, sun factor kWh per kW-year)
    ("the Bay Area", "PG&E", "NEM 2.0", 1450), ("Sacramento", "SMUD", "SMUD's solar billing plan", 1500),
    ("Fresno", "PG&E", "NEM 3.0", 1600), ("Orange County", "SCE", "NEM 2.0", 1550),
    ("the Inland Empire", "SCE", "NEM 3.0", 1650), ("San Diego", "SDG&E", "NEM 2.0", 1580),
    ("Raleigh", "Duke Energy", "net metering", 1300), ("Charlotte", "Duke Energy", "net metering", 1280),
    ("Phoenix", "APS", "the export rate plan", 1750), ("Tampa", "TECO", "net metering", 1450),
    ("Denver", "Xcel Energy", "net metering", 1450), ("central New Jersey", "PSE&G", "net metering", 1200),
    ("Austin", "Austin Energy", "the value-of-solar tariff", 1500), ("Boston", "Eversource", "net metering", 1150),
]
PANELS = ["Qcells", "REC", "LG", "Panasonic", "Canadian Solar", "Tesla", "Maxeon", "Jinko"]
INVERTERS = ["SolarEdge", "Enphase", "Tesla", "SMA", "Fronius"]
INVERTER_NAMES = {"SolarEdge": "SolarEdge inverter", "Enphase": "Enphase IQ8 microinverters",
                  "Tesla": "Tesla inverter", "SMA": "SMA inverter", "Fronius": "Fronius inverter"}
BATTERIES = ["Tesla Powerwall", "Powerwall 3", "Enphase IQ Battery", "LG RESU", "Franklin aPower"]
INSTALLERS = ["SunHarbor Energy", "Blue Ridge Solar Co.", "Desert Sun Installers", "Golden Coast Solar",
              "Brightfield Power", "Summit Rooftop Solar", "Cardinal Solar Works", "Tesla Energy"]
FLAIRS = ["Cost", "Equipment", "Installer", "Net Metering", "Battery", "Production", "Question", "Rant"]


def _system(rng: random.Random) -> dict:
    place, utility, nem, sun = rng.choice(PLACES)
    kw = round(rng.choice([4.8, 5.6, 6.4, 7.2, 8.0, 8.4, 9.6, 10.2, 11.2, 12.8]) * 1.0, 1)
    ppw = rng.uniform(2.5, 4.1)
    cost = int(round(kw * ppw * 1000, -2))
    inverter = rng.choice(INVERTERS)
    return {
        "place": place, "utility": utility, "nem": nem, "kw": kw, "cost": cost, "ppw": cost / kw / 1000,
        "kwh": int(round(kw * sun * rng.uniform(0.9, 1.05), -2)), "panel": rng.choice(PANELS),
        "inverter": inverter, "inv": INVERTER_NAMES[inverter], "installer": rng.choice(INSTALLERS),
        "battery": rng.choice(BATTERIES), "payback": rng.choice([6, 7, 8, 8, 9, 10, 11, 12, 14]),
        "bill_before": rng.choice([180, 210, 240, 265, 310, 345, 420]), "bill_after": rng.choice([12, 15, 18, 25, 40, 60]),
        "years": rng.choice([1, 2, 3, 3, 4, 5]), "panels_n": int(kw * 1000 // rng.choice([400, 410, 430])),
    }


def _money(n: float) -> str:
    return f"${n:,.0f}"


FACTS = {
    "cost": [
        "We paid {cost} for {kw} kW of {panel} panels with {inv}, installed by {installer}.",
        "Final price was {cost} for a {kw} kW system ({ppw} per watt) before the 30% federal tax credit.",
        "{installer} quoted {cost} for {kw} kW, which works out to {ppw}/W.",
        "Our {kw} kW {panel} system cost {cost} all in; after the 30% federal tax credit we are at {net}.",
    ],
    "payback": [
        "With {utility} rates where they are, the payback period is about {payback} years.",
        "My spreadsheet says payback in {payback} years, maybe sooner if rates keep going up.",
        "Payback period of {payback} years according to the installer, which seemed optimistic to me.",
    ],
    "failure": [
        "My {inverter} inverter died after {years} years and it took {installer} six weeks to replace it.",
        "{years} years in, the {inverter} unit failed and the system was down for a month.",
        "The {inv} started throwing ground fault errors after {years} years. Warranty covered the part but not the labor.",
    ],
    "production": [
        "The system produces about {kwh} kWh a year here in {place}.",
        "First full year we produced {kwh} kWh, which covered roughly all of our usage.",
        "It generates around {kwh} kWh per year; July is the best month and December the worst.",
    ],
    "bill": [
        "Our {utility} bill went from {bill_before} to {bill_after} a month.",
        "Electric bill dropped from about {bill_before} to {bill_after} a month, mostly the connection fee now.",
        "We used to pay {bill_before} a month to {utility}; now it's {bill_after} plus the true-up.",
    ],
    "nem": [
        "We got in under {nem} with {utility}, so exports are credited at close to retail.",
        "{utility} put us on {nem} and the export credits are a lot lower than I expected.",
        "Being grandfathered on {nem} for 20 years was the main reason we rushed the install.",
    ],
    "warranty": [
        "{panel} gives a 25-year panel warranty and {installer} adds a 10-year workmanship warranty.",
        "{panel} panels have a 25-year product warranty and a 25-year performance warranty.",
        "{inverter} only covers 12 years on the inverter, which worries me for a 25-year system.",
    ],
    "battery": [
        "We added a {battery} for {battcost}; it kept the fridge and internet running for {hours} hours during a {utility} outage.",
        "The {battery} cost {battcost} installed and mostly does time-of-use shifting.",
    ],
    "negative": [
        "Honestly I regret it: {installer} missed three appointments and left a roof leak over the garage.",
        "{installer} went quiet after the install and the monitoring never worked.",
        "The permit and interconnection with {utility} took five months, nobody told us it would be that slow.",
    ],
    "unclear": [
        "Not sure if the system is underperforming; the app shows less than the estimate but it was a cloudy spring.",
        "I can't tell whether the savings are real or just a mild summer.",
        "No idea if {ppw}/W is good for {place}; quotes are all over the place.",
    ],
}
TITLES = {
    "cost": ["Is {cost} for {kw} kW a good price in {place}?", "Quote review: {kw} kW {panel} + {inverter}",
             "Finally signed with {installer}"],
    "failure": ["{inverter} inverter failure after {years} years", "System down again", "Warranty claim experience"],
    "production": ["One year production report ({kw} kW, {place})", "How much does your {kw} kW system make?"],
    "bill": ["First true-up with {utility}", "Bill savings after one year"],
    "nem": ["{nem} question", "{utility} and {nem}: worth it?"],
    "battery": ["{battery} worth it?", "Battery during the outage last week"],
    "negative": ["Regret going solar", "Avoid {installer}?", "Bad installer experience"],
    "unclear": ["Is my system underperforming?", "Confused about my numbers"],
}
OPENERS = ["Long time lurker here.", "Some numbers for anyone shopping around.", "Posting this for future searchers.",
           "", "", "Throwaway for obvious reasons.", "Quick update on our install."]
CLOSERS = ["Happy to answer questions.", "Anyone else seeing this?", "Would I do it again? Probably yes.",
           "Thoughts?", "", "", "Lesson learned: get three quotes."]


def _fill(template: str, s: dict, rng: random.Random) -> str:
    values = {**s, "cost": _money(s["cost"]), "net": _money(s["cost"] * 0.7), "ppw": f"${s['ppw']:.2f}",
              "bill_before": _money(s["bill_before"]), "bill_after": _money(s["bill_after"]),
              "kwh": f"{s['kwh']:,}", "battcost": _money(rng.choice([11500, 13200, 15800, 16400, 19900])),
              "hours": rng.choice([9, 14, 20, 31, 40])}
    return template.format(**values)


def submission_text(rng: random.Random) -> tuple[str, str, str]:
    s = _system(rng)
    topic = rng.choice(list(TITLES))
    kinds = [topic] + rng.sample([k for k in FACTS if k != topic], rng.randint(1, 3))
    sentences = [_fill(rng.choice(FACTS[k]), s, rng) for k in kinds]
    paragraphs = [p for p in (rng.choice(OPENERS), " ".join(sentences[:2]), " ".join(sentences[2:]),
                              rng.choice(CLOSERS)) if p]
    title = _fill(rng.choice(TITLES[topic]), s, rng)
    flair = {"cost": "Cost", "failure": "Equipment", "nem": "Net Metering", "battery": "Battery",
             "production": "Production", "negative": "Rant"}.get(topic, "Question")
    return title, "\n\n".join(paragraphs), flair


REPLIES = ["Following.", "Depends a lot on your roof and shading.", "Get at least three quotes.",
           "That sounds about right for your area.", "Did you check the monitoring portal?"]


def comment_text(rng: random.Random, sub: dict) -> str:
    if rng.random() < 0.25:
        return rng.choice(REPLIES)
    s = _system(rng)
    kinds = rng.sample(list(FACTS), rng.randint(1, 2))
    lead = rng.choice(["Same here.", "For comparison:", "Different experience:", "", "Data point:"])
    return " ".join(p for p in [lead] + [_fill(rng.choice(FACTS[k]), s, rng) for k in kinds] if p)
