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
