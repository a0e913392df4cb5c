"""The answer to a campaign's question, from the aggregates of the pipeline's `report:` spec.

Offline (mode "computed") the text is generated from the aggregates by named rules and says so; nothing is
pretended. With a CEO model (mode "model") the model writes the answer from the same aggregates and the
numbered citations, and every `[n]` it writes is checked: a sentence citing only numbers that do not exist
is removed, unknown numbers are stripped, and the report says what was removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.report_spec import ReportSpec
from sro.campaign.aggregate import Aggregate, Citations, aggregate, describe, fmt, humanize, plural
from sro.campaign.facts import KeyFact

if TYPE_CHECKING:
    from sro.llm.client import LLMClient

MARK_RE = re.compile(r"\[(\d+)\]")
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=\S)")
RULES = {
    "aggregates": "R1 aggregates: each figure is the median and range of the values that accepted facts state, "
                  "one value per fact; the citations are the facts at the minimum, the median and the maximum.",
    "verdict": "R2 verdict: the answer leans 'yes' when at least {yes:.0%} of the reports of the {q} are at "
               "or below the threshold, 'no' when at most {no:.0%} are, and is 'mixed' otherwise; with fewer "
               "than {least} reports it does not lean.",
    "scope": "R3 scope: only facts accepted by the judge whose sources are documents of the campaign's "
             "datasets count, whichever run (sro extract, this or an earlier campaign) found them.",
}


@dataclass
class Theme:
    title: str
    aggregates: list[Aggregate]
    sentences: list[str]


@dataclass
class Answer:
    text: str
    mode: str  # "computed" | "model"
    citations: Citations
    themes: list[Theme] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # model failures, removed markers
    facts_used: int = 0
    posts_used: int = 0
    table: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (document, column label -> cell)
    table_columns: list[str] = field(default_factory=list)
    cited_in_text: int = 0  # citations 1..cited_in_text are cited by the text; the rest are further evidence


def compute_answer(facts: list[KeyFact], spec: ReportSpec, datasets: list[str], labels: dict[str, str]) -> Answer:
    """The answer computed from the aggregates of `spec` over `facts`, by the rules it lists (RULES)."""
    cites = Citations()
    if not facts:
        text = ("No fact accepted by the judge is about the documents of " + ", ".join(datasets) + " yet: run "
                "`sro extract` over the dataset or a longer campaign, then `sro report` again.")
        return Answer(text, "computed", cites, rules=[RULES["scope"]])
    aggs = _aggregates(facts, spec, labels)
    used = {f.assertion: f for group in aggs.values() for a in group for f in a.facts}
    paragraphs, rules = [], []
    lean = _verdict(spec, aggs, cites)
    if lean:
        paragraphs.append(lean)
        rules.append(RULES["verdict"].format(yes=spec.verdict.lean_yes, no=spec.verdict.lean_no,
                                             q=spec.verdict.quantity, least=spec.verdict.min_reports))
    headline = [describe(a, cites, noun=spec.noun) for group in aggs.values() for a in group[:1]]
    if headline:
        paragraphs.append(f"What the {spec.noun} state: " + "; ".join(headline[:6]) + ".")
        rules.insert(0, RULES["aggregates"])
    else:
        paragraphs.append(_listing(facts, cites))
    posts = _posts(list(used.values()) or cites.items)
    paragraphs.append(f"Computed from {len(used) or len(cites.items)} facts in {posts} {spec.noun} of "
                      f"{', '.join(datasets)} by the rules under Method; no model wrote this text. "
                      + spec.caveat.strip())
    themes = [Theme(title, group, [describe(a, cites, noun=spec.noun) for a in group])
              for title, group in aggs.items() if group]
    columns = [labels.get(c, c) for c in spec.table.columns] if spec.table else []
    return Answer("\n\n".join(paragraphs), "computed", cites, themes, rules + [RULES["scope"]],
                  facts_used=len(used), posts_used=_posts(list(used.values())),
                  table=_table(facts, spec, labels, cites), table_columns=columns)


def _aggregates(facts: list[KeyFact], spec: ReportSpec, labels: dict[str, str]) -> dict[str, list[Aggregate]]:
    """Theme title -> the aggregates of its quantities (a quantity split `by` a qualifier gives several)."""
    return {theme.title: [agg for q in theme.quantities
                          for agg in aggregate(q, facts, q.label or labels.get(q.predicate, q.predicate))]
            for theme in spec.themes}


def _table(facts: list[KeyFact], spec: ReportSpec, labels: dict[str, str], cites: Citations) -> list[tuple]:
    """One row per document with a fact under one of the table's columns; cells cite their facts."""
    if spec.table is None:
        return []
    rows: dict[str, dict[str, list[str]]] = {}
    for fact in facts:
        if fact.named and fact.predicate in spec.table.columns:
            cells = rows.setdefault(fact.docs[0], {})  # subjects can share a label; documents cannot
            cells.setdefault(labels.get(fact.predicate, fact.predicate), []).append(
                f"{humanize(fact.object)} {cites.marks([fact])}")
    return [(doc, {k: "; ".join(v) for k, v in cells.items()}) for doc, cells in sorted(rows.items())]


