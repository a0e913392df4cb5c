"""Assertion status: does the author assert the fact as true of its subject, in the clause that states it?

Read from the quote's dependency parse, starting at the object's mention and walking up its governing
clauses (the object of "we paid $52k" is governed by "paid"; that of "would it be smart to jump up to a
14.35kW system for $5k more?" by "jump", "be" and a question). A clause on that path makes the fact
non-asserted when it is
- a question: a sentence ending in "?" (unless the fact's own clause is a first-person statement, "I have
  a 19.2 kW array, what happens if ...?"), or an inverted one ("Does anyone know ...", "Can I ...");
- hypothetical: a modal auxiliary (would, could, should, might, may, must), an if/unless clause;
- future: will, shall, "going to";
- negated: a `neg` dependent;
- a plan, wish or consideration: governed by a verb or adjective of intention (plan, want, hope, consider,
  look at/into, interested in, thinking about, quote, estimate, ...), a present progressive of acquiring
  ("I am getting a 10 kW system"), an unrealised to-infinitive, a quote or an offer as the clause's
  argument, a prospect modifier ("our proposed system");
- reported or hedged belief: governed by a verb of saying or believing (say, claim, hear, think, believe,
  suppose, read), a hedging adverb (allegedly, supposedly, apparently, probably), "according to" or a frame
  of belief ("from my understanding", "in my opinion");
- about someone else's system (for facts about the author's own installation, the document subject): the
  governing clause's subject is another person ("you", "anyone", "a friend", "people", "my neighbour"),
  or someone else possesses the object's noun phrase ("my neighbour's 6.6 kW system");
- listed: one of three or more names given as examples of a kind ("a demand charge (APS, SRP, TEP)");
- generic: an indefinite subject, or the bare product name as the subject of a present-tense sentence
  ("a 10 kW system costs about $30k", "Powerwall 2 has an internal heater."), and no author in the sentence.
The verb classes are small and closed; what decides is where the word sits on the path, not that it occurs.
A hard gate with no weight (like modality): an assertion gains nothing for being one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sro.nlp.models import Candidate, Entity
from sro.judge.axioms.assertion_words import (
    MODAL, FUTURE, CONDITIONAL, QUESTION_OPENER, ASKED, QUESTION_NOUN, SUPPOSE, INTENT, INTENT_PREP,
    REPORT, HEDGE, BELIEF_NOUN, FIRST, OTHER_PERSON, PEOPLE_NOUN, OTHER_POSSESSIVE, ACQUIRE, IMPLICATIVE,
    PRESENT_BE, IRREALIS, PROSPECT_NOUN, PART_PREP, TOPIC_PREP, CLAUSE_DEPS, lemma_of)
from sro.judge.axioms.clause import anchor_token, author_in_clause, speaks_of_own, subject_of
from sro.judge.axioms.post_context import in_context
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

if TYPE_CHECKING:
    from spacy.tokens import Token

NAME = "assertion"
REASONS = {
    "question": "a question: the author asks, does not assert",
    "hypothetical": "hypothetical (a modal or an if-clause governs the fact): not asserted",
    "future": "a future statement: not something that is the case yet",
    "negated": "negated: the source says this is not the case",
    "plan": "a plan, wish or consideration (a verb of intention governs the fact)",
    "reported": "reported or hedged belief (say/hear/think/allegedly), not the author's own assertion",
    "other_system": "about someone else (the governing clause's subject is another person), not the author's",
    "listed": "one of several names listed as examples of a kind ('a demand charge (APS, SRP, TEP)'), not the "
              "author's",
    "generic": "a generic statement (an indefinite subject or the bare product name: 'a 10 kW system costs ...',"
               " 'Powerwall 2 has a heater.'), not about the author's",
}


def _path(token: "Token") -> list["Token"]:
    """The token's governing clause heads, nearest first (verbs, and adjectives heading a clause)."""
    out = []
    for t in [token, *token.ancestors]:
        if t.pos_ in ("VERB", "AUX") or t.dep_ in CLAUSE_DEPS and t.pos_ in ("ADJ", "VERB", "AUX"):
            out.append(t)
    return out


