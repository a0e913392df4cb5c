"""Content terms of questions and evidence: the shared vocabulary of the planner (near-duplicate questions,
the predicates a question turns on) and offline proposals (salient terms the campaign has not covered yet).
Deliberately simple and deterministic."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9'+-]{2,}")

STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
each few for from further had hadn't has hasn't have haven't having he her here hers herself him himself his
how i if in into is isn't it it's its itself just let's me more most much my myself no nor not now of off on
once only or other ought our ours ourselves out over own same she should shouldn't so some such than that
the their theirs them themselves then there these they this those through to too under until up very was
wasn't we were weren't what when where which while who whom why will with won't would wouldn't you your
yours yourself yourselves get got getting really like just one two also even still thing things know think
want going yes yeah lot lots way well make made say said see seen use used using per via etc anyone someone
something anything everything every considering consider given based them they're i'm i've i'd you're
often always never since around back need needs new old better best good great sure maybe probably
question questions answer does much many whether what's which how's year years month months day days time
""".split())


def stem(word: str) -> str:
    """A light suffix stripper so 'installations' covers 'installation' (not a linguistic stemmer)."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words in order (duplicates kept)."""
    out = []
    for match in WORD_RE.finditer(text or ""):
        word = match.group(0).lower().strip("'-+")
        if len(word) >= 3 and word not in STOPWORDS and not word.isdigit():
            out.append(stem(word))
    return out


def term_set(texts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found.update(terms(text))
    return found


NOUNISH_RE = re.compile(r"\b(?:the|a|an|my|our|their|his|her|your|this|that|these|those|of|new|old)\s+"
                        r"([A-Za-z][A-Za-z0-9'+-]{2,})", re.I)


def nounish(text: str) -> set[str]:
    """Stemmed words that follow a determiner somewhere in the text: a cheap noun filter, so that
    'inverter' qualifies as a topic and 'took' or 'without' do not."""
    return {stem(m.group(1).lower()) for m in NOUNISH_RE.finditer(text or "")}


def salient(texts: Iterable[str], *, exclude: set[str], top: int = 10, min_count: int = 2) -> list[tuple[str, int]]:
    """Most frequent noun-like content terms across texts that are not in `exclude`, counted once per
    text (document frequency), ties broken alphabetically so the order is deterministic."""
    counts: Counter[str] = Counter()
    nouns: set[str] = set()
    for text in texts:
        counts.update(set(terms(text)))
        nouns |= nounish(text)
    ranked = sorted(((t, c) for t, c in counts.items() if c >= min_count and t not in exclude and t in nouns),
                    key=lambda tc: (-tc[1], tc[0]))
    return ranked[:top]
