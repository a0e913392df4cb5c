"""Subject–verb–object triples from one parsed sentence (spaCy dependency parse).

Rules (each yields (subject span, predicate phrase, object span)):
- active verb: nsubj -> verb -> dobj/attr/oprd/dative; verb + preposition -> pobj ("locate in")
- passive: nsubjpass -> verb "by" -> agent's pobj ("design by"), plus prepositional objects
- copula with a relational noun: "The capital of France is Paris" -> (France, capital, Paris);
  "X is the capital of Y" -> (X, "be capital of", Y)
- conjunctions share subjects/objects; relative clauses take the noun they modify as subject
- noun-phrase modifiers between two named entities: "Hall, in Virginia" -> (Hall, in, Virginia)
Predicates are lemma phrases; resolution maps them onto the pipeline ontology. Each triple carries the
verb's modality (`modality()`): "future" (will), "hypothetical" (would/could/might/may/should/must, an
if/unless clause or its consequent), "negated" (not/never/n't), "question", or None for a plain statement.
The predicate stays the verb's lemma phrase; the judge refuses non-factual modalities.
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

from spacy.tokens import Doc, Span, Token

_SUBJ = {"nsubj", "nsubjpass", "csubj"}
_OBJ = {"dobj", "attr", "oprd", "dative", "obj"}
_LITERAL_LABELS = {"MONEY", "DATE", "QUANTITY", "CARDINAL", "PERCENT", "TIME", "ORDINAL"}
# British-spelling lemmas the rule lemmatizer picks for American text ("installed" -> "instal").
_LEMMA_FIX = {"instal": "install", "enrol": "enroll", "fulfil": "fulfill", "distil": "distill"}
_NE_PREPS = {"in", "of", "at", "from", "near", "on", "by", "for"}


# Subjects the judge's specificity axiom always rejects (coref's he/she/it/they are not here: they may be
# replaced by the previous sentence's named subject).
DEAD_SUBJECTS = {"i", "me", "we", "us", "you", "this", "that", "these", "those", "which", "who", "whom", "what",
                 "someone", "somebody", "something", "anyone", "anything", "everyone", "everything", "one",
                 "here", "there", "all", "both", "each", "none", "some", "many", "much", "few", "others"}


_FUTURE = {"will", "'ll", "wo", "shall"}
_HYPOTHETICAL = {"would", "'d", "could", "might", "may", "should", "must", "ought"}
_CONDITIONAL = {"if", "unless", "whether"}


class Raw(NamedTuple):
    subject: Span
    predicate: str
    object: Span
    modality: str | None = None


def modality(verb: Token) -> str | None:
    """How the clause of `verb` states its content; None for a plain (past/present) assertion.
    A conjoined verb without its own auxiliaries shares its head verb's ("will design and install")."""
    if any(c.dep_ == "neg" for c in verb.children):
        return "negated"
    auxes = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
    if auxes & _HYPOTHETICAL:
        return "hypothetical"
    if auxes & _FUTURE:
        return "future"
    if any(c.dep_ == "mark" and c.lower_ in _CONDITIONAL for c in verb.children) or any(
            c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in _CONDITIONAL for m in c.children)
            for c in verb.children):
        return "hypothetical"  # "if Tesla installs it", "if it fails, Tesla replaces it"
    if verb.dep_ == "conj" and not auxes and verb.head.pos_ in ("VERB", "AUX") and verb.head.i != verb.i:
        inherited = modality(verb.head)
        if inherited in ("future", "hypothetical"):
            return inherited
    doc = verb.doc
    if not _has_question_mark(doc):
        return None
    last = verb.sent[-1] if doc.has_annotation("SENT_START") else doc[-1]
    if last.text == "?" or (last.is_punct and last.i > 0 and doc[last.i - 1].text == "?"):
        return "question"
    return None