def _question(token: "Token", path: list["Token"]) -> bool:
    sent = token.sent
    inverted = next((t for t in sent if not t.is_punct), None)
    root = sent.root
    subj = subject_of(root)
    if inverted is not None and inverted.dep_ in ("aux", "auxpass") and inverted.head == root and subj is not None \
            and inverted.i < subj.i:
        return True  # "Does anyone know ...", "Can I change ..."
    if inverted is not None and inverted == root and root.pos_ == "AUX" and subj is not None and root.i < subj.i:
        return True  # "Is a 10 kW system enough for ..." (no question mark)
    if inverted is not None and inverted.i + 1 < len(sent.doc) and (inverted.lower_ in QUESTION_OPENER or (
            inverted.lower_ in ("has", "have", "did") and sent.doc[inverted.i + 1].lower_ in ASKED)):
        return True  # "Does the Powerwall 3 support ..." parsed as a noun phrase, "Anyone else with PG&E seeing"
    if not sent.text.rstrip().rstrip("\"')").endswith("?"):
        return bool(subj is not None and subj.lower_ in ("anyone", "anybody") and root.i == token.sent.root.i)
    # The fact's own clause, or the nearest clause above it before any asking one, is a first-person statement
    # ("I have 2x PW3 installed, ..., is it normal?"): the question is about something else.
    for verb in path:
        subj = subject_of(verb)
        asking = any(c.dep_ in ("aux", "auxpass") and (subj is None or c.i < subj.i) for c in verb.children) \
            or verb.pos_ == "AUX" and subj is not None and verb.i < subj.i \
            or any(c.tag_ in ("WP", "WRB", "WDT") for c in verb.children)
        if asking:
            return True
        if subj is not None and subj.lower_ in FIRST and subj.i < verb.i:
            return False
    return True


def _clause_status(verb: "Token", governing: bool) -> str | None:
    children = list(verb.children)
    if any(c.dep_ == "neg" for c in children):
        return "negated"
    auxes = {c.lower_ for c in children if c.dep_ in ("aux", "auxpass")}
    if auxes & MODAL:
        return "hypothetical"
    if auxes & FUTURE or (verb.lower_ == "going" and any(c.dep_ == "xcomp" for c in children)):
        return "future"
    if verb.tag_ not in ("VBD", "VBN") and any(_future_time(c) for c in children):
        return "future"  # "Tesla is coming out next week to install it", "the install is scheduled for Monday"
    if _unrealised_infinitive(verb, children):
        return "plan"
    if verb.tag_ == "VBG" and auxes & PRESENT_BE and lemma_of(verb) in ACQUIRE:
        return "plan"
    if verb.tag_ == "VBG" and verb.dep_ == "ROOT" and not auxes and subject_of(verb) is None \
            and lemma_of(verb) in ACQUIRE:  # "Also adding 28 panels with an IQ8A", "Getting a PW3 soon"
        return "plan"
    if any(c.dep_ == "mark" and c.lower_ in CONDITIONAL for c in children):
        return "hypothetical"
    if any(c.dep_ == "advcl" and c.lemma_.lower() in SUPPOSE and c.tag_ in ("VBG", "VB", "VBN") for c in children):
        return "hypothetical"  # "Assuming rates go up, savings are $100 a month"
    if _pending(children):
        return "plan"
    if any(c.dep_ == "advmod" and c.lower_ in HEDGE for c in children):
        return "reported"
    lemma = verb.lemma_.lower()
    if governing and lemma in REPORT:
        return "reported" if lemma != "think" or not any(c.dep_ == "prep" for c in children) else "plan"
    if lemma in INTENT or verb.lower_ in INTENT or any(c.dep_ == "prep" and c.lower_ in INTENT_PREP.get(lemma, ())
                                                       for c in children):
        return "plan"
    return None


def _future_time(c: "Token") -> bool:
    """A time modifier pointing ahead: "next week", "tomorrow", "soon", "in two weeks" (not "next to")."""
    if c.dep_ in ("advmod", "npadvmod") and c.lower_ in ("tomorrow", "soon", "later", "shortly"):
        return True
    nouns = [c] if c.dep_ in ("npadvmod", "advmod") else [p for p in c.children if p.dep_ == "pobj"] \
        if c.dep_ == "prep" else []
    return any(n.lower_ == "tomorrow" or any(m.dep_ == "amod" and m.lower_ in ("next", "upcoming", "coming")
                                             for m in n.children) for n in nouns)


def _pending(children: list["Token"]) -> bool:
    """A clause joined to the fact's says the installation has not happened yet ("I signed up for a Powerwall
    3 but it has not been installed yet", "ordered a PW3, waiting for the install")."""
    for c in children:
        if c.dep_ not in ("conj", "advcl", "ccomp", "parataxis") or lemma_of(c) not in ("install", "wait"):
            continue
        grand = list(c.children)
        if lemma_of(c) == "install" and any(g.dep_ == "neg" for g in grand) and any(
                g.lower_ in ("yet", "still") for g in grand):
            return True
        if c.lemma_.lower() == "wait" and any(g.dep_ == "prep" and any(
                p.dep_ == "pobj" and p.lemma_.lower() in ("install", "installation", "installer", "delivery")
                for p in g.children) for g in grand):
            return True
    return False


