"""Child questions for an expanded node.

With a CEO model: one structured call that sees the node's question, what it found and what the campaign
already covers, and returns sub-questions with priors (PUCT uses them). Offline: salient terms and
capitalised entity names from the node's evidence that the campaign's accepted triples do not cover yet,
poured into the pipeline's question templates; no priors (UCT), ranked by document frequency. Offline
proposals are plainly data-driven; they do not pretend to be a model's judgement.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Iterable

from pydantic import BaseModel, Field

from sro.mcts.expand import Expansion, Proposal
from sro.mcts.terms import STOPWORDS, salient, term_set, terms
from sro.mcts.tree import ResearchNode

if TYPE_CHECKING:
    from sro.llm.client import LLMClient

DEFAULT_TEMPLATES = (
    "What do the sources report about {term}?",
    "What experiences, numbers and problems are reported for {term}?",
)
ENTITY_RE = re.compile(r"\b([A-Z][a-zA-Z0-9]+(?:[ -][A-Z][a-zA-Z0-9]+){0,3})\b")
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
NUMERIC_SLOTS = frozenset({"size", "amount", "year", "number", "count", "price", "kw", "kwh", "capacity"})
FREE_SLOTS = frozenset({"term", "topic"})  # take any salient word; typed slots: sro/mcts/slots.py


class ChildQuestion(BaseModel):
    question: str = Field(min_length=3)
    prior: float = Field(ge=0.0, le=1.0, description="probability that answering it adds verified facts")
    why: str = ""


class ChildQuestions(BaseModel):
    questions: list[ChildQuestion] = Field(default_factory=list)


def entities(texts: Iterable[str], *, exclude: set[str], top: int = 5) -> list[str]:
    """Capitalised names (1-4 words) seen in at least two texts, not yet covered. A single capitalised word
    at the start of a sentence counts only if it is also capitalised mid-sentence somewhere ("Owners said"
    is grammar; "SolarEdge" is a name wherever it stands)."""
    texts = [t or "" for t in texts]
    found_per_text: list[list[tuple[str, bool]]] = []
    names_mid: set[str] = set()
    for text in texts:
        found = []
        for match in ENTITY_RE.finditer(text):
            raw = match.group(1)
            name = _trim(raw)
            initial = name == raw and " " not in name and _sentence_initial(text, match.start())
            if name:
                found.append((name, initial))
                if not initial:
                    names_mid.add(name)
        found_per_text.append(found)
    counts: Counter[str] = Counter()
    for found in found_per_text:
        keep = set()
        for name, initial in found:
            words = terms(name)
            if initial and name not in names_mid:
                continue
            if words and not all(w in exclude for w in words) and name.lower() not in STOPWORDS:
                keep.add(name)
        counts.update(keep)
    ranked = sorted((n for n, c in counts.items() if c >= 2), key=lambda n: (-counts[n], n))
    return ranked[:top]


def _trim(name: str) -> str:
    """Drop leading function words the capitalisation pattern picked up ("The SolarEdge" -> "SolarEdge")."""
    words = name.split()
    while words and words[0].lower() in STOPWORDS:
        words.pop(0)
    return " ".join(words)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\n\"'(*-"


def _slots(template: str) -> set[str]:
    return set(PLACEHOLDER_RE.findall(template)) - {"dataset"}


def fill(template: str, subject: str | None, datasets: list[str]) -> str | None:
    """Fill every placeholder: {dataset} with the dataset names, any other slot with `subject`. None if the
    template wants a number (e.g. {size}) and the subject has none."""
    slots = _slots(template)
    if slots and subject is None:
        return None
    if subject is not None and slots & NUMERIC_SLOTS and not re.fullmatch(r"\d+(?:[.,]\d+)?", subject.strip()):
        return None  # "{size} kW" needs a number, not "Enphase IQ8"
    names = " and ".join(datasets) or "the datasets"
    return PLACEHOLDER_RE.sub(lambda m: names if m.group(1) == "dataset" else str(subject), template)


def offline_proposals(
    node: ResearchNode, exp: Expansion, *, covered: set[str], templates: list[str] | None, n: int,
    datasets: list[str] | None = None,
) -> list[Proposal]:
    """Data-driven sub-questions: uncovered salient entities first, then uncovered salient terms, each
    poured into the next pipeline template that has a slot for it."""
    texts = [e.get("text", "") for e in exp.evidence] + [t.quote for t in exp.accepted]
    exclude = covered | set(terms(node.question))
    subjects = entities(texts, exclude=exclude, top=n)
    taken = term_set(subjects)
    subjects += [t for t, _ in salient(texts, exclude=exclude | taken, top=n) if t not in taken]
    typed = any(_slots(t) - FREE_SLOTS for t in templates or [])  # those take no free words (sro/mcts/slots.py)
    usable = [t for t in (templates or []) if _slots(t) and _slots(t) <= FREE_SLOTS] or (
        [] if typed else list(DEFAULT_TEMPLATES))
    out: list[Proposal] = []
    for i, subject in enumerate(subjects):
        for k in range(len(usable)):
            question = fill(usable[(node.depth + i + k) % len(usable)], subject, datasets or [])
            if question:
                out.append(Proposal(question, None, "offline"))
                break
        if len(out) >= n:
            break
    return out


def template_seeds(templates: list[str] | None, datasets: list[str] | None = None) -> list[Proposal]:
    """The pipeline's templates without a subject slot (only {dataset}, or none) seed the root's children."""
    out = []
    for template in templates or []:
        question = fill(template, None, datasets or [])
        if question:
            out.append(Proposal(question, None, "template"))
    return out


async def ceo_proposals(
    client: "LLMClient", node: ResearchNode, exp: Expansion, *, root_question: str, covered: set[str],
    gaps: list[str], n: int, namespace: str,
) -> list[Proposal]:
    """The CEO proposes from the node's findings and a summary of the graph's gaps (the predicates the
    question turns on, thinnest first, with their fact counts)."""
    facts = "\n".join(f"- {t.subject} | {t.predicate} | {t.object}" for t in exp.accepted[:20]) or "- (none)"
    hints = "\n".join(f"- {p.question}" for p in exp.proposals[:10]) or "- (none)"
    prompt = (
        f"You plan a research campaign over text datasets.\nRoot question: {root_question}\n"
        f"Current sub-question: {node.question}\nIts answer so far: {exp.answer[:1500] or '(none)'}\n"
        f"Verified facts it found:\n{facts}\n"
        f"Topics the campaign already covers: {', '.join(sorted(covered)[:60]) or '(none)'}\n"
        f"What the graph has per attribute the question needs (thinnest first): {'; '.join(gaps[:12]) or '(none)'}\n"
        f"Gaps the explorer suggested:\n{hints}\n\n"
        f"Propose at most {n} new sub-questions that are still unknown, answerable from the datasets and "
        "useful for the root question. For each give `prior`: your probability (0-1) that it yields new "
        "verified facts."
    )
    result = await client.astructured("ceo", [{"role": "user", "content": prompt}], ChildQuestions,
                                      namespace=namespace)
    ranked = sorted(result.questions, key=lambda q: -q.prior)[:n]
    return [Proposal(q.question.strip(), q.prior, "ceo") for q in ranked]
