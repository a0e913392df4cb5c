"""Syntactic direction: does the quote's parse read subject -> object the way the triple claims?

Offline stand-in for the entailment question "who does what to whom". Both mentions are located in the
(cached) parse of the quote, then:
- the object sits inside the subject's phrase ("Alan B. Miller Hall, in Virginia") -> consistent;
  the subject sits inside the object's phrase -> reversed;
- otherwise their branches under the lowest common ancestor are compared: subject-like (nsubj,
  nsubjpass) against object-like (dobj, attr, pobj, agent, ...): matching roles -> consistent, roles
  swapped -> reversed;
- otherwise linear order decides weakly (subject first is the common English order).
A reversed reading scores low (the default gate rejects it); an undecidable one is neutral-ish.
A passive-named predicate (`installedBy`, `foundedBy`) extracted from an active verb ("Tesla installed the
system" -> (system, installedBy, Tesla), swapped by the resolver) expects the reversed reading: the agent is
the grammatical subject, so consistent and reversed trade places.
Known blind spot: a relation expressed actively with the triple's object as the grammatical subject
("Stern designed the hall" for architect(hall, Stern)) reads as reversed.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Token

from sro.nlp.models import Candidate
from sro.nlp.predicates import passive_named
from sro.judge.axioms.mentions import locate_term
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore
from sro.judge.quotes import title_misread

NAME = "direction"
SUBJ = {"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"}
OBJ = {"dobj", "attr", "pobj", "agent", "dative", "oprd", "prep", "acomp", "obj", "pcomp", "xcomp", "ccomp"}
CONSISTENT, REVERSED, FORWARD, BACKWARD, UNKNOWN = 1.0, 0.1, 0.8, 0.5, 0.6
TITLE_MISREAD = 0.1  # below the gate: no sentence says it


def _head(doc: Doc, start: int, end: int) -> Token | None:
    span = doc.char_span(start, end, alignment_mode="expand") if end > start else None
    return span.root if span is not None and len(span) else None


def _path_to_root(token: Token) -> list[Token]:
    path = [token]
    while path[-1].head.i != path[-1].i:
        path.append(path[-1].head)
    return path


def _branch(path: list[Token], lca: Token) -> Token | None:
    """The child of `lca` on the way down to the mention (None when the mention is the LCA)."""
    idx = next(i for i, t in enumerate(path) if t.i == lca.i)
    return path[idx - 1] if idx > 0 else None


def _role(token: Token | None) -> str:
    if token is None:
        return "head"
    if token.dep_ in SUBJ:
        return "subj"
    if token.dep_ in OBJ:
        return "obj"
    return "other"


def judge_parse(doc: Doc, s: Token, o: Token) -> tuple[float, str]:
    s_path, o_path = _path_to_root(s), _path_to_root(o)
    s_ids, o_ids = {t.i for t in s_path}, {t.i for t in o_path}
    if s.i in o_ids and o.i != s.i:
        return CONSISTENT, f"object {o.text!r} is inside the subject's phrase"
    if o.i in s_ids and o.i != s.i:
        return REVERSED, f"subject {s.text!r} is inside the object's phrase {o.text!r}"
    lca = next((t for t in s_path if t.i in o_ids), None)
    if lca is not None:
        rs, ro = _role(_branch(s_path, lca)), _role(_branch(o_path, lca))
        if rs == "subj" and ro == "obj":
            return CONSISTENT, f"subject is {_branch(s_path, lca).dep_}, object is {_branch(o_path, lca).dep_} of {lca.text!r}"
        if rs == "obj" and ro == "subj":
            return REVERSED, f"subject is {_branch(s_path, lca).dep_} and object is {_branch(o_path, lca).dep_} of {lca.text!r}: reversed"
    if s.i < o.i:
        return FORWARD, "no decisive dependency; subject precedes object"
    return BACKWARD, "no decisive dependency; object precedes subject"


def score(c: Candidate, ctx: JudgeContext) -> AxiomScore:
    if c.evidence.quote and (why := title_misread(c, ctx)):
        return AxiomScore.of(NAME, TITLE_MISREAD, reason=why)
    if c.subject.ref == "document":
        return AxiomScore.of(NAME, 1.0, reason="subject is the source document", skipped=True)
    quote = c.evidence.quote
    s_sup, s_start, s_end = locate_term(c.subject, quote)
    o_sup, o_start, o_end = locate_term(c.object, quote)
    if min(s_sup, o_sup) < 0.6:
        return AxiomScore.of(NAME, UNKNOWN, reason="mentions not located in the quote")
    if s_start < o_end and o_start < s_end:
        return AxiomScore.of(NAME, UNKNOWN, reason="subject and object overlap in the quote")
    doc = ctx.cache.parse_syntax(quote)  # the dependency tree is enough: no NER needed
    s, o = _head(doc, s_start, s_end), _head(doc, o_start, o_end)
    if s is None or o is None or s.i == o.i:
        return AxiomScore.of(NAME, UNKNOWN, reason="mentions not aligned with the parse")
    value, reason = judge_parse(doc, s, o)
    if _active_for_passive(c) and value in (CONSISTENT, REVERSED):
        value = REVERSED if value == CONSISTENT else CONSISTENT
        reason = f"{reason} (active verb {c.predicate!r} for a passive-named predicate: the agent is the subject)"
    return AxiomScore.of(NAME, value, reason=reason)


def _active_for_passive(c: Candidate) -> bool:
    """The surface is one active verb ("install") and the predicate is passive-named (`installedBy`)."""
    if not c.predicate_iri or c.extractor.startswith(("llm", "pattern")):
        return False
    local = re.split(r"[#/]", c.predicate_iri)[-1]
    words = c.predicate.split()
    return passive_named(local) and len(words) == 1 and words[0].lower() not in (local.lower(), "by")
