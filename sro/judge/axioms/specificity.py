"""Specificity: no pronoun or vague subject/object, and an atomic statement."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from spacy.tokens import Span, Token

from sro.nlp.keys import canonical_key
from sro.nlp.nlp import shared_cache
from sro.nlp.models import Candidate, Entity
from sro.judge.axioms.mentions import locate_name
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

if TYPE_CHECKING:
    from sro.data.models import Document

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


def _generic(entity: Entity, c: Candidate, ctx: JudgeContext) -> bool | None:
    """A short subject without digits whose words are common nouns in the quote's parse ("Final price",
    "my spreadsheet", "the installer"): an anaphor or a generic, not a named thing — unless it names a kind
    or the document's topic (`topical`: "Black holes emit a faint glow" in an essay on black holes): then
    None (neither generic nor a name)."""
    text = entity.text.strip()
    words = canonical_key(text).split()
    if not 0 < len(words) <= 3 or any(ch.isdigit() for ch in text):
        return False
    if text.split()[0].lower() in POSSESSIVES:
        return True
    if any(w[:1].isupper() for w in text.split()[1:]):
        return False  # "Tesla Energy", "Alan B. Miller Hall": capitalised beyond the first word
    quote = c.evidence.quote
    support, start, end = locate_name(text, quote)
    if support < 0.95:
        return text == text.lower()
    lower = text == text.lower()  # no entity to check: the syntax suffices (no NER run for it)
    parsed = ctx.cache.parse_syntax(quote) if lower else ctx.cache.parse(quote)
    span = parsed.char_span(start, end, alignment_mode="expand")
    if span is None or not all(t.pos_ in ("NOUN", "ADJ", "DET", "PRON") and not t.ent_type_ for t in span):
        return lower
    return None if topical(span, ctx.docs.get(c.evidence.doc_id), c.evidence.start) else True


_DEFINITE = {"the", "this", "that", "these", "those"}


def topical(span: Span, doc: "Document | None", start: int = 0) -> bool:
    """Whether a common-noun phrase names a kind or the document's topic rather than pointing back at
    something named earlier. A bare plural in a present-tense clause (no determiner, number or possessive:
    "Black holes emit a faint glow"; a bare singular, "Yeast consumes sugars", only in a document about a
    kind, below) refers to the kind and cannot be an anaphor. A phrase with a determiner ("the heart", "a glacier", "the right side of the heart") is
    about the topic when one of its nouns is a noun of the document's title and that title is a bare noun
    phrase (an encyclopedic title, "The heart"; not a post title such as "The installer never came back");
    in a document about a kind (its title a common-noun phrase), an indefinite subject of a present-tense
    clause is generic ("A tooth removes a chip"), and a definite one describes that kind when the document
    has introduced the noun before `start` (the quote's offset): "A colony contains one queen. ... The queen lays the eggs" under "Honeybees". Anything else
    ("the company" in an article on Tesla, or never introduced; "the installer" in a post) stays an
    anaphor."""
    root = span.root
    if root.pos_ != "NOUN":
        return False
    dets = [t for t in root.children if t.dep_ in ("det", "poss", "nummod") or t.tag_ in ("PRP$", "WP$")]
    heads, about_kind = _title(doc.title if doc is not None else None)
    # a bare singular is a mass noun ("Salt strengthens gluten") or a clipped phrase ("Advisor was late"):
    # taken as a kind only in a document about a kind
    bare = root.tag_ == "NNS" or (root.tag_ == "NN" and about_kind)
    if not dets and bare and not any(t.dep_ == "poss" for t in span) and _present(root):
        return True
    if any(t.dep_ == "poss" for t in dets):
        return False
    if any(t.lemma_.lower() in heads for t in span if t.pos_ == "NOUN"):
        return True
    # In a document about a kind ("Honeybees"), "the queen lays the eggs" describes the kind's parts
    if not about_kind or not dets or not _present(root):
        return False
    if all(t.lower_ in ("a", "an") for t in dets):
        return True  # "A tooth removes a chip": an indefinite introduces, it never points back
    return all(t.lower_ in _DEFINITE for t in dets) and _introduced(root, doc.text[:start] if doc is not None else "")


def _introduced(noun: Token, before: str) -> bool:
    """The noun (its word or lemma, singular or plural) occurs in the text before."""
    forms = {noun.lower_, noun.lemma_.lower()}
    pattern = r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")(?:s|es)?\b"
    return re.search(pattern, before, re.IGNORECASE) is not None


def _present(subject: Token) -> bool:
    """The subject's clause is in the present tense ("Black holes emit", "Dams are built"): a statement about
    a kind. In the past ("Local vendors quoted $30k", "several contractors bid") a bare plural names
    particular ones."""
    relative = [c for c in subject.children if c.dep_ == "relcl"]  # "water that flows toward the sea"
    verb = relative[0] if subject.dep_ not in ("nsubj", "nsubjpass") and relative else subject.head
    while verb.dep_ == "conj" and verb.head.i != verb.i and verb.tag_ not in ("VBZ", "VBP", "VBD"):
        verb = verb.head
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    return any(t.tag_ in ("VBZ", "VBP") or t.lower_ == "can" for t in [verb, *auxes])


@lru_cache(maxsize=4096)
def _title(title: str | None) -> tuple[frozenset[str], bool]:
    """The noun lemmas of a title that is a bare noun phrase ("Black holes" -> hole; "The printing press"
    -> printing, press), and whether it names a kind (no capitalised word after the first: "Honeybees",
    "Supply and demand"; not "Tesla Motors"). A title with a verb, a question or more than six words (a
    post's title: "The installer never came back") gives nothing."""
    if not title or len(title.split()) > 6 or "?" in title:
        return frozenset(), False
    doc = shared_cache().parse_syntax(title.strip())
    if any(t.pos_ in ("VERB", "AUX") and t.dep_ not in ("amod", "compound") for t in doc):
        return frozenset(), False
    kind = all(w[:1].islower() or not w[:1].isalpha() for w in title.split()[1:])
    return frozenset(t.lemma_.lower() for t in doc if t.pos_ in ("NOUN", "PROPN")), kind


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
    generic = _generic(c.subject, c, ctx) if c.subject.ref != "document" else False
    if generic:
        return AxiomScore.of(NAME, GENERIC, reason=f"subject {c.subject.text!r} is a generic common noun "
                          "(likely an anaphor: 'the company', 'the system'), not a named entity")
    if _class_typed(c) and _bare(c.object.text):
        return AxiomScore.of(NAME, 1.0, reason=f"object {c.object.text!r} is a pattern-typed {c.object.type} "
                             "mention: the subject's own component, not a vague noun")
    if generic is None and isinstance(c.object, Entity) and _bare(c.object.text):
        return AxiomScore.of(NAME, 1.0, reason=f"a statement about a kind or the document's topic "
                             f"({c.subject.text!r}): a bare noun object ({c.object.text!r}) is its value")
    if isinstance(c.object, Entity) and _bare(c.object.text):
        return AxiomScore.of(NAME, 0.45, reason=f"object {c.object.text!r} is a bare common noun "
                             "('options', 'removal'): too vague to be a fact's value")
    if isinstance(c.object, Entity) and " and " in f" {c.object.text.lower()} ":
        return AxiomScore.of(NAME, 0.6, reason="object may list several entities (contains 'and')")
    return AxiomScore.of(NAME, 1.0, reason="specific subject and object")
