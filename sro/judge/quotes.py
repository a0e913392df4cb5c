"""The sentence the judge reads: a post's title is a sentence of its own.

Reddit posts (and many exports) store "title + ' ' + body" as one text, so a quote that starts with the title
runs the title into the body's first sentence: "NEM 3 I currently have NEM 2 on my 13kW solar system" parses
as one clause, in which the title's "NEM 3" becomes something the author has; "Question about Powerwall 3
string configuration The Powerwalls in Australia only have 3 MPPT inputs" puts the author's location in a
product note. The judge reads such a quote as the part that holds the fact: the title when subject and
object are both in it, else the body when they are both there. The stored evidence keeps the whole quote.
"""

from __future__ import annotations

from sro.data.models import TITLE_CHARS
from sro.judge.axioms.mentions import locate_term
from sro.judge.context import JudgeContext
from sro.nlp.models import Candidate

FOUND = 1.0  # a term is in a part when it is written there (no fuzzy match: "NEM 2" is not in "NEM 3.0")
MAX_POST = 4000  # characters of a post the post-level checks read


def _holds(c: Candidate, part: str) -> bool:
    subject = c.subject.ref == "document" or locate_term(c.subject, part)[0] >= FOUND
    return subject and locate_term(c.object, part)[0] >= FOUND


def _run_in_title(c: Candidate, ctx: JudgeContext) -> int:
    """Where the body starts in the quote when the quote runs the post's title into it (0 when it does not)."""
    doc = ctx.docs.get(c.evidence.doc_id)
    raw = (doc.title or "") if doc is not None else ""
    title, quote = raw.strip(), c.evidence.quote
    if len(title) < 3 or len(raw) >= TITLE_CHARS or len(quote) <= len(title) + 1 or not quote.startswith(title) \
            or not quote[len(title)].isspace() or title[-1] in ".!?:":  # a title that ends a sentence already
        return 0  # (a file's first line cut at TITLE_CHARS does not end where a title would)
    return len(title) + len(quote[len(title):]) - len(quote[len(title):].lstrip())


def title_misread(c: Candidate, ctx: JudgeContext) -> str | None:
    """Why a quote that runs the post's title into its body makes a triple no sentence states, or None."""
    body_at = _run_in_title(c, ctx)
    return _misread(c, ctx, body_at) if body_at else None


def _misread(c: Candidate, ctx: JudgeContext, body_at: int) -> str | None:
    if _title_as_subject(c, ctx, body_at):
        return "the subject is the post's title run into the body's sentence, not a subject of its verb"
    if _straddles(c, body_at):
        return "a name runs from the post's title into its body"
    return None


def _title_as_subject(c: Candidate, ctx: JudgeContext, body_at: int) -> bool:
    """The subject is written only in the title and the object only in the body: "PG&E 2024 VPP Payment
    Reached out to Tesla VPP email" makes the title the subject of the body's first verb."""
    if c.subject.ref == "document" and (c.predicate_iri or "") in ctx.predicate_by_iri:
        return False  # an ontology fact about the post's installation is named by the title; a verb's is not
    title, body = c.evidence.quote[:body_at], c.evidence.quote[body_at:]
    if not body[:1].isupper():
        return False  # "Black holes are regions of ...": a text that starts with its topic, not a title run in
    found, start, end = locate_term(c.subject, title)
    if found < FOUND or locate_term(c.subject, body)[0] >= FOUND:
        return False
    rest = title[:start] + " " + title[end:]  # the title but the subject ("PowerWall WiFi Disconnected": nothing)
    if locate_term(c.object, body)[0] < FOUND or locate_term(c.object, rest)[0] >= FOUND:
        return False
    # A body whose first clause has a subject of its own ("It pumps blood", resolved to the title's "The
    # heart") was not read with the title as its subject.
    first = next(iter(ctx.cache.parse_syntax(body).sents), None)
    return first is not None and not any(t.dep_ in ("nsubj", "nsubjpass", "expl") and t.head == first.root
                                         for t in first)


def _straddles(c: Candidate, body_at: int) -> bool:
    """A mention runs from the title into the body ("... Installed by Unlicensed Electrician Hi everyone": the
    installer "Unlicensed Electrician Hi")."""
    terms = (c.object,) if c.subject.ref == "document" else (c.subject, c.object)
    for term in terms:
        found, start, end = locate_term(term, c.evidence.quote)
        if found >= FOUND and start < body_at < end:
            return True
    return False


def own_sentence(c: Candidate, ctx: JudgeContext) -> Candidate:
    """The candidate with its quote narrowed to the title or the body when the quote runs one into the other;
    the candidate itself otherwise."""
    ev = c.evidence
    body_at = _run_in_title(c, ctx)
    if not body_at or _misread(c, ctx, body_at):
        return c  # (a title taken for the subject, or run into a name, is for the direction axiom to see)
    quote = ev.quote
    title, body = quote[:body_at].rstrip(), quote[body_at:]
    if _holds(c, title):  # the title first: a fact named in the title is most often the title's
        start, end = ev.start, ev.start + len(title)
    elif _holds(c, body):
        start, end = ev.start + body_at, ev.end
    else:
        return c  # the fact spans both: read as written
    narrowed = ev.model_copy(update={"start": start, "end": end, "quote": quote[start - ev.start:end - ev.start]})
    return c.model_copy(update={"evidence": narrowed})


def post_parts(title: str | None, text: str) -> list[str]:
    """A post's text as its title and its body when the text starts with the title; else the text."""
    title = (title or "").strip()
    text = text[:MAX_POST]
    if len(title) >= 3 and len(text) > len(title) + 1 and text.startswith(title) and text[len(title)].isspace():
        return [title, text[len(title):].strip()]
    return [text]