def _has_question_mark(doc: Doc) -> bool:
    known = doc.user_data.get("sro_has_qmark")
    if known is None:
        known = doc.user_data["sro_has_qmark"] = "?" in doc.text
    return known


def mention(token: Token) -> Span:
    """The noun phrase headed by `token`: its entity if it is in one, else its left modifiers + itself."""
    if token.ent_type_ and token.ent_iob_:
        for ent in token.doc.ents:
            if ent.start <= token.i < ent.end:
                return _extend_compound(ent, token)
    left = token.i
    for child in token.lefts:
        if child.dep_ in ("compound", "amod", "nummod", "poss", "nmod", "quantmod", "npadvmod") or (
            child.dep_ == "det" and child.lower_ not in ("the", "a", "an")
        ):
            left = min(left, child.left_edge.i)
    right = token.i
    for child in token.rights:
        if child.dep_ in ("compound", "flat", "nummod", "appos") and child.i == right + 1:
            right = child.i
    right = max(right, _of_chain(token), _of_complement(token))
    span = token.doc[left : right + 1]
    while len(span) > 1 and span[0].dep_ in ("det", "punct"):
        span = span[1:]
    return span


def _of_chain(token: Token) -> int:
    """"College of William and Mary", "Bank of America": a proper name continued by "of" + proper name."""
    if token.pos_ != "PROPN":
        return token.i
    for prep in (c for c in token.rights if c.dep_ == "prep" and c.lower_ == "of" and c.i == token.i + 1):
        for pobj in (c for c in prep.children if c.dep_ == "pobj" and c.pos_ == "PROPN"):
            return pobj.right_edge.i if pobj.right_edge.pos_ in ("PROPN", "NOUN") else pobj.i
    return token.i


def _of_complement(token: Token) -> int:
    """"field of surgery", "the centres of large galaxies": a common noun keeps its "of" complement (the
    complement's own mention, so its modifiers come along but not its relative clauses). Not a measure
    ("3 weeks of work", "$5k of panels"): the amount is the literal, as NER would type it."""
    if token.pos_ != "NOUN" or token.lower_ in TIME_WORDS or any(c.dep_ == "nummod" for c in token.children):
        return token.i
    for prep in (c for c in token.rights if c.dep_ == "prep" and c.lower_ == "of" and c.i == token.i + 1):
        for pobj in (c for c in prep.children if c.dep_ == "pobj" and c.pos_ in ("NOUN", "PROPN")):
            return mention(pobj)[-1].i
    return token.i


