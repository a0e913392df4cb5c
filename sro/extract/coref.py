"""Pronoun subjects carried over from the previous sentence ("Trane ... They employ 29,000 people").

A deliberately small rule, not a coreference model: a subject "he/she/it/they" is replaced by the named
(or common-noun: "The heart ... it sits in the chest") subject of the immediately preceding parsed sentence when gender/number roughly agree (he/she -> a
Person or an untyped name; it -> not a Person). The quote then spans both sentences, so grounding still
checks subject and object against the text. Candidates made this way carry extractor "nlp:spacy+coref".
"""

from __future__ import annotations

from typing import NamedTuple

from sro.nlp.models import Candidate, Entity, Evidence
from sro.extract.svo import DEAD_SUBJECTS

PRONOUNS = {"he", "she", "it", "they"}
MAX_QUOTE = 700  # chars: beyond that the antecedent is too far back to trust


class Antecedent(NamedTuple):
    start: int  # offset in the chunk text of the sentence that names it
    entity: Entity


def named_subject(cands: list[Candidate]) -> Entity | None:
    """The first subject that names something: a name, or a common-noun phrase ("the heart": whether a
    fact about it is specific enough is the judge's decision, as for the sentence that named it)."""
    for c in cands:
        text = c.subject.text
        if c.subject.ref is None and text.lower() not in PRONOUNS and text.lower() not in DEAD_SUBJECTS \
                and any(ch.isalpha() for ch in text):
            return c.subject
    return None


def _agrees(pronoun: str, entity: Entity) -> bool:
    """Rough gender and number: he/she need a name (a person or untyped), "it" not a person nor a plural
    common noun ("glaciers"), "they" anything but a singular common noun ("the heart")."""
    named = any(ch.isupper() for ch in entity.text)
    plural_noun = not named and entity.text.endswith("s") and not entity.text.endswith("ss")
    if pronoun in ("he", "she"):
        return named and entity.type in (None, "Person")
    if pronoun == "it":
        return entity.type != "Person" and not plural_noun
    return named or plural_noun


def carry(cands: list[Candidate], previous: Antecedent | None, chunk_text: str, chunk_start: int,
          sent_end: int) -> list[Candidate]:
    if previous is None or sent_end - previous.start > MAX_QUOTE:
        return cands
    out = []
    for c in cands:
        pronoun = c.subject.text.lower()
        if pronoun in PRONOUNS and _agrees(pronoun, previous.entity):
            evidence = Evidence(chunk_id=c.evidence.chunk_id, doc_id=c.evidence.doc_id,
                                start=chunk_start + previous.start, end=chunk_start + sent_end,
                                quote=chunk_text[previous.start : sent_end])
            c = c.model_copy(update={"subject": previous.entity, "evidence": evidence,
                                     "extractor": c.extractor + "+coref"})
        out.append(c)
    return out
