"""Synthesis: answer the root question from the graph.

The campaign's accepted facts come from one SPARQL query (campaign passed as a binding), ranked most
relevant first (question-term overlap, then judge score). With a CEO model the answer is written by the
CEO from those facts with [n] citations; offline it is a structured summary by predicate with counts and
citations, and it says so: no prose is invented without a model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from sro.mcts.terms import terms

FACTS_QUERY = """
SELECT ?a ?s ?p ?o ?score ?quote ?doc ?node ?slabel ?olabel WHERE {
  GRAPH <https://sro.dev/graph/provenance> {
    ?a sro:evidence ?e ; sro:score ?score .
    ?e sro:campaign ?campaign ; prov:wasDerivedFrom ?doc .
    OPTIONAL { ?e sro:quote ?quote }
    OPTIONAL { ?e sro:node ?node }
  }
  GRAPH ?a { ?s ?p ?o }
  OPTIONAL { GRAPH <https://sro.dev/graph/entities> { ?s rdfs:label ?slabel } }
  OPTIONAL { GRAPH <https://sro.dev/graph/entities> { ?o rdfs:label ?olabel } }
}
"""
OFFLINE_LABEL = ("Offline summary: no CEO model was configured, so this is a structured listing of the "
                 "verified facts by predicate, with counts and citations, not a written answer.")


@dataclass
class KeyFact:
    assertion: str
    subject: str
    predicate: str
    object: str
    score: float
    quotes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # document IRIs / permalinks / paths
    nodes: list[str] = field(default_factory=list)
    relevance: float = 0.0

    def line(self) -> str:
        return f"{self.subject} — {self.predicate} — {self.object}"


@dataclass
class Synthesis:
    answer: str
    mode: str  # "ceo" | "offline" | "empty"
    facts: list[KeyFact]
    by_predicate: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def label(term: Any) -> str:
    """A readable name for an IRI (local name, unquoted) or the value of a literal."""
    text = str(getattr(term, "value", term) or "")
    if text.startswith(("http://", "https://", "urn:")):
        local = text.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return unquote(local).replace("_", " ")
    return text


def campaign_facts(graph: Any, campaign: str, question: str, *, limit: int = 5000) -> list[KeyFact]:
    """Every accepted fact of the campaign, one per assertion, most relevant first."""
    from graph_store.vocab import SPARQL_PREFIXES

    result = graph.query(SPARQL_PREFIXES + FACTS_QUERY, {"campaign": campaign})
    facts: dict[str, KeyFact] = {}
    for row in result.terms[: limit * 4]:
        a, s, p, o, score, quote, doc, node, slabel, olabel = row
        fact = facts.get(a.value)
        if fact is None:
            fact = facts[a.value] = KeyFact(
                assertion=a.value, subject=str(slabel.value) if slabel else label(s), predicate=label(p),
                object=str(olabel.value) if olabel else label(o), score=float(score.value))
        if quote is not None and quote.value not in fact.quotes:
            fact.quotes.append(quote.value)
        if doc is not None and doc.value not in fact.sources:
            fact.sources.append(doc.value)
        if node is not None and node.value not in fact.nodes:
            fact.nodes.append(node.value)
    merged: dict[tuple[str, str, str], KeyFact] = {}
    for fact in facts.values():  # assertions that read the same (e.g. differing qualifiers) are shown once
        key = (fact.subject, fact.predicate, fact.object)
        if key not in merged:
            merged[key] = fact
            continue
        into = merged[key]
        into.score = max(into.score, fact.score)
        into.quotes += [q for q in fact.quotes if q not in into.quotes]
        into.sources += [s for s in fact.sources if s not in into.sources]
        into.nodes += [n for n in fact.nodes if n not in into.nodes]
    wanted = set(terms(question))
    for fact in merged.values():
        have = set(terms(f"{fact.subject} {fact.predicate} {fact.object} {' '.join(fact.quotes[:2])}"))
        fact.relevance = len(wanted & have) / len(wanted) if wanted else 0.0
    ranked = sorted(merged.values(), key=lambda f: (-f.relevance, -f.score, -len(f.sources), f.assertion))
    return ranked[:limit]


def offline_summary(question: str, facts: list[KeyFact], *, per_predicate: int = 3) -> Synthesis:
    groups: dict[str, list[KeyFact]] = defaultdict(list)
    for fact in facts:
        groups[fact.predicate].append(fact)
    counts = {p: len(fs) for p, fs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))}
    if not facts:
        return Synthesis("The campaign has not accepted any fact yet, so there is nothing to summarise.",
                         "empty", facts, counts)
    index = {f.assertion: i + 1 for i, f in enumerate(facts)}
    lines = [OFFLINE_LABEL, "", f"Question: {question}", "",
             f"{len(facts)} verified facts under {len(counts)} predicates:"]
    for predicate, count in counts.items():
        lines.append(f"- **{predicate}** ({count} fact{'s' if count != 1 else ''}){_numbers(groups[predicate])}")
        for fact in groups[predicate][:per_predicate]:
            lines.append(f"  - {fact.subject} → {fact.object} (score {fact.score:.2f}) [{index[fact.assertion]}]")
    return Synthesis("\n".join(lines), "offline", facts, counts)


def _numbers(facts: list[KeyFact]) -> str:
    """min / median / max when most objects of a predicate are numbers (costs, sizes, years): the part of
    an offline summary that a reader can actually weigh."""
    values = []
    for fact in facts:
        try:
            values.append(float(fact.object.replace(",", "")))
        except ValueError:
            continue
    if len(values) < 3 or len(values) < 0.8 * len(facts):
        return ""
    values.sort()
    mid = values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2
    return f": min {values[0]:g}, median {mid:g}, max {values[-1]:g}"


async def ceo_answer(client: Any, question: str, facts: list[KeyFact], *, namespace: str,
                     max_facts: int = 40) -> Synthesis:
    """The CEO writes the answer from the top facts only, citing them as [n]."""
    shown = facts[:max_facts]
    listing = "\n".join(
        f"[{i}] {f.line()} (score {f.score:.2f}; quote: \"{(f.quotes or [''])[0][:240]}\")"
        for i, f in enumerate(shown, 1))
    prompt = (
        f"Question: {question}\n\nVerified facts from the knowledge graph (most relevant first):\n{listing}\n\n"
        "Answer the question using only these facts. Cite every claim with its fact number in square "
        "brackets, e.g. [3]. Say plainly what the facts do not cover. Be concise (at most 250 words)."
    )
    completion = await client.acomplete("ceo", [{"role": "user", "content": prompt}], namespace=namespace)
    counts: dict[str, int] = defaultdict(int)
    for fact in facts:
        counts[fact.predicate] += 1
    return Synthesis(completion.text.strip(), "ceo", facts, dict(counts))


async def synthesize(ws: Any, campaign: str, question: str, *, llm: Any | None = None) -> Synthesis:
    """CEO answer when a CEO model is configured (falling back to the offline summary if it fails)."""
    facts = campaign_facts(ws.graph, campaign, question)
    if llm is not None and facts and not llm.is_offline("ceo"):
        try:
            return await ceo_answer(llm, question, facts, namespace=f"{campaign}:synthesis")
        except Exception as exc:  # noqa: BLE001 - the report must still be written; say why
            fallback = offline_summary(question, facts)
            fallback.error = f"CEO synthesis failed ({type(exc).__name__}: {exc}); offline summary instead"
            return fallback
    return offline_summary(question, facts)
