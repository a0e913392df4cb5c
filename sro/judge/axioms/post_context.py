"""The post around a fact's quote: a post about a quote, an estimate or options (its title says so), or one where
the author says they mean to acquire something. Read by the assertion axiom and the number-role axiom."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from sro.judge.axioms.assertion_words import (ACQUIRE, CIRCUMSTANCE, CONDITIONAL, FIRST, INTENT, INTENT_PREP, MODAL,
                                              MORE, PRESENT_BE, PROSPECT_TITLE, lemma_of)
from sro.judge.axioms.clause import anchor_token, author_in_clause, subject_of
from sro.judge.axioms.mentions import locate_term
from sro.judge.context import JudgeContext
from sro.judge.quotes import MAX_POST, post_parts
from sro.nlp.models import Candidate, Entity
from sro.nlp.nlp import syntax_only

if TYPE_CHECKING:
    from spacy.tokens import Token

    from sro.nlp.nlp import ParseCache


def prospective_post(c: Candidate, ctx: JudgeContext) -> bool:
    """The post's title presents it as a quote, an estimate, a comparison of options or a consideration."""
    doc = ctx.docs.get(c.evidence.doc_id)
    if c.subject.ref != "document" or doc is None:
        return False
    return bool(PROSPECT_TITLE.search(doc.title or _opening(doc.text or "", ctx.cache)))


@lru_cache(maxsize=256)
def _opening(text: str, cache: "ParseCache") -> str:
    """A text given without its title: the first sentence, which holds the title when the text starts with it."""
    first = next(iter(cache.parse_syntax(text[:MAX_POST]).sents), None)
    return first.text if first is not None else ""



# Verbs of intention that say the author means to acquire (not "need", "try", "like", ...: an installed
# system's owner needs or tries things too, and offers and quotes come from the installer).
POST_INTENT = INTENT - {"need", "try", "like", "love", "offer", "quote", "recommend", "suggest"}


class Intention(NamedTuple):
    words: str  # the start of the sentence that says it
    acquired: str  # what the author means to acquire ("an expansion pack"), "" when the verb takes no object
    additional: bool  # more of what they have ("another PW", "a second battery", "an expansion pack")


@lru_cache(maxsize=256)
def intending_author(text: str, cache: "ParseCache") -> tuple[Intention, ...]:
    """Where the author says in the post that they intend to acquire something ("I'm looking at adding solar",
    "we are planning to get 3 Powerwalls"): a verb of acquiring whose governing clause is one of intention, with
    the author (or nobody, "Looking into adding a PW3") as its subject. Empty when they never do."""
    found = []
    for token in cache.parse_many([text], needs_entities=syntax_only)[0]:  # fast, exact; no NER needed
        if token.pos_ == "VERB" and lemma_of(token) in ACQUIRE and (clause := _intended(token)) is not None:
            found.append(Intention(clause.sent.text.strip()[:60], *_acquired(token)))
    return tuple(found)


def _intended(token: "Token") -> "Token | None":
    """The clause that makes acquiring an intention (the verb itself when weighed or arranged), or None."""
    if _deliberated(token) or _arranged(token):
        return token
    for verb in list(token.ancestors)[:3]:
        if verb.pos_ not in ("VERB", "AUX", "ADJ"):
            continue
        lemma = lemma_of(verb)
        if lemma not in POST_INTENT and verb.lower_ not in POST_INTENT \
                and not any(c.dep_ == "prep" and c.lower_ in INTENT_PREP.get(lemma, ()) for c in verb.children):
            continue
        subj = next((subject_of(v) for v in [verb, *verb.ancestors] if subject_of(v) is not None), None)
        return verb if subj is None or subj.lower_ in FIRST else None
    return None


def _acquired(verb: "Token") -> tuple[str, bool]:
    """The acquiring verb's object, and whether it is more of what the author has: "another", "a second",
    "extra", "more" or an expansion ("Looking to add another PW", "add an expansion pack")."""
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    if obj is None:
        return "", False
    words = list(obj.subtree)
    additional = any(w.lower_ in MORE for w in words) or any(w.lemma_.lower() == "expansion" for w in words)
    return " ".join(w.text for w in words), additional


def _arranged(verb: "Token") -> bool:
    """The author acquiring in the present progressive ("we are installing 2 x Powerwall 3", "I'm getting a
    PW3"): an arrangement, not something installed."""
    subj = subject_of(verb)
    return verb.tag_ == "VBG" and subj is not None and subj.lower_ in FIRST and any(
        c.dep_ == "aux" and c.lower_ in PRESENT_BE for c in verb.children) and any(
        c.dep_ == "dobj" and c.pos_ in ("NOUN", "PROPN", "NUM") for c in verb.children)  # not "getting frustrated"


def _deliberated(verb: "Token") -> bool:
    """Acquiring weighed, not done: "whether to get one extra Powerwall", "Should I add a PW3", "if I get a
    second battery" (the author, or nobody, acquires)."""
    children = list(verb.children)
    weighed = any(c.dep_ == "mark" and c.lower_ in CONDITIONAL for c in children) or any(
        c.dep_ == "aux" and c.lower_ in MODAL for c in children)
    subj = subject_of(verb)
    return weighed and (subj is None or subj.lower_ in FIRST)



def _concerns(intent: Intention, c: Candidate) -> bool:
    """More of what the author has ("Looking to add another PW") makes a plan of that thing only; a first
    acquisition makes one of the whole installation."""
    return not intent.additional or locate_term(c.object, intent.acquired)[0] >= 0.9


def in_context(c: Candidate, ctx: JudgeContext) -> tuple[str, str] | None:
    """The post around the quote: in a post about a quote, an estimate or options (its title says so), or
    one where the author says they intend to acquire something ("I'm looking at adding solar"; more of what
    they have, "looking to add another PW", concerns that thing only), a fact about the author's
    installation counts only when the author is in its clause ("I'm in SoCal and use SCE"); where they live
    and their utility count anyway."""
    doc = ctx.docs.get(c.evidence.doc_id)
    circumstance = isinstance(c.object, Entity) and c.object.type in CIRCUMSTANCE  # holds whatever they buy
    why = "the post is about a quote, an estimate or options, not an installed system" \
        if prospective_post(c, ctx) else None
    if why is None and c.subject.ref == "document" and doc is not None and doc.text and not circumstance:
        intent = next((i for part in post_parts(doc.title, doc.text) for i in intending_author(part, ctx.cache)
                       if _concerns(i, c)), None)
        why = f"the author says they mean to acquire something ({intent.words!r}), not that they have it" \
            if intent else None
    if why is None:
        return None
    token = anchor_token(c, ctx)
    if token is not None and author_in_clause(token):
        return None
    return "plan", why