def _unrealised_infinitive(verb: "Token", children: list["Token"]) -> bool:
    if verb.tag_ != "VB" or not any(c.dep_ == "aux" and c.lower_ == "to" for c in children):
        return False
    head = verb.head
    return not (head.lemma_.lower() in IMPLICATIVE or head.lower_ in IMPLICATIVE)


def _person_like(subj: "Token") -> bool:
    if subj.lemma_.lower() in OTHER_PERSON or subj.lower_ in OTHER_PERSON or subj.lemma_.lower() in PEOPLE_NOUN:
        return True
    if subj.lemma_.lower() == "law" and "in" in {c.lower_ for c in subj.children}:
        return True  # "my in-laws"
    if any(c.dep_ == "prep" and c.lower_ == "of" and any(p.dep_ == "pobj" and _person_like(p) for p in c.children)
           for c in subj.children):
        return True  # "lots of people here", "most of my neighbors", "a friend of mine" is a friend
    indefinite = any(d.dep_ == "det" and d.lower_ in ("a", "another", "some", "any", "every") for d in subj.children)
    return indefinite and subj.pos_ == "NOUN" and subj.lemma_.lower() not in ("system", "array", "battery",
                                                                              "inverter")


def _possessor(token: "Token") -> "Token | None":
    """Whose thing the noun phrase around the token is ("my neighbor's 6.6 kW system": neighbor; "his
    system": his; "my PW3": my), up to the governing verb; None when no person possesses it. A phrase of
    purpose or topic is not a part ("my site survey for the Powerwall 3 install": the survey is the author's)."""
    for t in [token, *token.ancestors]:
        if t.pos_ in ("VERB", "AUX") or t.dep_ == "prep" and t.lower_ in TOPIC_PREP:
            return None
        poss = next((c for c in t.children if c.dep_ == "poss"), None)
        if poss is not None and (poss.lower_ in FIRST or poss.lower_ in OTHER_POSSESSIVE or _person_like(poss)):
            return poss
    return None


def _owned_by_author(token: "Token") -> bool:
    """Inside a noun phrase the author possesses ("why my 13.5 kW system exports"): taken for granted."""
    owner = _possessor(token)
    return owner is not None and owner.lower_ in FIRST


def _irrealis(token: "Token") -> "Token | None":
    """A modifier of the noun phrase around the token that makes it a prospect ("the proposed 10 kW system") or
    an alternative to the author's ("there is another plan called E-ELEC")."""
    for t in [token, *token.ancestors]:
        if t.pos_ in ("VERB", "AUX"):
            if t.dep_ == "acl" and lemma_of(t) in ("call", "name"):
                continue  # "another plan called E-ELEC": the noun named
            return None
        hit = next((c for c in t.children if c.dep_ in ("amod", "compound") and c.lower_ in IRREALIS
                    or c.dep_ == "det" and c.lower_ == "another"), None)  # "there is another plan called ..."
        if hit is not None:
            return hit
        if t.i != token.i and t.pos_ == "NOUN" and lemma_of(t) in PROSPECT_NOUN:
            return t  # "on the waitlist for a Powerwall 3", "a deposit on a PW3"
    return None


def _asked_about(token: "Token") -> "Token | None":
    """A question noun whose topic the noun phrase is ("Question about Powerwall 3 string configuration",
    "Advice on adding a PW3"); not its addressee ("Question for the crew: NorCal PG&E on E-ELEC")."""
    for t in [token, *token.ancestors]:
        if t.pos_ in ("VERB", "AUX") and t.i != token.i and t.dep_ != "pcomp":
            return None
        if t.dep_ == "pobj" and t.head.lower_ in ("about", "on", "regarding", "re") and \
                lemma_of(t.head.head) in QUESTION_NOUN and not any(c.dep_ == "poss" for c in t.head.head.children):
            return t.head.head
    return None


