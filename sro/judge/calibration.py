"""Calibrated accept scores: the probability that a candidate that passed every hard gate is correct.

The weighted mean of the axioms ranks candidates but is no probability (on the real posts, candidates scored
0.90-0.95 were right 59% of the time). A pipeline may ship `calibration.json` beside its pipeline.yaml: a
logistic model over a few general features of the judged candidate (below), fitted on a labelled *tune*
split by experiments/fit_calibration.py and measured on the held-out *test* split by
experiments/eval_judge.py (reliability table, expected calibration error). With it, a judgment's `total` is
that probability and the pipeline's `threshold` reads "accept when at least this likely to be correct".
Without it, the total stays the weighted mean.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sro.nlp.models import Candidate, Value
from sro.judge.axioms.mentions import locate_term
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore

if TYPE_CHECKING:
    from spacy.tokens import Token

    from pipelines import Pipeline

FILE = "calibration.json"
FIRST_PERSON = {"i", "we", "my", "our", "me", "us", "i'm", "we've", "i've", "we're"}
QUESTION_OPENERS = {"is", "are", "do", "does", "did", "can", "could", "should", "would", "will", "how", "what",
                    "why", "when", "where", "which", "who", "anyone", "has", "have"}


def _object_token(c: Candidate, ctx: JudgeContext) -> "Token | None":
    _, start, end = locate_term(c.object, c.evidence.quote)
    span = ctx.cache.parse(c.evidence.quote).char_span(start, end, alignment_mode="expand") if end > start else None
    return span.root if span is not None and len(span) else None


def _clause_features(c: Candidate, ctx: JudgeContext) -> dict[str, float]:
    """The object's sentence (first person, length) and whether the verb governing the object has the
    author as its subject ("we paid", "I have")."""
    token = _object_token(c, ctx)
    sent = token.sent if token is not None else ctx.cache.parse(c.evidence.quote)[:]
    words = [t.lower_ for t in sent]
    verb = next((t for t in ([token, *token.ancestors] if token is not None else []) if t.pos_ in ("VERB", "AUX")),
                None)
    subj = next((t for t in verb.children if t.dep_ in ("nsubj", "nsubjpass")), None) if verb is not None else None
    return {
        "first_person": float(any(w in FIRST_PERSON for w in words)),
        "sentence_length": min(len(words), 80) / 40,
        "own_subject": float(subj is not None and subj.lower_ in FIRST_PERSON),
    }


def _post_mentions(c: Candidate, ctx: JudgeContext) -> float:
    """How often the post names the object (an installation's parts come up again in the body; a product
    asked about in passing does not), capped at four."""
    doc = ctx.docs.get(c.evidence.doc_id)
    name = c.object.text.strip().lower()
    count = (doc.text or "").lower().count(name) if doc is not None and name else 0
    return min(count, 4) / 4


def _title_is_question(c: Candidate, ctx: JudgeContext) -> bool:
    doc = ctx.docs.get(c.evidence.doc_id)
    title = (doc.title or "").strip().lower() if doc is not None else ""
    return bool(title) and (title.endswith("?") or title.split()[0] in QUESTION_OPENERS)


def features(c: Candidate, ctx: JudgeContext, scores: list[AxiomScore], raw_total: float) -> dict[str, float]:
    """General features of a judged candidate past every gate, none tied to a domain's vocabulary (the
    per-axiom scores are near-constant once the gates passed: the weighted mean stands for them)."""
    return {"raw_total": raw_total, **candidate_features(c, ctx)}


def candidate_features(c: Candidate, ctx: JudgeContext) -> dict[str, float]:
    """The features but the raw total: what the candidate, its quote's parse and its document say (a worker
    computes them with the per-candidate axioms)."""
    return {
        "literal_object": float(isinstance(c.object, Value)),
        "document_subject": float(c.subject.ref == "document"),
        "title_question": float(_title_is_question(c, ctx)),
        **(_clause_features(c, ctx) if c.evidence.quote else {}),
        "post_mentions": _post_mentions(c, ctx),
    }


@dataclass
class Calibration:
    weights: dict[str, float]
    bias: float
    fitted_on: str = ""
    meta: dict = field(default_factory=dict)

    def probability(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(w * feats.get(name, 0.0) for name, w in self.weights.items())
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"weights": self.weights, "bias": self.bias, "fitted_on": self.fitted_on,
                                    "meta": self.meta}, indent=2) + "\n", encoding="utf-8")


def load(pipeline: "Pipeline") -> Calibration | None:
    folder = getattr(pipeline, "folder", None)
    path = Path(folder) / FILE if folder else None
    if path is None or not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Calibration(weights=data["weights"], bias=data["bias"], fitted_on=data.get("fitted_on", ""),
                       meta=data.get("meta", {}))


def fit(rows: list[dict[str, float]], labels: list[bool], *, l2: float = 1.0, steps: int = 50) -> Calibration:
    """L2-regularised logistic regression by Newton's method (numpy only)."""
    import numpy as np

    names = sorted({n for r in rows for n in r})
    x = np.array([[r.get(n, 0.0) for n in names] + [1.0] for r in rows])
    y = np.array(labels, dtype=float)
    w = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * l2
    penalty[-1, -1] = 0.0  # no penalty on the bias
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        grad = x.T @ (p - y) + penalty @ w
        hess = (x.T * (p * (1 - p))) @ x + penalty
        w -= np.linalg.solve(hess, grad)
    return Calibration(weights={n: round(float(v), 4) for n, v in zip(names, w[:-1])}, bias=round(float(w[-1]), 4))
