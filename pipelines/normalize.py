"""Normalisers for the values pipelines extract: dates, durations, jurisdictions, money, party names.

Used in two places with the same rules, so that extraction and evaluation agree:
- a `Pattern` may name one in `normalizer:`; the offline extractor then stores `apply(name, text)` as the
  literal's normalised value (`Value.value`), keeping the surface text in `Value.text`;
- `experiments/eval_cuad.py` normalises both the extracted values and CUAD's gold answers with them.

Every function returns None when it cannot read its input: an unreadable value is "no answer", never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "a": 1, "an": 1, "single": 1, "half": 0.5,
}


def _year(text: str) -> int | None:
    y = int(text)
    if len(text) <= 2:  # CUAD writes 6/8/10; contracts in CUAD span 1990s-2020s
        y += 2000 if y <= 40 else 1900
    return y if 1900 <= y <= 2100 else None


def iso_date(text: str) -> str | None:
    """A date as ISO 8601 at the precision the text gives: 2010-06-08, 2010-06 or 2010.

    Reads "June 8, 2010", "8th June 2010", "15 April, 2009", "the 14th day of June, 2006",
    "this ___ day of ______, 2004" (year only), "September __, 2018" (month), "6/8/10", "2010-06-08" and
    CUAD's "11/[]/2006".
    """
    t = " ".join(text.replace(",", " , ").split()).lower()
    # EDGAR text splits ordinals ("15t h day", "1 st day"): drop the suffix before reading the day.
    t = re.sub(r"(\d)\s*(?:st|nd|rd|th|t\s+h|s\s+t|n\s+d|r\s+d)\b", r"\1", t)
    if m := re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", t):
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", t):  # ISO year-month, as this function writes it
        return f"{m[1]}-{int(m[2]):02d}" if 1 <= int(m[2]) <= 12 else None
    if m := re.search(r"(\d{1,2}|\[\])\s*/\s*(\d{1,2}|\[\])\s*/\s*(\d{2}|\d{4})\b", t):
        year = _year(m[3])
        if year is None:
            return None
        if m[1] == "[]":
            return str(year)
        if m[2] == "[]":
            return f"{year}-{int(m[1]):02d}" if 1 <= int(m[1]) <= 12 else None
        month, day = int(m[1]), int(m[2])
        if month > 12 >= day:  # day-first ("29/3/18"), as non-US contracts write it
            month, day = day, month
        return _ymd(year, month, day)
    month_day = re.search(rf"\b({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b\s*,?\s*(\d{{4}})\b", t)
    day_month = re.search(
        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?({_MONTH_RE})\s*,?\s*(?:in\s+the\s+year\s+)?(\d{{4}})\b", t)
    if month_day:
        month = MONTHS[month_day[1].rstrip(".")[:3]]
        return _ymd(int(month_day[3]), month, int(month_day[2]))
    if day_month:
        month = MONTHS[day_month[2].rstrip(".")[:3]]
        return _ymd(int(day_month[3]), month, int(day_month[1]))
    if m := re.search(rf"\b({_MONTH_RE})\s*(?:_+|\[[^\]]*\])?\s*,?\s*(\d{{4}})\b", t):  # "September __, 2018"
        return f"{int(m[2])}-{MONTHS[m[1].rstrip('.')[:3]]:02d}"
    if m := re.search(r"\b(19\d{2}|20\d{2})\b", t):
        return m[1]
    return None


def _ymd(year: int, month: int, day: int) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2100):
        return None
    return f"{year}-{month:02d}-{day:02d}"


def _number(text: str) -> float | None:
    """A count written as digits, words or both: "ninety (90)", "twelve", "1.5", "6)"."""
    t = text.lower().strip()
    if m := re.search(r"\(\s*(\d+(?:\.\d+)?)\s*\)", t):  # the digits in "ninety (90)" win
        return float(m[1])
    if m := re.search(r"\d+(?:\.\d+)?", t):
        return float(m[0])
    total, seen = 0.0, False
    for word in re.split(r"[\s-]+", t):
        if word in NUMBER_WORDS:
            total = total * 100 if word == "hundred" and seen else total + NUMBER_WORDS[word]
            seen = True
    return total if seen else None


def duration(text: str) -> str | None:
    """A duration as ISO 8601, in months for years/months ("P12M") and in days for days/weeks ("P90D").

    Years become months so that "1 year" and "12 months" compare equal; "annual" is P12M.
    """
    t = text.lower()
    if re.search(r"\bannual(ly)?\b|\byearly\b", t) and not re.search(r"\d|\b(one|two|three|four|five)\b", t):
        return "P12M"
    m = re.search(r"\b(year|month|week|day|business day)s?\b", t)
    if not m:
        return None
    n = _number(t[: m.start()]) or (1.0 if re.search(r"\b(a|an|one|each|successive)\s*$", t[: m.start()]) else None)
    if n is None:
        return None
    unit = m[1]
    if unit == "year":
        months = n * 12
        return f"P{int(months)}M" if months == int(months) else None
    if unit == "month":
        return f"P{int(n)}M" if n == int(n) else None
    days = n * 7 if unit == "week" else n
    return f"P{int(days)}D"


US_STATES = [
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
    "District of Columbia", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas",
    "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi",
    "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York",
    "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island",
    "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington",
    "West Virginia", "Wisconsin", "Wyoming", "Puerto Rico",
]
# Countries and sub-national systems that appear in commercial contracts; aliases map onto one name.
JURISDICTION_ALIASES = {
    "england and wales": "England", "england & wales": "England", "england": "England",
    "united kingdom": "United Kingdom", "scotland": "Scotland", "ireland": "Ireland",
    "federal republic of germany": "Germany", "germany": "Germany", "france": "France", "japan": "Japan",
    "the netherlands": "Netherlands", "netherlands": "Netherlands", "switzerland": "Switzerland",
    "israel": "Israel", "state of israel": "Israel", "singapore": "Singapore", "hong kong": "Hong Kong",
    "hong kong sar": "Hong Kong", "people's republic of china": "China", "prc": "China", "china": "China",
    "india": "India", "canada": "Canada", "ontario": "Ontario", "british columbia": "British Columbia",
    "quebec": "Quebec", "alberta": "Alberta", "australia": "Australia", "new south wales": "New South Wales",
    "victoria": "Victoria", "sweden": "Sweden", "norway": "Norway", "denmark": "Denmark", "spain": "Spain",
    "italy": "Italy", "brazil": "Brazil", "mexico": "Mexico", "korea": "South Korea",
    "republic of korea": "South Korea", "south korea": "South Korea", "taiwan": "Taiwan",
    "cayman islands": "Cayman Islands", "bermuda": "Bermuda", "luxembourg": "Luxembourg",
    "belgium": "Belgium", "austria": "Austria", "finland": "Finland", "united states": "United States",
    "english": "England", "german": "Germany", "french": "France", "japanese": "Japan", "swiss": "Switzerland",
    "dutch": "Netherlands", "irish": "Ireland", "israeli": "Israel", "chinese": "China", "colombia": "Colombia",
    "beijing": "Beijing", "italian": "Italy", "canadian": "Canada", "singaporean": "Singapore",
    "united states of america": "United States", "usa": "United States", "u.s.a.": "United States",
}
JURISDICTION_ALIASES.update({s.lower(): s for s in US_STATES})
JURISDICTION_ALIASES["commonwealth of massachusetts"] = "Massachusetts"
JURISDICTION_ALIASES["commonwealth of virginia"] = "Virginia"
JURISDICTION_ALIASES["commonwealth of pennsylvania"] = "Pennsylvania"
# Longest first so "West Virginia" wins over "Virginia" and "New Mexico" over "Mexico".
_JURIS_RE = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(JURISDICTION_ALIASES, key=len, reverse=True)) + r")\b")


def jurisdiction(text: str) -> str | None:
    """The canonical name of the first jurisdiction named in `text` ("the State of New York" -> "New York")."""
    m = _JURIS_RE.search(" ".join(text.lower().split()))
    return JURISDICTION_ALIASES[m[1]] if m else None


def jurisdictions(text: str) -> list[str]:
    """All jurisdictions in a gold answer such as "Massachusetts; Netherlands"."""
    out: list[str] = []
    for part in re.split(r"[;/]| and (?!wales)", text, flags=re.I):
        if (name := jurisdiction(part)) and name not in out:
            out.append(name)
    return out


def money(text: str) -> str | None:
    """An amount as a plain decimal: "$16,100" -> "16100", "$12.4k" -> "12400", "16k" -> "16000"."""
    m = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*([kKmM])?\b", text.replace(" ", "")) or re.search(
        r"(\d[\d,]*(?:\.\d+)?)\s*([kKmM])?", text)
    if not m:
        return None
    value = float(m[1].replace(",", ""))
    scale = {"k": 1e3, "m": 1e6}.get((m[2] or "").lower(), 1.0)
    value *= scale
    # keep sub-cent precision ($0.116/kWh is not $0.12)
    return str(int(value)) if value == int(value) else f"{value:.4f}".rstrip("0").rstrip(".")


def decimal(text: str) -> str | None:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    return m[0].replace(",", "") if m else None


_SUFFIXES = re.compile(
    r"\b(incorporated|inc|corporation|corp|company|co|limited|ltd|llc|l\.l\.c|lp|l\.p|llp|plc|gmbh|ag|sa|s\.a|"
    r"s\.a\.s|sas|bv|b\.v|nv|n\.v|pte|pty|the)\b\.?")


def party_key(text: str) -> str:
    """A comparison key for a party name: lower case, no punctuation, no legal-form suffixes or "the"."""
    t = re.sub(r"\(.*?\)|[\"“”'’]", " ", text.lower())
    t = _SUFFIXES.sub(" ", t)
    t = re.sub(r"[^a-z0-9& ]+", " ", t)
    return " ".join(t.split())


UTILITY_ALIASES = {
    "pge": "PG&E", "pg&e": "PG&E", "sdge": "SDG&E", "sdg&e": "SDG&E", "sce": "SCE",
    "southern california edison": "SCE", "duke": "Duke Energy", "xcel": "Xcel Energy", "dominion": "Dominion Energy",
    "coned": "Con Edison", "con ed": "Con Edison", "con edison": "Con Edison", "nvenergy": "NV Energy",
    "heco": "Hawaiian Electric", "pse": "PSE", "puget sound energy": "PSE", "pseg": "PSE&G", "pse&g": "PSE&G",
}


def utility(text: str) -> str | None:
    """Canonical utility name: "PGE" and "PG&E" are one company."""
    key = " ".join(text.split())
    return UTILITY_ALIASES.get(key.lower(), key) or None


def net_metering(text: str) -> str | None:
    """"NEM3", "nem 3.0", "NEM-3" -> "NEM 3.0"; "net billing" -> "net billing"; "net metering" as is."""
    t = " ".join(text.lower().split())
    if m := re.search(r"nem\s?-?\s?([123])", t):
        return f"NEM {m[1]}.0"
    if "1:1" in t:
        return "1:1 net metering"
    return "net billing" if "billing" in t else "net metering"


REGION_ALIASES = {
    "ca": "California", "tx": "Texas", "fl": "Florida", "az": "Arizona", "nv": "Nevada", "co": "Colorado",
    "nj": "New Jersey", "ny": "New York", "ma": "Massachusetts", "ct": "Connecticut", "il": "Illinois",
    "socal": "California", "norcal": "California", "bay area": "California",
}


def region(text: str) -> str | None:
    """A US state, province or country; postal codes and "SoCal"/"Bay Area" map onto the state."""
    key = " ".join(text.split())
    return REGION_ALIASES.get(key.lower()) or jurisdiction(key) or key.title()


def cents(text: str) -> str | None:
    """"32 cents" -> "0.32" (USD)."""
    value = decimal(text)
    return f"{float(value) / 100:.4f}".rstrip("0").rstrip(".") if value else None


COMPONENTS = {"inverter": "Inverter", "gateway": "Gateway", "powerwall": "Powerwall", "power wall": "Powerwall",
              "pw3": "Powerwall 3", "panel": "Solar panel", "optimizer": "Optimizer", "optimiser": "Optimizer",
              "battery": "Battery", "mci": "MCI (mid-circuit interrupter)", "meter": "Meter",
              "backup switch": "Backup Switch"}


def component(text: str) -> str | None:
    """A component's canonical label: "inverter" -> "Inverter", "power wall" -> "Powerwall"."""
    key = " ".join(text.lower().split())
    return COMPONENTS.get(key) or COMPONENTS.get(key.rstrip("s")) or text.strip().title() or None