def _generic(token: "Token", verb: "Token") -> bool:
    """The clause speaks of any such thing ("a 10 kW system in California costs about $30k"): its subject is
    indefinite and the sentence never has the author as a subject or possessor."""
    subj = subject_of(verb)
    indefinite = subj is not None and any(c.dep_ == "det" and c.lower_ in ("a", "an", "any", "every", "each")
                                          for c in subj.children)
    # The bare name itself as the subject of a present-tense sentence says what the model does ("Powerwall 2 has
    # an internal heater.", "PW3 continue to power the house."), not what the author's unit did; a headline
    # (no closing stop: "Tesla PW3 force solar export rather than battery charge") tells of an event.
    model = subj is not None and subj.i == token.i and verb.tag_ in ("VBZ", "VBP") and subj.pos_ == "PROPN" \
        and not any(c.dep_ in ("det", "poss") for c in subj.children) and token.sent.text.rstrip()[-1:] in ".!"
    return (indefinite or model) and not speaks_of_own(token) and not any(t.lower_ in ("mine", "ours")
                                                                           for t in token.sent)


def _other_person(token: "Token", path: list["Token"]) -> bool:
    """Someone else's system: the governing clause's subject is another person, or the sentence speaks
    of another person ("your", "a friend's", "the customer") and never of the author."""
    possessor = _possessor(token)
    if possessor is not None:
        return possessor.lower_ not in FIRST
    for verb in path[:2]:
        subj = subject_of(verb)
        if subj is not None:
            if subj.lower_ in FIRST:
                return False
            owner = _possessor(subj)
            if _person_like(subj) or (owner is not None and owner.lower_ not in FIRST):
                return True
            break
    if speaks_of_own(token):
        return False
    # Outside the governing clauses a bare "they" is most often the rates, panels or quotes the sentence is
    # about ("with rates where they are, the payback is 8 years"), not another household.
    # Away from the fact's clause only a word for a person counts ("some strange things happening" is no
    # household, as an indefinite subject of the governing clause may be).
    return any(t.dep_ in ("nsubj", "nsubjpass", "poss") and t.lower_ != "they"
               and (t.lemma_.lower() in OTHER_PERSON or t.lower_ in OTHER_PERSON
                    or t.lower_ in ("your", "their", "his", "her")) for t in token.sent)


def _prospect_clause(token: "Token", verb: "Token") -> bool:
    """The fact's clause has a quote, an estimate or an offer as subject or object (and the object is not
    that noun itself): what is listed is offered, not installed."""
    return any(c.dep_ in ("dobj", "nsubj", "nsubjpass") and c.lemma_.lower() in PROSPECT_NOUN and c.i != token.i
               for c in verb.children)


def _listed(token: "Token") -> bool:
    """The name is one of three or more names listed as examples of a common noun ("a demand charge (APS, SRP,
    TEP)"): options or examples, of which the author's is at most one."""
    first = token
    while first.dep_ in ("conj", "appos") and first.head.pos_ == "PROPN":
        first = first.head
    names = [first, *(t for t in first.subtree if t.dep_ in ("conj", "appos") and t.pos_ == "PROPN")]
    # listed after a common noun they are examples of ("a demand charge (APS, SRP, TEP)", "utilities like
    # APS, SRP and TEP"); "SRP (Mesa, AZ) + PowerWall 3" is one name with its place
    return len(names) >= 3 and first.dep_ in ("appos", "pobj") and first.head.pos_ in ("NOUN", "ADP") \
        and (first.dep_ == "appos" or first.head.head.pos_ == "NOUN")


def presupposed(token: "Token") -> bool:
    """A name inside a noun phrase ("my NEM 2", "PG&E PTO", "a SRP plan", "PTO from PG&E") is taken for
    granted by the sentence whatever its clause does: "Would I lose my NEM 2?" still says the author has
    NEM 2. A core argument of the verb ("getting the Powerwall 3") is not."""
    if any(c.dep_ == "poss" and c.lower_ in ("my", "our") for c in token.children):
        return True
    if any(c.dep_ == "nummod" for c in token.children):  # "a 19 kW system with two PW3s": the thing itself
        return False
    counted = any(c.dep_ == "nummod" for c in token.head.children)  # "two Powerwall 3 units": the thing itself
    if token.dep_ in ("compound", "nmod", "poss") and token.head.pos_ in ("NOUN", "PROPN") and not counted:
        return True
    # a determiner ("the best inverter for a Powerwall 3", "thoughts on the PW3") introduces or points at a
    # thing the sentence is about; a bare name ("PTO from PG&E") is taken for granted. A part or feature of
    # the noun ("a system with PW3s", "microinverters with PW3s", "experience with tesla inverters") has
    # the status of that noun, whatever the clause does to it: it is not taken for granted on its own.
    determined = any(c.dep_ == "det" for c in token.children)
    return token.dep_ == "pobj" and token.head.head.pos_ in ("NOUN", "PROPN") and not determined \
        and token.head.lower_ not in PART_PREP


