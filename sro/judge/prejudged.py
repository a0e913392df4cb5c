"""Per-candidate judging done elsewhere: a worker scores its candidates' per-candidate axioms (those that read
only the candidate, its quote's parse and its document: `AxiomJudge.per_candidate`) and sends the scores with
the candidates; the driver runs only the batch and graph axioms (contradiction, corroboration, SHACL,
entailment) and combines.

A worker cannot resolve entities (the alias table is the driver's): it scores each candidate as far as it can
resolve it (predicates mapped, subject and object swapped for an active verb of a passive-named predicate;
entity types as extracted) and records that state in a `signature`: everything resolution may change except
the entities' IRIs, which no per-candidate axiom reads. The driver takes a worker's scores only for a
candidate whose resolved signature is the same (so the axioms saw exactly the candidate they would see
here) and scores the others itself: the judgments are those of a local run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sro.nlp.models import Candidate, Entity
from sro.judge.models import AxiomScore

Signature = tuple


def _entity(e: object) -> tuple | None:
    return (e.text, e.type, e.label, e.ref) if isinstance(e, Entity) else None


def signature(c: Candidate) -> Signature:
    """What resolution may change that the per-candidate axioms read: the predicate's IRI, the subject and
    the object (swapped or not, and their types), all but the entities' IRIs."""
    return (c.predicate_iri, _entity(c.subject), _entity(c.object))


@dataclass
class Prejudged:
    """A worker's per-candidate scores, aligned with the candidates it sent (`AxiomJudge.prejudge`)."""

    scores: list[list[tuple[str, float, str, bool]]]
    signatures: list[Signature]
    features: list[dict[str, float] | None]
    local: Callable[[], None] | None = None  # run once before anything is scored here (adopt the parses)

    @classmethod
    def from_records(cls, judged: dict, local: Callable[[], None] | None = None) -> "Prejudged":
        return cls([list(s) for s in judged["scores"]], [_tuple(s) for s in judged["signatures"]],
                   list(judged["features"]), local)

    def take(self, candidates: list[Candidate], need_features: bool
             ) -> tuple[list[list[AxiomScore] | None], list[dict[str, float] | None]]:
        """The scores (fresh objects) and features of the candidates whose signature matches; None elsewhere."""
        if len(candidates) != len(self.scores):
            return [None] * len(candidates), [None] * len(candidates)
        per: list[list[AxiomScore] | None] = []
        features: list[dict[str, float] | None] = []
        for c, scores, sig, feats in zip(candidates, self.scores, self.signatures, self.features):
            same = signature(c) == sig
            per.append([AxiomScore.of(a, v, r, skipped=k) for a, v, r, k in scores] if same else None)
            features.append(feats if same and need_features else None)
        return per, features

    def before_local(self) -> None:
        if self.local is not None:
            self.local()
            self.local = None


def _tuple(value: object) -> object:
    """Lists (a signature after JSON or Arrow) back to tuples."""
    return tuple(_tuple(v) for v in value) if isinstance(value, (list, tuple)) else value
