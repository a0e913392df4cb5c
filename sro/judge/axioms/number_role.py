"""Number role: a number is the object of a quantity predicate only when its role in the sentence is that one.

Read from the quote's parse around the number (its unit, the words right after it, the nouns it modifies or
is the price of, and its clause):
- a difference is not a total: "$5k more", "$1200 extra", "saving $2k vs 2 Powerwalls";
- the noun the amount belongs to must be the predicate's: a lease payoff, a monthly payment or a tax refund
  is not a system cost, a refund is not the credit, a "6.6kwh panels system" is a size, not a production;
- a rate or period that the predicate does not take: "$399 a month" is a payment, not a system cost;
  "8.4 kW at peak" is power, not energy produced;
- a price for several units or a bundle ("two Powerwall 3's for $17k", "1 Powerwall 3 and 1 Expansion
  Pack for $15,200") is not one product's price;
- an estimate or a proposal ("Est.", a post titled as a quote, an options comparison) is not what the
  author's own installation cost or produces;
- a copular clause's amount is its subject's ("our loan balance is $35k"); a paid amount is for what the
  verb's "for" names ("paid $2,000 for the electrician to move the meter"); money "back" is a refund;
- a payback period is named as one in its clause (payback, pay for itself, break even): "over 25 years the
  array saves $70k" is a horizon; a time to PTO has permission to operate in its sentence ("4 weeks since
  our install" is not one); energy the house uses, stores or draws is not production;
- a failed component is the one the failure verb is about (not "the company that serviced my powerwall
  went out of business"), and a replacement for an upgrade or a recall is no failure.
The role words are per predicate family (`ROLES`); none is matched anywhere in the text, only in the
number's own phrase or clause. A hard gate with no weight (like modality).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sro.nlp.models import Candidate, Value
from sro.judge.axioms.post_context import prospective_post
from sro.judge.axioms.assertion_words import lemma_of
from sro.judge.axioms.mentions import locate_term
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

if TYPE_CHECKING:
    from spacy.tokens import Token

NAME = "number_role"
DIFFERENCE = {"more", "less", "extra", "additional", "cheaper", "higher", "lower", "off", "vs", "versus", "than",
              "difference", "increase", "discount"}
ESTIMATE = {"est", "estimate", "estimated", "projected", "expected", "approx", "estimation", "proposal"}
# predicate -> nouns whose amount it is NOT (in the number's phrase or clause)
NOT_ROLE = {
    "cost": {"payment", "payoff", "lease", "refund", "back", "balance", "permit", "deductible", "fee", "bill",
             "credit", "rebate", "interest", "tax", "loan", "incentive", "charger", "upgrade", "repair", "repairs",
             "electrician"},
    "incentive": {"refund", "carryforward", "payment", "bill", "cost", "price"},
    "production": {"system", "array", "panels", "panel", "inverter", "size", "capacity", "peak", "export",
                   "usage", "use", "using", "consumption", "competitor"},
    "rate": {"export", "exports", "exported", "excess", "buyback", "sell", "credit", "credited", "solar", "worth"},
    "savings": {"bill", "payment", "cost", "price", "charge", "rate", "loan"},
    "bill": {"fee", "charge", "minimum", "delivery", "credit", "tax", "payment", "loan", "savings", "save"},
    "payback": {"roi", "life", "lifetime", "horizon"},
}
# A payback period is named as one in the number's clause ("payback", "pay for itself", "break even", "ROI").
PAYBACK_CUE = {"payback", "pay", "pays", "paid", "paying", "roi", "break", "breakeven", "even", "return", "recoup",
               "itself", "amortize", "amortized", "pay-back", "pay-off", "payoff"}
# So is a time to permission to operate: "it took 6 weeks to get PTO", not "4 weeks since our install".
PTO_CUE = {"pto", "permission", "operate", "interconnection", "approval", "approved", "activated", "live"}
FAMILY = {"systemCost": "cost", "quotedPrice": "cost", "incentiveAmount": "incentive", "production": "production",
          "electricityRate": "rate", "paybackPeriod": "payback", "savings": "savings", "monthlyBill": "bill",
          "billBefore": "bill", "billAfter": "bill", "panelCount": "count", "timeToPTO": "pto"}
# A count is the installation's ("46 panels", "a 12 kW system with 30 panels", "we had 24 panels put in")
# when a verb of having or installing takes the counted noun, or a noun for the whole installation does; a
# count governed by another verb or noun, or by a preposition of place or part, is a part of it ("Tesla
# wants $5000 to reinstall 3 panels", "a bit of shade on 3 panels", "2 of the panels").
COUNT_VERBS = {"have", "be", "install", "get", "include", "put", "buy", "purchase", "total", "come", "consist",
               "feature", "contain", "use", "run", "own"}
WHOLE = {"system", "array", "roof", "install", "installation", "setup", "set", "house", "home", "solar", "kw"}
# Energy a verb of using, storing or drawing takes is not produced ("the house uses about 28 kWh a day").
CONSUME = {"use", "consume", "store", "hold", "need", "import", "draw", "pull", "buy", "burn", "charge"}
# The verbs of a component failing, and of repairing or replacing one (a replacement is a failure unless an
# upgrade or a recall explains it).
FAIL_VERBS = {"fail", "die", "break", "stop", "quit", "go", "crap", "brick", "fry", "burn", "short", "trip",
              "malfunction", "throw", "show", "have", "be", "need", "get", "error", "fault", "start", "keep"}
REPAIR_VERBS = {"replace", "swap", "fix", "repair", "rma", "exchange"}
UPGRADE = {"upgrade", "upgraded", "upgrading", "recall", "recalled", "retrofit", "precaution", "preventive",
           "proactively", "newer"}
_POWER = re.compile(r"^\s*(?:kw|kilowatts?|mw|w)\b(?!h)", re.IGNORECASE)


def _number_token(c: Candidate, ctx: JudgeContext) -> "Token | None":
    support, start, end = locate_term(c.object, c.evidence.quote)
    if support < 0.95 or end <= start:
        return None
    span = ctx.cache.parse(c.evidence.quote).char_span(start, end, alignment_mode="expand")
    return span.root if span is not None and len(span) else None


def _after(token: "Token", n: int = 3) -> list[str]:
    doc = token.doc
    return [t.lower_.strip(".") for t in doc[token.i + 1: token.i + 1 + n]]


def _phrase(token: "Token") -> set[str]:
    """Lower-cased words of the number's noun chain (the nouns it modifies or is the amount of, up to the
    first verb) and of their modifiers."""
    words = set()
    below = token
    for t in [token, *token.ancestors]:
        if t.pos_ in ("VERB", "AUX") and t.i != token.i:
            if token.dep_ == "pobj" and token.head.lower_ in ("for", "at") and token.head.head.i == t.i:
                # "got a lease payoff quote for $14k": the verb's object is what the amount is for
                words.update(w.lower_ for d in t.children if d.dep_ == "dobj" for w in d.subtree)
            elif below.dep_ in ("attr", "acomp") and t.lemma_.lower() == "be":
                # "our loan balance is $35k": the subject is what the amount is
                words.update(w.lower_ for d in t.children if d.dep_ in ("nsubj", "nsubjpass") for w in d.subtree)
            elif below.dep_ == "dobj":
                # "paid $2,000 for the electrician", "got $12k back": what the amount was paid for or came from
                words.update(w.lower_ for d in t.children if (d.dep_ in ("dative", "prep") and d.lower_ == "for") or (
                    d.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ == "for" for m in d.children))
                             for w in d.subtree)
                words.update(d.lower_ for d in t.children if d.dep_ in ("advmod", "prt") and d.lower_ == "back")
            break
        below = t
        words.add(t.lower_)
        for child in t.lefts:  # "a lease payoff quote for $14k": the modifiers before each noun of the chain
            words.update(w.lower_ for w in child.subtree)
        words.update(c.lower_ for c in t.rights if c.dep_ in ("advmod", "npadvmod", "prep", "quantmod"))
    return words


def _clause(token: "Token") -> set[str]:
    head = next((t for t in token.ancestors if t.pos_ in ("VERB", "AUX")), token.sent.root)
    return {t.lower_.strip(".") for t in head.subtree}


def _bundle(c: Candidate, token: "Token") -> str | None:
    """The price of several units or of a bundle: the priced noun phrase has a count above one or a
    conjunct ("two Powerwall 3's for $17k", "1 Powerwall 3 and 1 Expansion Pack for $15,200")."""
    prep = token.head if token.dep_ == "pobj" and token.head.lower_ == "for" else None
    owner = prep.head if prep is not None else None
    if owner is not None and owner.pos_ in ("VERB", "AUX"):  # "I had two Powerwall 3 units for $17k"
        owner = next((d for d in owner.children if d.dep_ == "dobj"), None)
    name = c.subject.text.lower().split()[0] if c.subject.text.strip() else ""
    nouns = [owner] if owner is not None else [t for t in token.sent if t.pos_ in ("NOUN", "PROPN") and t.i < token.i]
    for noun in nouns:
        counts = [ch for ch in noun.subtree if ch.dep_ == "nummod" and ch.lower_ not in ("1", "one", "a")
                  and ch.i < noun.i]
        phrase = " ".join(t.text for t in noun.subtree)
        if (counts or any(ch.dep_ == "conj" for ch in noun.children)) and (owner is not None or name in phrase.lower()):
            return f"the price of {phrase[:40]!r}, several units or a bundle"
    return None


def _count_of_part(token: "Token") -> str | None:
    noun = token.head if token.dep_ == "nummod" else token
    owner = noun.head.head if noun.dep_ == "pobj" else noun.head
    if noun.dep_ == "pobj" and noun.head.lower_ in ("on", "of", "to", "from", "off", "across", "under", "over") \
            and owner.lemma_.lower() not in WHOLE | {"total", "number"}:  # "a total of 28 panels" is the whole
        return f"a count of the panels something is {noun.head.text!r}, not of the installation's"
    if noun.dep_ in ("ROOT", "appos", "conj") or lemma_of(owner) in WHOLE | COUNT_VERBS:
        return None
    verb = next((t for t in noun.ancestors if t.pos_ in ("VERB", "AUX")), None)
    if owner.pos_ in ("NOUN", "PROPN") or (verb is not None and lemma_of(verb) not in COUNT_VERBS):
        return f"a count of the panels {owner.text!r} concerns, not of the installation's"
    return None


def _period(token: "Token") -> str | None:
    after = _after(token, 4)
    joined = " ".join(after)
    if re.search(r"(?:^|\s)(?:/|a|per|each)\s*(?:month|mo|year|yr|day|week)\b|^/(?:month|mo|yr|year)", joined) or \
            any(w in ("monthly", "yearly", "annually") for w in after[:2]):
        return "per period"
    return None


def role_problem(c: Candidate, ctx: JudgeContext, family: str | None) -> str | None:
    token = _number_token(c, ctx)
    if token is None:
        return None
    if c.evidence.quote.count("|") >= 3:
        return "a table cell: its role comes from row and column headers the parse cannot read"
    after = _after(token)
    phrase, clause = _phrase(token), _clause(token)
    if any(w in DIFFERENCE for w in after[:2]) or ({"vs", "versus"} & clause):
        return "a difference between options, not a total"
    if wrong := (NOT_ROLE.get(family or "", set()) & phrase):
        return f"the amount of {' / '.join(sorted(wrong))!r}, not of the predicate"
    if family in ("rate", "incentive") and (wrong := NOT_ROLE[family] & clause):
        return f"the clause is about {sorted(wrong)[0]!r}"
    if family == "production" and (verb := next((t for t in token.ancestors if t.pos_ in ("VERB", "AUX")), None)) \
            is not None and lemma_of(verb) in CONSUME:
        return f"energy the house or battery {verb.text!r}, not energy produced"
    if family == "production" and _POWER.match(c.evidence.quote[token.idx + len(token.text):]):
        return "power (kW), not energy produced"
    if family == "cost" and _period(token):
        return "an amount per period (a payment), not a total cost"
    if family == "payback" and not (PAYBACK_CUE & (clause | phrase)):
        return "a period with no payback in its clause (a horizon, a warranty, a loan term), not the payback"
    if family == "pto" and not (PTO_CUE & {t.lower_.strip(".") for t in token.sent}):
        return "a period with no permission to operate in its sentence (time since an install, a wait), " \
            "not the time to PTO"
    if family == "count" and (why := _count_of_part(token)):
        return why
    if c.predicate_iri and c.predicate_iri.endswith("quotedPrice") and (why := _bundle(c, token)):
        return why
    if c.subject.ref == "document" and (ESTIMATE & (clause | set(after))):
        return "an estimate or proposal, not the author's installation"
    return None


def failure_problem(c: Candidate, ctx: JudgeContext) -> str | None:
    """A failed component is the one the failure verb is about: the verb that governs the component's
    mention must be one of failing or of repairing ("the company that serviced my powerwall went out of
    business" is the company's), and a replacement made for an upgrade or a recall is no failure."""
    token = _number_token(c, ctx)
    if token is None:
        return None
    verb = next((t for t in token.ancestors if t.pos_ in ("VERB", "AUX")), None)
    if verb is None:
        return None
    lemma = lemma_of(verb)
    if lemma not in FAIL_VERBS | REPAIR_VERBS:
        return f"the component's clause is about {verb.text!r}, not a failure"
    if lemma in REPAIR_VERBS and any(t.lower_ in UPGRADE for t in token.sent):
        return "a replacement for an upgrade or a recall, not a failure"
    return None


def score(c: Candidate, ctx: JudgeContext) -> AxiomScore:
    local = re.split(r"[#/]", c.predicate_iri or "")[-1]
    family = FAMILY.get(local)
    if local == "componentFailure" and c.evidence.quote and (why := failure_problem(c, ctx)):
        return AxiomScore.of(NAME, 0.0, reason=f"{c.object.text!r} as {local}: {why}")
    if not isinstance(c.object, Value) or c.object.datatype not in ("money", "decimal", "integer", "duration"):
        return AxiomScore.of(NAME, 1.0, reason="not a quantity")
    why = role_problem(c, ctx, family)
    if why is None and prospective_post(c, ctx):
        why = "the post is about a quote, an estimate or options, not an installed system"
    if why:
        return AxiomScore.of(NAME, 0.0, reason=f"{c.object.text!r} as {local}: {why}")
    return AxiomScore.of(NAME, 1.0, reason="the number's role fits the predicate")
