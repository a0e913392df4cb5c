"""Cheap sentence splitting with exact offsets, used before (and instead of) the parser.

Parsing is the expensive part of offline extraction, so chunks are split with a regex first and only
sentences that can yield a triple are parsed (see `worth_parsing`).
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

# A sentence ends at . ! ? followed by whitespace and an upper-case/quote/digit start, or at a blank line.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'(\[])|\n\s*\n|\n(?=\s*(?:[-*•]|\d+\.)\s)")
_ABBREV = re.compile(r"\b(?:[A-Z]|Mr|Mrs|Ms|Dr|Prof|St|Inc|Ltd|Co|Corp|No|vs|etc|e\.g|i\.e|U\.S|Sec|Art)\.$")
_CONTENT = re.compile(r"[A-Za-z]{2,}")


class Sentence(NamedTuple):
    start: int  # offset in the text that was split
    end: int
    text: str


def split(text: str, max_len: int = 600) -> Iterator[Sentence]:
    """Sentences of `text` with exact offsets (leading/trailing whitespace trimmed)."""
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _ABBREV.search(text[max(start, match.start() - 6) : match.start()].rstrip()):
            continue  # "Mr. Smith", "U.S. law": not a boundary
        yield from _emit(text, start, match.start(), max_len)
        start = match.end()
    yield from _emit(text, start, len(text), max_len)


def _emit(text: str, start: int, end: int, max_len: int) -> Iterator[Sentence]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start < 3:
        return
    # Over-long "sentences" (tables, run-on legal clauses) are cut at ; or , so the parser sees sane input.
    while end - start > max_len:
        cut = max(text.rfind(sep, start, start + max_len) for sep in (";", ":", ",", " "))
        if cut <= start:
            cut = start + max_len
        yield Sentence(start, cut + 1, text[start : cut + 1])
        start = cut + 1
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield Sentence(start, end, text[start:end])


_ANCHOR = re.compile(r"\d|(?<=[a-z,;:()] )(?!I\b|I['’])[A-Z]")  # "I" is not a name
# A sentence that opens with a first/second-person subject or possessive ("I", "We've", "My panels"): its
# main clause's subject is one the specificity gate always rejects.
_PERSONAL = re.compile(r"[\"'(]*(?:I|[Ww]e|[Yy]ou|[Mm]y|[Oo]ur|[Yy]our)(?:['’](?:m|ve|d|ll|re|s))?\b")
_URL = re.compile(r"\S*(?:https?://|www\.)\S*")
# One clause ending in "?": no . ! ? ; : before it, so the parser sees a single question.
_QUESTION = re.compile(r"[^.!?;:]*\?[?!]*[\"'’”)\]]*")
# ... unless it has "Name in/of/at/... Name": a noun modifier between entities ("Has anyone used Tesla Solar
# in Orange County?") is a triple without modality (svo._noun_modifiers).
_NAME_PREP_NAME = re.compile(r"[A-Z][\w&.'’-]*,? (?:in|of|at|from|near|on|by|for) (?:the )?[A-Z]")


def worth_parsing(sentence: str, max_chars: int = 400, plain: bool = True) -> bool:
    """Parse only sentences that can yield a useful triple: three or more words of content outside URLs,
    at most `max_chars` long (longer run-ons parse slowly and badly; patterns still see them), not a
    single-clause question: every SVO triple of "Did Tesla install it in 2021?" has modality "question",
    which the judge refuses (patterns still see questions; a question with a "Name in Name" modifier is
    still parsed), and not a sentence opening with "I", "we", "you" or "my"/"our"/"your" unless it has an
    anchor (a digit or a capitalised word after the first): its main subject is one the judge rejects.
    Plain common-noun sentences ("The heart pumps blood through the body") are parsed: expository text
    states its facts about kinds, not names. With `plain=False` (posts and comments, see
    `OfflineExtractor`) a sentence needs an anchor: there, sentences without one seldom state a fact
    about a named thing or a kind, and they were a third of the parsing."""
    if len(sentence) > max_chars or (_QUESTION.fullmatch(sentence) is not None
                                     and _NAME_PREP_NAME.search(sentence) is None):
        return False
    if "http" in sentence or "www." in sentence:
        sentence = _URL.sub(" ", sentence)
    if len(_CONTENT.findall(sentence)) < 3:
        return False
    if plain and _PERSONAL.match(sentence) is None:
        return True
    return _ANCHOR.search(sentence) is not None


def containing(sentences: list[Sentence], start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence(s) covering [start, end) — the quote of a pattern match."""
    first = next((s for s in sentences if s.start <= start < s.end), None)
    last = next((s for s in sentences if s.start < end <= s.end), None)
    return (first.start if first else start, last.end if last else end)
