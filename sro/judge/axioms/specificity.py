"""Specificity: no pronoun or vague subject/object, and an atomic statement."""

from __future__ import annotations

from sro.nlp.keys import canonical_key
from sro.nlp.models import Candidate, Entity
from sro.judge.axioms.mentions import locate_name
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

NAME = "specificity"
PRONOUNS = {"i", "me", "we", "us", "you", "he", "him", "she", "her", "it", "they", "them", "this", "that",
            "these", "those", "which", "who", "whom", "what", "someone", "somebody", "something", "anyone",
            "anything", "everyone", "everything", "one", "ones", "itself", "themselves", "myself", "ourselves",
            "mine", "yours", "here", "there", "thing", "stuff", "people", "guy", "way", "lot", "other", "others",
            "same", "all", "both", "each", "none", "some", "many", "much", "few"}
MAX_WORDS = 10
GENERIC = 0.4  # the score of a generic common-noun subject (below the default gate: rejected)


def _vague(entity: Entity) -> str | None:
    key = canonical_key(entity.text)
    if not key:
        return "empty"
    if key in PRONOUNS or entity.text.strip().lower() in PRONOUNS:
        return f"pronoun or vague word {entity.text!r}"
    if len(key.split()) > MAX_WORDS:
        return f"not atomic: {len(key.split())} words"
    return None


POSSESSIVES = {"my", "our", "your", "his", "her", "their", "its"}


def _generic(entity: Entity, quote: str, ctx: JudgeContext) -> bool:
    """A short subject without digits whose words are common nouns in the quote's parse ("Final price",
    "my spreadsheet", "the installer"): an anaphor or a generic, not a named thing."""
    text = entity.text.strip()
    words = canonical_key(text).split()
    if not 0 < len(words) <= 3 or any(ch.isdigit() for ch in text):
        return False
    if text.split()[0].lower() in POSSESSIVES:
        return True
    if text == text.lower():
        return True
    if any(w[:1].isupper() for w in text.split()[1:]):
        return False  # "Tesla Energy", "Alan B. Miller Hall": capitalised beyond the first word
    support, start, end = locate_name(text, quote)
    if support < 0.95:
        return False
    span = ctx.cache.parse(quote).char_span(start, end, alignment_mode="expand")
    return span is not None and all(t.pos_ in ("NOUN", "ADJ", "DET", "PRON") and not t.ent_type_ for t in span)


def _class_typed(c: Candidate) -> bool:
    """The object is a mention a pipeline pattern typed with an ontology class ("my inverter died" ->
    componentFailure Inverter): the bare noun names *which component of the subject* the fact is about,
    so it is as specific as the subject is. Pronouns never get here (`_vague` runs first)."""
    obj = c.object
    return isinstance(obj, Entity) and bool(obj.type) and (c.extractor.startswith("pattern:")
                                                           or c.subject.ref == "document")


def _bare(text: str) -> bool:
    words = text.split()
    if words and words[0].lower() in ("the", "a", "an", "some", "any"):
        words = words[1:]
    return len(words) == 1 and words[0].isalpha() and words[0] == words[0].lower()


def score(c: Candidate, ctx: JudgeContext) -> AxiomScore:
    problems = []
    if c.subject.ref != "document" and (why := _vague(c.subject)):
        problems.append(f"subject: {why}")
    if isinstance(c.object, Entity) and (why := _vague(c.object)):
        problems.append(f"object: {why}")
    if problems:
        return AxiomScore.of(NAME, 0.0, reason="; ".join(problems))
    if c.subject.ref != "document" and _generic(c.subject, c.evidence.quote, ctx):
        return AxiomScore.of(NAME, GENERIC, reason=f"subject {c.subject.text!r} is a generic common noun "
                          "(likely an anaphor: 'the company', 'the system'), not a named entity")
    if _class_typed(c) and _bare(c.object.text):
        return AxiomScore.of(NAME, 1.0, reason=f"object {c.object.text!r} is a pattern-typed {c.object.type} "
                             "mention: the subject's own component, not a vague noun")
    if isinstance(c.object, Entity) and _bare(c.object.text):
        return AxiomScore.of(NAME, 0.45, reason=f"object {c.object.text!r} is a bare common noun "
                             "('options', 'removal'): too vague to be a fact's value")
    if isinstance(c.object, Entity) and " and " in f" {c.object.text.lower()} ":
        return AxiomScore.of(NAME, 0.6, reason="object may list several entities (contains 'and')")
    return AxiomScore.of(NAME, 1.0, reason="specific subject and object")
