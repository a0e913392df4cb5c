"""Typed literals from surface text: money, dates, durations, numbers with units, percentages.

Each parser returns a `Value` (normalised lexical form + unit/currency) or None when the text is not that
kind of literal. Used by the offline extractor (on spaCy's MONEY/DATE/QUANTITY/CARDINAL/PERCENT spans) and
by pipeline patterns.
"""

from __future__ import annotations

import re

from sro.nlp.models import Value

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_CURRENCY_WORDS = {"usd": "USD", "dollar": "USD", "dollars": "USD", "eur": "EUR", "euro": "EUR", "euros": "EUR",
                   "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "cad": "CAD", "aud": "AUD"}
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_NUM_RE = re.compile(_NUM)
_DURATION_UNITS = {"year": "Y", "yr": "Y", "month": "M", "week": "W", "day": "D", "hour": "H", "minute": "MIN"}
_WORD_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}


def parse_number(text: str) -> float | None:
    """First number in `text` with k/million scaling; None if there is none."""
    match = re.search(_NUM + r"\s*(k|thousand|mm|m|million|bn|b|billion)?\b", text, re.I)
    if not match:
        return None
    value = float(match.group(1).replace(",", "") + ("." + match.group(2) if match.group(2) else ""))
    scale = (match.group(3) or "").lower()
    return value * _SCALE.get(scale, 1.0)


def lexical(value: float) -> str:
    """"12000" rather than "12000.0"; decimals kept as written by repr."""
    return str(int(value)) if value == int(value) else repr(value)


def money(text: str) -> Value | None:
    currency = next((code for sym, code in _CURRENCY_SYMBOLS.items() if sym in text), None)
    if currency is None:
        words = re.findall(r"[a-z]+", text.lower())
        currency = next((_CURRENCY_WORDS[w] for w in words if w in _CURRENCY_WORDS), None)
    amount = parse_number(text)
    if currency is None or amount is None:
        return None
    return Value(text=text, datatype="money", value=lexical(amount), currency=currency)


def date(text: str) -> Value | None:
    low = text.lower()
    iso = re.search(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b", low)
    if iso:
        return Value(text=text, datatype="date", value=iso.group(0))
    year = re.search(r"\b(1[5-9]\d{2}|20\d{2})\b", low)
    month = next((num for word, num in _MONTHS.items() if re.search(rf"\b{word}\b", low)), None)
    if not year:
        return None
    value = year.group(1)
    if month:
        value += f"-{month:02d}"
        day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", low.replace(year.group(1), " "))
        if day and 1 <= int(day.group(1)) <= 31:
            value += f"-{int(day.group(1)):02d}"
    return Value(text=text, datatype="date", value=value)


def duration(text: str) -> Value | None:
    low = text.lower()
    match = re.search(r"\b(\d+(?:\.\d+)?|" + "|".join(_WORD_NUMBERS) + r")[\s-]*"
                      r"(year|yr|month|week|day|hour|minute)s?\b", low)
    if not match:
        return None
    raw = match.group(1)
    amount = _WORD_NUMBERS.get(raw, raw)
    unit = _DURATION_UNITS[match.group(2)]
    value = f"PT{amount}{unit[0]}" if unit in ("H", "MIN") else f"P{amount}{unit}"
    return Value(text=text, datatype="duration", value=value, unit=match.group(2))


def quantity(text: str) -> Value | None:
    """A number, optionally with a unit word right after it ("10 kW", "25%", "17068.8 millimetres")."""
    match = re.search(_NUM + r"\s*(%|[a-zA-Z][a-zA-Z/²³]*)?", text)
    if not match:
        return None
    number = parse_number(match.group(0)) if not match.group(3) or match.group(3).lower() not in _SCALE \
        else parse_number(text)
    if number is None:
        return None
    unit = match.group(3)
    if unit and unit.lower() in _SCALE:
        unit = None
    datatype = "integer" if number == int(number) and not match.group(2) else "decimal"
    return Value(text=text, datatype=datatype, value=lexical(number), unit=unit)


def from_entity(text: str, label: str) -> Value | None:
    """Literal for a spaCy entity label; None for labels that are not literals."""
    if label == "MONEY":
        return money(text) or quantity(text)
    if label == "DATE":
        return duration(text) or date(text)
    if label == "TIME":
        return duration(text)
    if label in ("QUANTITY", "CARDINAL", "PERCENT"):
        return duration(text) or quantity(text)
    return None


def from_type(text: str, datatype: str, unit: str | None = None, currency: str | None = None) -> Value | None:
    """Literal of a declared pipeline datatype (patterns): None when the text does not parse as one."""
    if datatype == "money":
        value = money(text) or (quantity(text) if currency else None)
        if value is not None and currency:
            value = value.model_copy(update={"datatype": "money", "currency": currency.upper()})
        return value
    if datatype == "date":
        return date(text)
    if datatype == "duration":
        return duration(text)
    if datatype in ("decimal", "integer"):
        value = quantity(text)
        if value is None:
            return None
        return value.model_copy(update={"datatype": datatype, "unit": unit or value.unit})
    if datatype == "boolean":
        low = text.strip().lower()
        if low in ("yes", "true", "no", "false"):
            return Value(text=text, datatype="boolean", value=str(low in ("yes", "true")).lower())
        return None
    return Value(text=text, datatype="string", value=text.strip())