def battery(text: str) -> str | None:
    """Battery product names: "PW3", "power walls 2", "Powerwall2+" -> "Powerwall 3" / "Powerwall 2" /
    "Powerwall 2+"; other batteries keep their name."""
    t = " ".join(text.split())
    if m := re.fullmatch(r"(?i)(?:tesla\s+)?(?:power\s?walls?|pws?)\s?(2\+|2|3)?", t):
        return f"Powerwall {m[1]}" if m[1] else "Powerwall"
    return t or None


def perpetual(text: str) -> str | None:
    """"in perpetuity", "perpetual", "remain in effect until terminated" -> "perpetual" (CUAD's answer)."""
    return "perpetual" if re.search(r"perpetu|indefinitely|until\s+terminated", text, re.I) else None


NORMALIZERS: dict[str, Callable[[str], str | None]] = {
    "perpetual": perpetual, "component": component, "battery": battery, "utility": utility, "net_metering": net_metering, "region": region, "cents": cents,
    "date": iso_date, "duration": duration, "jurisdiction": jurisdiction, "money": money,
    "decimal": decimal, "party": lambda s: party_key(s) or None,
}


def apply(name: str, text: str) -> str | None:
    """Run the normaliser called `name` (see NORMALIZERS) on `text`; KeyError for an unknown name."""
    return NORMALIZERS[name](text)
