"""Reading a fact's clause in its quote: the token the object stands on, a verb's subject, whether the author
speaks of their own things. Shared by the assertion axiom and the post-level checks (sro.judge.axioms.post_context)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sro.judge.axioms.assertion_words import FIRST
from sro.judge.axioms.mentions import locate_term
from sro.judge.context import JudgeContext
from sro.nlp.models import Candidate

if TYPE_CHECKING:
    from spacy.tokens import Token


def anchor_token(c: Candidate, ctx: JudgeContext) -> "Token | None":
    quote = c.evidence.quote
    support, start, end = locate_term(c.object, quote)
    if support < 0.6 or end <= start:
        return None
    span = ctx.cache.parse(quote).char_span(start, end, alignment_mode="expand")
    return span.root if span is not None and len(span) else None



def subject_of(verb: "Token") -> "Token | None":
    return next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "expl")), None)



def speaks_of_own(token: "Token") -> bool:
    """The sentence has the author as a subject or possessor ("I'm in SoCal and use SCE", "my PW3")."""
    return any(t.lower_ in FIRST and t.dep_ in ("nsubj", "nsubjpass", "poss") for t in token.sent)


def author_in_clause(token: "Token") -> bool:
    """The author possesses the token's noun phrase ("my PW3") or is, or possesses, the subject of the nearest
    clause above it ("we installed two PW3s", "my provider is SCE"); not merely somewhere in the sentence
    ("I'm worried ..., it's built into a PW3")."""
    for t in [token, *token.ancestors]:
        if any(c.dep_ == "poss" and c.lower_ in FIRST for c in t.children):
            return True
        subj = subject_of(t) if t.pos_ in ("VERB", "AUX") else None
        if subj is not None and t.dep_ == "relcl" and subj.tag_ in ("WDT", "WP"):
            continue  # "a system that is reaching the end of NEM1": whose system the noun above says
        if subj is not None:  # "we installed ...", "my provider is SCE"
            return subj.lower_ in FIRST or any(c.dep_ == "poss" and c.lower_ in FIRST for c in subj.children)
    return False
