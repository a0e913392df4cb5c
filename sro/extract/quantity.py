"""Qualifiers of a quantity read from its quote: the period it is per, and whether it is before or after
incentives ("$399/mo", "12,000 kWh a year", "$49,943 before tax credits", "$25,864 after incentives").
They go to the graph with the fact (sro.triples.to_graph), beside the unit and currency."""

from __future__ import annotations

import re

from sro.nlp.models import Candidate, Value

_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")
_PERIOD = [
    ("month", re.compile(r"^\s*(?:k\b)?\s*(?:/\s*(?:mo|month)\b|(?:a|per|each|every)\s+month\b|monthly\b|"
                         r"/\s*m\b)", re.IGNORECASE)),
    ("year", re.compile(r"^\s*(?:k\b)?\s*(?:/\s*(?:yr|year)\b|(?:a|per|each|every)\s+year\b|annually\b|yearly\b|"
                        r"/\s*y\b)", re.IGNORECASE)),
    ("day", re.compile(r"^\s*(?:k\b)?\s*(?:/\s*day\b|(?:a|per|each|every)\s+day\b|daily\b)", re.IGNORECASE)),
    ("lifetime", re.compile(r"^\s*(?:k\b)?\s*(?:over|for)\s+the\s+(?:life|lifetime)\b", re.IGNORECASE)),
]
_UNIT = re.compile(r"^\s*(?:[kKmM]?[wW][hH]?|kwh|mwh)\b", re.IGNORECASE)
_INCENTIVES = re.compile(r"\b(before|after|w/?o|without|with|minus|net of|pre)[\s-]+(?:the\s+)?(?:\d+%\s+)?"
                         r"(?:federal\s+)?(?:tax\s+)?(?:credits?|incentives?|rebates?|itc)\b", re.IGNORECASE)
_AFTER = {"after", "with", "minus", "net of"}


def qualifiers(c: Candidate) -> dict[str, str]:
    """{"period": month|year|day|lifetime, "incentives": before|after} as far as the quote says."""
    obj = c.object
    if not isinstance(obj, Value) or obj.datatype not in ("money", "decimal", "integer"):
        return {}
    quote = c.evidence.quote
    number = _NUM.search(obj.text)
    at = quote.find(number.group(0)) if number else -1
    if at < 0:
        return {}
    rest = quote[at + len(number.group(0)):]
    rest = rest[_UNIT.match(rest).end():] if _UNIT.match(rest) else rest
    out = {}
    period = next((name for name, rx in _PERIOD if rx.match(rest)), None)
    if period:
        out["period"] = period
    incentive = _INCENTIVES.search(quote[at: at + len(number.group(0)) + 60])
    if incentive and obj.datatype == "money":
        out["incentives"] = "after" if incentive.group(1).lower() in _AFTER else "before"
    return out