def _extend_compound(ent: Span, token: Token) -> Span:
    """An entity inside a longer proper-noun phrase ("ALCO RS-3") keeps the whole phrase; a money amount
    keeps its currency sign; a place keeps its comma-appended region ("Swords, Dublin")."""
    doc = token.doc
    left = min([ent.start] + [c.i for c in token.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"])
    if left > 0 and doc[left - 1].pos_ == "SYM" and ent.label_ == "MONEY":
        left -= 1
    end = ent.end
    if ent.label_ == "GPE" and end + 1 < len(doc) and doc[end].text == "," and doc[end + 1].ent_type_ == "GPE" \
            and doc[end + 1].dep_ == "appos":
        end = next((e.end for e in doc.ents if e.start == end + 1), end)
    return doc[left:end]


def _conjuncts(token: Token) -> list[Token]:
    return [token, *[t for t in token.conjuncts if t.pos_ in ("NOUN", "PROPN", "NUM", "PRON")]]


def _subjects(verb: Token) -> list[Token]:
    subs = [c for c in verb.children if c.dep_ in _SUBJ]
    if not subs and verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        return _subjects(verb.head)
    if len(subs) == 1 and subs[0].lower_ in _CLAUSE_PRONOUNS:
        named = _clause_antecedent(verb, subs[0])
        if named is not None:
            return [named]
    if not subs and verb.dep_ in ("relcl", "acl") and verb.head.pos_ in ("NOUN", "PROPN"):
        return _described(verb.head)
    if verb.dep_ == "relcl" and subs and subs[0].tag_ in ("WDT", "WP") and verb.head.pos_ in ("NOUN", "PROPN"):
        if _sentential(subs[0], verb.head):
            return []
        return _described(verb.head)  # "the hall, which is located in ..." -> the hall
    return [t for s in subs for t in _conjuncts(s)]


_CLAUSE_PRONOUNS = {"it": ("NN", "NNP"), "they": ("NNS", "NNPS"), "he": ("NNP",), "she": ("NNP",)}


def _clause_antecedent(verb: Token, pronoun: Token) -> Token | None:
    """The subject of the neighbouring clause a pronoun subject refers to, within one sentence: "A
    sledgehammer has a long handle, and it is used ...", "Gutenberg combined techniques: he cast ...",
    "When the snow melts, it feeds rivers". One noun subject of the right number ("it": singular,
    "they": plural, "he"/"she": a proper noun), else None."""
    if verb.dep_ in ("conj", "advcl", "parataxis") and verb.head.pos_ in ("VERB", "AUX") and verb.head.i < verb.i:
        other = verb.head
    else:  # a clause before it that hangs off its verb ("When the ice melts, it ...")
        other = next((c for c in verb.children if c.dep_ in ("advcl", "ccomp", "conj") and c.i < pronoun.i), None)
    if other is None:
        return None
    subs = [c for c in other.children if c.dep_ in ("nsubj", "nsubjpass")]
    if len(subs) != 1:
        return None
    if subs[0].lower_ == pronoun.lower_:  # "he cast ..., he used ...": the same pronoun, one clause earlier
        return _clause_antecedent(other, subs[0])
    return subs[0] if subs[0].tag_ in _CLAUSE_PRONOUNS[pronoun.lower_] else None


def _sentential(pronoun: Token, noun: Token) -> bool:
    """", which causes a heart attack" after "starved of oxygen": a "which" set off by a comma after the
    object of a verb's or adjective's preposition usually refers to the whole clause, not to that noun."""
    return pronoun.lower_ == "which" and pronoun.i > 0 and pronoun.doc[pronoun.i - 1].text == "," and \
        noun.dep_ == "pobj" and noun.head.head.pos_ in ("VERB", "AUX", "ADJ")


def _described(noun: Token) -> list[Token]:
    """What a relative clause on `noun` is about: the noun, or, when the noun is the attribute of a copula
    ("The heart is an organ that pumps blood"), the copula's subject."""
    verb = noun.head
    if noun.dep_ == "attr" and verb.lemma_ == "be":
        subs = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subs and subs[0].lower_ not in DEAD_SUBJECTS:
            return subs[:1]
    return [noun]


def _is_passive(verb: Token) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def _objects(verb: Token) -> Iterator[tuple[str, Token]]:
    """(predicate, object head) pairs for a verb."""
    lemma = _LEMMA_FIX.get(verb.lemma_.lower(), verb.lemma_.lower())
    particle = " ".join(c.lower_ for c in verb.children if c.dep_ == "prt")
    base = f"{lemma} {particle}".strip()
    first_subject = min((c.i for c in verb.children if c.dep_ in _SUBJ), default=verb.i)
    for child in verb.children:
        if child.dep_ in ("prep", "agent") and child.i < first_subject:
            continue  # a fronted adverbial ("In humans, it sits in the chest") is not about the subject
        if child.dep_ in _OBJ:
            for obj in _conjuncts(child):
                yield from _copula_or_plain(base, verb, obj)
        elif child.dep_ in ("prep", "agent"):
            for pobj in (c for c in child.children if c.dep_ == "pobj"):
                for obj in _conjuncts(pobj):
                    yield f"{base} {child.lower_}", obj
        elif child.dep_ == "xcomp" and child.pos_ == "VERB" and not any(c.dep_ in _SUBJ for c in child.children):
            for predicate, obj in _objects(child):
                yield f"{base} to {predicate}", obj  # "use to break", "knead to develop"
        elif child.dep_ == "acomp":
            for prep in (c for c in child.children if c.dep_ == "prep"):
                for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                    yield f"{base} {child.lemma_.lower()} {prep.lower_}", pobj


def _copula_or_plain(base: str, verb: Token, obj: Token) -> Iterator[tuple[str, Token]]:
    """"X is the capital of Y" also gives (X, "be capital of", Y)."""
    yield base, obj
    if verb.lemma_ == "be" and obj.pos_ == "NOUN":
        for prep in (c for c in obj.children if c.dep_ == "prep"):
            for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                yield f"be {obj.lemma_.lower()} {prep.lower_}", pobj


def _relational_subject(subj: Token) -> tuple[Token, str] | None:
    """"The location of Trane (is Swords)" -> (Trane, "location"): the noun names the relation."""
    if subj.pos_ != "NOUN":
        return None
    for prep in (c for c in subj.children if c.dep_ == "prep" and c.lower_ == "of"):
        for pobj in (c for c in prep.children if c.dep_ == "pobj"):
            return pobj, subj.lemma_.lower()
    for poss in (c for c in subj.children if c.dep_ == "poss" and c.pos_ == "PROPN"):
        return poss, subj.lemma_.lower()
    return None


def triples(doc: Doc | Span) -> Iterator[Raw]:
    for verb in doc:
        if verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("aux", "auxpass"):
            continue
        subjects = _subjects(verb)
        if not subjects:
            continue
        pairs = list(_objects(verb))
        mood = modality(verb) if pairs else None
        for subj in subjects:
            relational = _relational_subject(subj) if verb.lemma_ == "be" else None
            for predicate, obj in pairs:
                if relational and predicate == "be":
                    yield Raw(mention(relational[0]), relational[1], mention(obj), mood)
                yield Raw(mention(subj), predicate, mention(obj), mood)
    yield from _noun_modifiers(doc)
    yield from _appositions(doc)


def _appositions(doc: Doc | Span) -> Iterator[Raw]:
    """"the aorta, the largest artery of the body" -> (aorta, be, largest artery of the body): a common
    noun set off by a comma after another noun phrase names what that phrase is."""
    for token in doc:
        if token.dep_ != "appos" or token.pos_ != "NOUN" or token.head.pos_ not in ("NOUN", "PROPN"):
            continue
        head = mention(token.head)
        if token.i > head.end and doc[head.end].text in (",", "(", "-", "–", "—"):
            yield Raw(head, "be", mention(token))


def _noun_modifiers(doc: Doc | Span) -> Iterator[Raw]:
    """Between two named entities only: "Alan B. Miller Hall, in Virginia" -> (Hall, in, Virginia)."""
    for token in doc:
        if token.dep_ != "prep" or token.lower_ not in _NE_PREPS or token.head.pos_ != "PROPN":
            continue
        head = token.head
        if not head.ent_type_ or head.ent_type_ in _LITERAL_LABELS:
            continue
        for pobj in (c for c in token.children if c.dep_ == "pobj"):
            for obj in _conjuncts(pobj):
                if obj.ent_type_ and obj.ent_type_ not in _LITERAL_LABELS:
                    yield Raw(mention(head), token.lower_, mention(obj))


# What an entity the NER model could put on a phrase contains: a capital, a digit or a currency sign, a
# number word (`like_num`: "two", "first") or a date/time word ("the end of the year", "last summer").
_NAMEABLE = re.compile(r"[A-Z0-9$€£¥]")
TIME_WORDS = {"year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours", "minute",
               "minutes", "decade", "decades", "century", "today", "yesterday", "tomorrow", "tonight", "morning",
               "afternoon", "evening", "night", "nights", "noon", "midnight", "weekend", "weekends", "summer",
               "winter", "spring", "fall", "autumn", "season", "quarter", "annual", "annually", "daily",
               "weekly", "monthly", "yearly", "quarterly", "ago", "overnight", "time"}


def _nameable(token: Token) -> bool:
    """Whether NER could label something in the phrase under `token` (its whole subtree: an entity may
    run past the dependency-based mention, "the summer of 2024"). A sentence-initial capital ("The",
    "Installer") and "I" do not count."""
    for t in token.doc[token.left_edge.i : token.right_edge.i + 1]:
        if t.like_num or t.lower_ in TIME_WORDS:
            return True
        text = t.text
        if text != "I" and _NAMEABLE.search(text) is not None and not (
                t.is_sent_start and t.pos_ != "PROPN" and text[1:].islower()):
            return True
    return False


def needs_entities(doc: Doc, generic_rejected: bool = False) -> bool:
    """`_needs_entities`, computed once per doc (the extractor asks again for docs parsed without NER)."""
    key = "sro_needs_entities_g" if generic_rejected else "sro_needs_entities"
    known = doc.user_data.get(key)
    if known is None:
        known = doc.user_data[key] = _needs_entities(doc, generic_rejected)
    return known


def _needs_entities(doc: Doc, generic_rejected: bool) -> bool:
    """Whether a sentence parsed without NER can yield a candidate the judge might accept (NER is then
    run on it; otherwise only if something asks later): an SVO triple whose subject is not a "dead"
    pronoun ("I", "we", "this": the specificity gate always rejects those; coref's he/she/it/they may
    take the previous sentence's subject) and whose subject or an object has something NER could label
    (`_nameable`: a capital, a digit, a number or date word), or a noun modifier between proper nouns
    (needs entity labels). A triple of lower-case words only ("the installer replaced the inverter")
    gets the same mentions with or without NER, and its subject is one the judge rejects as generic.
    With `generic_rejected` (the specificity gate rejects generic subjects), a generic subject — up to
    three lower-case words, "the installer" — needs no NER whatever its objects: those candidates are
    rejected, and the extractor types their literals from the text (`offline._term`)."""
    for verb in doc:
        if verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("aux", "auxpass"):
            continue
        subjects = [s for s in _subjects(verb) if s.lower_ not in DEAD_SUBJECTS or any(True for _ in s.lefts)]
        if not subjects:
            continue
        objects = [obj for _, obj in _objects(verb)]
        if not objects:
            continue
        if any(_nameable(subj) for subj in subjects):
            return True
        if (not generic_rejected or any(_may_be_specific(subj) for subj in subjects)) and \
                any(_nameable(obj) for obj in objects):
            return True
    for token in doc:
        if token.dep_ == "prep" and token.lower_ in _NE_PREPS and token.head.pos_ == "PROPN" and any(
                c.dep_ == "pobj" and c.pos_ in ("PROPN", "NUM", "NOUN") for c in token.children):
            return True
    return False


_COREF_PRONOUNS = {"he", "she", "it", "they"}  # sro.extract.coref.PRONOUNS


def _may_be_specific(subj: Token) -> bool:
    """A subject without anything NER could label that the specificity axiom still may accept: a pronoun
    coref may replace by a name, a bare plural (a kind, for the judge's specificity axiom), a capitalised
    first word other than an article ("Installer", "This installer": the judge checks those against the
    parse), or a phrase of more than three words. Definite subjects the judge accepts as a kind
    document's topic ("the heart" under "The heart") get entities lazily (the extractor does not read
    titles here)."""
    if subj.lower_ in _COREF_PRONOUNS:
        return True
    if subj.tag_ == "NNS" and not any(c.dep_ in ("det", "poss", "nummod") for c in subj.children):
        return True  # a bare plural: the judge may take it as a kind ("Black holes emit a faint glow")
    phrase = mention(subj)
    first = phrase[0]
    return len(phrase) > 3 or (first.text[:1].isupper() and first.lower_ not in ("the", "a", "an"))
