"""Modality: only what a source asserts as having happened or being the case is a fact.

The offline extractor records the verb's modality as the qualifier `modality` (sro.extract.svo.modality):
"Tesla will install the system" (future), "would/could/should install" or an if-clause (hypothetical),
"did not install" (negated), "Did Tesla install ...?" (question). A model-made candidate may carry the
same qualifier. Such a statement is kept with its reason but never accepted as a fact: the `modality`
axiom is a hard gate with no weight in the total (an assertion gains nothing for being one).
"""

from __future__ import annotations

from sro.nlp.models import Candidate
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

NAME = "modality"

NON_FACTUAL = {
    "future": "a future statement (will/shall): an intention or plan, not something that happened",
    "hypothetical": "a hypothetical statement (would/could/should/might, or an if-clause): not asserted",
    "negated": "a negated statement: the source says this is NOT the case",
    "question": "a question: the source asks, it does not assert",
}


def non_factual(c: Candidate) -> str | None:
    """The reason a candidate is not an assertion, or None."""
    mood = (c.qualifiers.get("modality") or "").strip().lower()
    if mood in NON_FACTUAL:
        return f"{mood}: {NON_FACTUAL[mood]}"
    return None


def score(c: Candidate, ctx: JudgeContext) -> AxiomScore:
    why = non_factual(c) if c.qualifiers else None
    return AxiomScore.of(NAME, 0.0, reason=why) if why else AxiomScore.of(NAME, 1.0, reason="asserted")
