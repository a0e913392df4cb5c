"""Grounding: the quote is verbatim in the source at its offsets, and subject and object are in the quote.

Hard gate by default: an unlocatable quote or a subject/object the quote does not mention is what a
hallucinated triple looks like. A subject that stands for the document itself (pattern "@document") is
supported by construction.
"""

from __future__ import annotations

from sro.nlp.models import Candidate
from sro.judge.axioms.mentions import locate_term
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

NAME = "grounding"


def score(c: Candidate, ctx: JudgeContext) -> AxiomScore:
    ev = c.evidence
    text = ctx.doc_text(ev.doc_id)
    if text is not None and text[ev.start : ev.end] != ev.quote:
        return AxiomScore.of(NAME, 0.0, reason=f"quote not found at {ev.start}:{ev.end} of {ev.doc_id}")
    if not ev.quote.strip():
        return AxiomScore.of(NAME, 0.0, reason="empty quote")
    subj = 1.0 if c.subject.ref == "document" else locate_term(c.subject, ev.quote)[0]
    obj = locate_term(c.object, ev.quote)[0]
    value = min(subj, obj)
    if value >= 0.95:
        reason = "quote verbatim in source; subject and object in quote"
    else:
        weak = [n for n, v in (("subject", subj), ("object", obj)) if v < 0.95]
        reason = f"{' and '.join(weak)} only partly supported by the quote (subject {subj:.2f}, object {obj:.2f})"
    if text is None:
        reason += "; source text unavailable, offsets unchecked"
    return AxiomScore.of(NAME, round(value, 4), reason=reason)
