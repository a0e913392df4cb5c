"""Aggregates a report states: per quantity of the pipeline's `report:` spec, count, median and range with
units (numbers) or counts per value (entities), each figure tied to the facts that state it; and the
citation list every `[n]` of the report points into."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from pipelines.report_spec import Quantity
from sro.campaign.facts import KeyFact

PERIODS = {"mo": "month", "month": "month", "yr": "year", "year": "year", "day": "day", "week": "week"}
DURATION_RE = re.compile(r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?$")


class Citations:
    """Facts numbered in order of first citation: `[n]` in the text is `items[n - 1]`."""

    def __init__(self) -> None:
        self.items: list[KeyFact] = []
        self._index: dict[str, int] = {}

    def cite(self, fact: KeyFact) -> int:
        if fact.assertion not in self._index:
            self.items.append(fact)
            self._index[fact.assertion] = len(self.items)
        return self._index[fact.assertion]

    def marks(self, facts: list[KeyFact]) -> str:
        return "".join(f"[{self.cite(f)}]" for f in facts)


@dataclass
class Aggregate:
    """One quantity (for one value of its `by` qualifier): numbers or counts, and the facts behind them."""

    label: str
    unit: str
    facts: list[KeyFact]  # numeric: one entry per (fact, document), aligned with values
    values: list[float] = field(default_factory=list)  # numbers, aligned with facts (numeric quantities)
    counts: list[tuple[str, int]] = field(default_factory=list)  # entity quantities: value -> documents
    threshold: float | None = None
    threshold_label: str | None = None
    chart: bool = False

    @property
    def n(self) -> int:
        return len(self.values) if self.values else len(self.facts)

    @property
    def docs(self) -> int:
        return len({d for f in self.facts for d in f.docs})

    @property
    def median(self) -> float:
        return float(median(self.values))

    @property
    def within(self) -> int:
        return sum(1 for v in self.values if self.threshold is not None and v <= self.threshold)

    def extremes(self) -> list[KeyFact]:
        """The facts at the minimum, the median and the maximum: the ones a figure's citation points to."""
        order = sorted(range(len(self.values)), key=lambda i: self.values[i])
        picks = [self.facts[i] for i in (order[0], order[len(order) // 2], order[-1])]
        return list({f.assertion: f for f in picks}.values())


def fmt(value: float, unit: str) -> str:
    """28100, "$" -> "$28,100"; 32.5, "$" -> "$32.50"; 0.161, "$ per kWh" -> "$0.161 per kWh"; 9.5, "years"."""
    whole = value == int(value) or abs(value) >= 100
    text = f"{value:,.0f}" if whole else f"{value:,.3f}".rstrip("0").rstrip(".")
    if unit.startswith("$"):
        cents = f"{value:,.3f}".rstrip("0") if abs(value) < 1 else f"{value:,.2f}"
        return f"${text if whole else cents.ljust(len(f'{value:,.2f}'), '0')}{unit[1:]}"
    return f"{text}%" if unit == "%" else f"{text} {unit}".strip()


def humanize(value: str) -> str:
    """ISO 8601 durations as people write them: P10Y -> 10 years, P18M -> 18 months."""
    m = DURATION_RE.match(value or "")
    if not m or not any(m.groups()):
        return value
    parts = [f"{n} {name}{'' if n == '1' else 's'}" for n, name in zip(m.groups(), ("year", "month", "week", "day"))
             if n]
    return ", ".join(parts)


def aggregate(quantity: Quantity, facts: list[KeyFact], label: str) -> list[Aggregate]:
    """The facts of `quantity.predicate`, as one Aggregate per value of its `by` qualifier (or one)."""
    mine = [f for f in facts if f.named and f.predicate == quantity.predicate]
    groups: dict[str, list[KeyFact]] = {}
    for fact in mine:
        key = PERIODS.get(fact.qualifiers.get(quantity.by, "").lower(), "") if quantity.by else ""
        if quantity.by and not key:
            continue  # "saves $40" without a period cannot be added to per-month or per-year figures
        groups.setdefault(key, []).append(fact)
    out = []
    for key, group in sorted(groups.items()):
        name = f"{label} per {key}" if key else label
        agg = (_counted(name, group) if quantity.count else _numeric(name, quantity, group))
        if agg is not None:
            out.append(agg)
    return out


def _numeric(label: str, quantity: Quantity, facts: list[KeyFact]) -> Aggregate | None:
    kept, values, seen = [], [], set()
    for fact in facts:
        value = fact.number
        if value is not None and quantity.per:
            divisor = _float(fact.qualifiers.get(quantity.per))
            value = value / divisor if divisor else None
        for doc in fact.docs if value is not None else ():  # a figure counts once per document stating it
            if (doc, value) not in seen:  # "$28,100" and "$28,100 for 10.2 kW" in one post: one report
                seen.add((doc, value))
                kept.append(fact)
                values.append(value)
    if not values:
        return None
    return Aggregate(label, quantity.unit, kept, values, threshold=quantity.threshold,
                     threshold_label=quantity.threshold_label, chart=quantity.chart)


def _counted(label: str, facts: list[KeyFact]) -> Aggregate:
    docs: dict[str, set[str]] = {}
    for fact in facts:
        docs.setdefault(humanize(fact.object), set()).update(fact.docs)
    counts = sorted(((v, len(d)) for v, d in docs.items()), key=lambda vc: (-vc[1], vc[0].lower()))
    return Aggregate(label, "", facts, counts=counts)


def _float(text: str | None) -> float | None:
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        return None


def plural(n: int, noun: str) -> str:
    """plural(1, "posts") -> "1 post"."""
    return f"{n} {noun[:-1] if n == 1 and noun.endswith('s') else noun}"


def describe(agg: Aggregate, cites: Citations, *, noun: str = "documents", top: int = 4) -> str:
    """One sentence with its citations: "payback period: median 10 years (range 6–12 years; 25 reports in
    19 posts) [3][4][5]; payback within 10 years: 14 of 25"."""
    if not agg.values:
        shown = ", ".join(f"{v} ({c})" for v, c in agg.counts[:top])
        more = f" and {len(agg.counts) - top} more" if len(agg.counts) > top else ""
        examples = [next(f for f in agg.facts if humanize(f.object) == v) for v, _ in agg.counts[:2]]
        return (f"{agg.label}: {shown}{more} ({noun} per value; {plural(agg.docs, noun)} in all) "
                f"{cites.marks(examples)}")
    lo, hi = min(agg.values), max(agg.values)
    spread = f"all {fmt(lo, agg.unit)}" if lo == hi else f"range {fmt(lo, agg.unit)}–{fmt(hi, agg.unit)}"
    text = (f"{agg.label}: median {fmt(agg.median, agg.unit)} ({spread}; {plural(agg.n, 'reports')} in "
            f"{plural(agg.docs, noun)}) {cites.marks(agg.extremes())}")
    if agg.threshold is not None:
        text += f"; {agg.threshold_label or f'at most {fmt(agg.threshold, agg.unit)}'}: {agg.within} of {agg.n}"
    return text