def _people_of(token: "Token") -> "Token | None":
    """The name qualifies a noun for people other than the author ("any APS customers who have installed",
    "Tesla owners"): it is theirs. Not when the author is one of them ("as a PG&E customer, I", "I am an
    SCE customer") or speaks of their own in the sentence."""
    head = token.head
    if token.dep_ not in ("compound", "nmod") or head.pos_ not in ("NOUN", "PROPN"):
        return None
    lemma = head.lemma_.lower()
    if lemma not in OTHER_PERSON and lemma not in PEOPLE_NOUN:
        return None
    if head.dep_ in ("attr", "appos") or head.head.lower_ == "as" or speaks_of_own(token):
        return None
    return head


def status(c: Candidate, ctx: JudgeContext) -> tuple[str, str] | None:
    """(kind, what decided it) when the quote does not assert the fact; None when it does."""
    token = anchor_token(c, ctx)
    if token is None or _owned_by_author(token):
        return None
    path = _path(token)
    if c.subject.ref == "document" and (noun := _asked_about(token)) is not None:
        return "question", f"{noun.text!r} {noun.nbor(1).text!r} it"
    if isinstance(c.object, Entity) and presupposed(token):
        people = _people_of(token) if c.subject.ref == "document" else None
        if people is not None:
            return "other_system", f"{people.text!r} are other people"
        asker = subject_of(path[0]) if path else None  # "Who here is on SCE's plan?": a question about others
        if asker is not None and asker.lower_ in ("who", *ASKED) and _question(token, path) and not any(
                t.lower_ == "else" for t in asker.children):  # "anyone else see ...?": the author does too
            return "question", f"{token.sent.text.strip()[:60]!r}"
        # Taken for granted as the author's only where the sentence speaks of the author's own things or has
        # no clause to weigh ("Commissioning Issue PW3"): "PG&E NEM 3.0 E-ELEC not updated for 2025" is about
        # a rate sheet, and its clause decides.
        if c.subject.ref != "document" or not path or speaks_of_own(token):
            return None
    if _question(token, path):
        return "question", f"{token.sent.text.strip()[:60]!r}"
    for i, verb in enumerate(path):
        kind = _clause_status(verb, governing=i > 0 or verb.i != token.i)
        if kind:
            return kind, f"{verb.text!r}"
    if any(t.lower_ == "according" and t.nbor(1).lower_ == "to" for t in token.sent if t.i + 1 < len(t.doc)):
        return "reported", "'according to'"
    frame = next((p for v in path for c in v.children if c.dep_ == "prep" and c.lower_ in ("from", "in", "to", "by")
                  for p in c.children if p.dep_ == "pobj" and p.lemma_.lower() in BELIEF_NOUN), None)
    if frame is not None:  # "From my understanding, the capacity of a Powerwall 3 is 13.5 kW"
        return "reported", f"{frame.head.text!r} {frame.text!r}"
    if c.subject.ref == "document" and isinstance(c.object, Entity) and _listed(token) and not author_in_clause(token):
        return "listed", f"{token.text!r}"
    prospect = next((v for v in path if _prospect_clause(token, v)), None) if c.subject.ref == "document" else None
    if prospect is not None:
        return "plan", f"{prospect.text!r} has a quote, an estimate or an offer as argument"
    if c.subject.ref == "document" and _other_person(token, path):
        return "other_system", f"subject of {path[0].text!r}" if path else ""
    subject = subject_of(path[0]) if path else None  # "our proposed system is 12 kW"
    irrealis = _irrealis(token) or (_irrealis(subject) if subject is not None else None)
    if c.subject.ref == "document" and irrealis is not None:
        return "plan", f"{irrealis.text!r}"
    if c.subject.ref == "document" and path and _generic(token, path[0]):
        return "generic", f"subject of {path[0].text!r}"
    return None


def score(c: Candidate, ctx: JudgeContext) -> AxiomScore:
    found = (status(c, ctx) or in_context(c, ctx)) if c.evidence.quote else None
    if found is None:
        return AxiomScore.of(NAME, 1.0, reason="asserted by the author in the clause that states it")
    kind, where = found
    return AxiomScore.of(NAME, 0.0, reason=f"{kind}: {REASONS[kind]} ({where})")