def _verdict(spec: ReportSpec, aggs: dict[str, list[Aggregate]], cites: Citations) -> str:
    verdict = spec.verdict
    agg = next((a for group in aggs.values() for a in group if verdict and a.label == verdict.quantity), None)
    if verdict is None or agg is None or not agg.values:
        return ""
    if agg.n < verdict.min_reports:
        return (f"Not settled by this evidence: only {plural(agg.n, 'reports')} of a {agg.label} "
                f"({_values(agg)}) {cites.marks(agg.extremes())}, fewer than the {verdict.min_reports} the "
                "verdict rule needs; the figures below are what the posts do state.")
    share = agg.within / agg.n
    lean = ("Leaning yes" if share >= verdict.lean_yes else "Leaning no" if share <= verdict.lean_no else "Mixed")
    meaning = verdict.if_yes if share >= verdict.lean_yes else verdict.if_no if share <= verdict.lean_no else (
        "the reports are split")
    return (f"{lean}, on this evidence: {meaning}. {agg.within} of {agg.n} reports of a {agg.label} "
            f"({plural(agg.docs, spec.noun)}) are at or below {fmt(agg.threshold or 0, agg.unit)}; the median is "
            f"{fmt(agg.median, agg.unit)} {cites.marks(agg.extremes())}.")


def _values(agg: Aggregate) -> str:
    return ", ".join(fmt(v, agg.unit) for v in sorted(agg.values))


def _listing(facts: list[KeyFact], cites: Citations, *, top: int = 5) -> str:
    """No quantity of the spec has a fact (or the pipeline names none): the most reported named relations."""
    named = [f for f in facts if f.named] or facts
    counts: dict[str, list[KeyFact]] = {}
    for fact in named:
        counts.setdefault(fact.label or fact.predicate, []).append(fact)
    ranked = sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    parts = [f"{name} ({len(fs)}): " + ", ".join(f"{f.subject} → {humanize(f.object)} {cites.marks([f])}"
                                               for f in fs[:2]) for name, fs in ranked]
    return "The most reported relations: " + "; ".join(parts) + "."


def _posts(facts: list[KeyFact]) -> int:
    return len({d for f in facts for d in f.docs})


def check_markers(text: str, count: int) -> tuple[str, list[str]]:
    """Keep only `[n]` with 1 <= n <= count. A sentence whose markers all point nowhere is removed."""
    kept, notes = [], []
    for sentence in SENTENCE_RE.split(text.strip()):
        marks = [int(m) for m in MARK_RE.findall(sentence)]
        bad = [m for m in marks if not 1 <= m <= count]
        if marks and len(bad) == len(marks):
            notes.append(f"removed a sentence citing only unknown sources {bad}: {sentence[:120]!r}")
            continue
        if bad:
            notes.append(f"removed unknown citation markers {bad}")
            sentence = MARK_RE.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= count else "", sentence)
        kept.append(sentence)
    return " ".join(kept), notes


async def model_answer(client: LLMClient, question: str, computed: Answer, *, namespace: str) -> Answer:
    """The CEO writes the answer from the computed aggregates and the numbered citations."""
    listing = "\n".join(f"[{i}] {f.line()} (score {f.score:.2f}; quote: \"{(f.quotes or [''])[0][:240]}\")"
                        for i, f in enumerate(computed.citations.items, 1))
    findings = "\n".join(f"- {s}" for t in computed.themes for s in t.sentences)
    prompt = (f"Question: {question}\n\nAggregates computed from the verified facts:\n{findings}\n\n"
              f"Citations (verified facts, with the sentence each comes from):\n{listing}\n\n"
              "Answer the question first, directly and with hedging where the evidence is thin, using only "
              "these aggregates and facts. State figures with their units. Cite every claim with the "
              "citation numbers in square brackets, e.g. [3]. Say what the evidence does not cover. "
              "At most 250 words.")
    completion = await client.acomplete("ceo", [{"role": "user", "content": prompt}], namespace=namespace)
    text, notes = check_markers(completion.text, len(computed.citations.items))
    return Answer(text, "model", computed.citations, computed.themes, computed.rules, notes,
                  computed.facts_used, computed.posts_used)
