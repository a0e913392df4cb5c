"""AxiomJudge: scores candidates with named axioms and decides accepted / rejected / conflict.

total = weighted mean of the axioms that ran (skipped ones, such as entailment offline, take no part); when
the pipeline ships a calibration (sro.judge.calibration), the probability of being correct it gives instead.
Verdict: any hard gate failed -> rejected (reasons name the axioms); a functional-predicate contradiction
-> conflict; total below the pipeline threshold (default 0.8) -> rejected; else accepted.
Weights and gates: DEFAULTS below, overridden field by field by the pipeline's `axioms:` section.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable

from pipelines import AxiomConfig
from sro.nlp.models import Candidate
from sro.nlp.nlp import paused_gc, syntax_only
from sro.nlp.predicates import PredicateMapper
from sro.judge.axioms import anchor, assertion, contradiction, corroboration, direction, entailment, grounding, \
    modality, number_role, schema, source_reliability, specificity
from sro.judge import calibration
from sro.judge.context import JudgeContext
from sro.judge.models import AxiomScore, Judgment
from sro.judge.prejudged import Prejudged, signature
from sro.judge.quotes import own_sentence

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from graph_store.base import FactGraph
    from pipelines import Pipeline
    from sro.data.models import Document
    from sro.llm.client import LLMClient

DEFAULTS: dict[str, AxiomConfig] = {
    "grounding": AxiomConfig(weight=3.0, gate=0.75),
    "direction": AxiomConfig(weight=2.0, gate=0.3),
    "schema": AxiomConfig(weight=1.5, gate=0.3),
    "anchor": AxiomConfig(weight=1.5, gate=0.3),
    "specificity": AxiomConfig(weight=1.0, gate=0.5),
    "modality": AxiomConfig(weight=0.0, gate=0.5),  # future / hypothetical / negated / question: never a fact
    "assertion": AxiomConfig(weight=0.0, gate=0.5),  # the same, and plans, hearsay, others' systems, from the parse
    "number_role": AxiomConfig(weight=0.0, gate=0.5),  # a difference, a payment, a refund is not a cost/credit
    "contradiction": AxiomConfig(weight=0.0),  # decides the `conflict` verdict, not the total
    "corroboration": AxiomConfig(weight=0.5),
    "source_reliability": AxiomConfig(weight=0.5),
    "entailment": AxiomConfig(weight=3.0, gate=0.5),
}
UNCONFIGURED = AxiomConfig()  # an axiom the pipeline does not configure (read only; built once, not per score)
OFFLINE_STAND_INS = {"direction", "anchor"}
CHEAP = ("grounding", "modality", "specificity", "source_reliability")
PARSED = ("schema", "direction", "anchor", "assertion", "number_role")  # may read the quote's parse
PER_CANDIDATE: dict[str, Callable[[Candidate, JudgeContext], AxiomScore]] = {
    "grounding": grounding.score, "direction": direction.score, "schema": schema.score, "anchor": anchor.score,
    "specificity": specificity.score, "source_reliability": source_reliability.score,
    "modality": modality.score, "assertion": assertion.score, "number_role": number_role.score,
}


def effective_axioms(pipeline: "Pipeline") -> dict[str, AxiomConfig]:
    out = {}
    for name, default in DEFAULTS.items():
        mine = pipeline.axioms.get(name)
        out[name] = default.model_copy(update=mine.model_dump(include=mine.model_fields_set)) if mine else default
    return out


class AxiomJudge:
    def __init__(self, pipeline: "Pipeline", *, client: LLMClient | None = None, graph: FactGraph | None = None,
                 threshold: float | None = None):
        self.pipeline = pipeline
        self.axioms = effective_axioms(pipeline)
        self.threshold = pipeline.threshold if threshold is None else threshold
        self.calibration = calibration.load(pipeline)
        self.client = client
        self.graph = graph
        mapper = PredicateMapper(pipeline)
        self.predicate_by_iri = {mapper.map(p.name).iri: p for p in pipeline.predicates}

    def context(self, docs: dict[str, "Document"] | None = None,
                stored_support: dict | None = None) -> JudgeContext:
        graph = self.graph
        return JudgeContext(pipeline=self.pipeline, docs=docs or {}, predicate_by_iri=self.predicate_by_iri,
                            graph_values=graph.values if graph is not None else None,
                            stored_support=stored_support or {}, client=self.client)

    def run(self, candidates: list[Candidate], docs: dict[str, "Document"] | None = None) -> list[Judgment]:
        """Synchronous judging (outside an event loop); use `arun` from async code."""
        return asyncio.run(self.arun(candidates, docs))

    async def arun(self, candidates: list[Candidate], docs: dict[str, "Document"] | None = None, *,
                   ctx: JudgeContext | None = None, pre: Prejudged | None = None) -> list[Judgment]:
        """`pre`: the per-candidate axioms' scores computed elsewhere (a worker, `prejudge`), used for the
        candidates whose resolution left them as the worker saw them; the others are scored here."""
        ctx = ctx or self.context(docs)
        candidates = [own_sentence(c, ctx) for c in candidates]
        per, features = self._per_candidate_or_pre(candidates, ctx, pre)
        with paused_gc():
            extras = [contradiction.batch(candidates, ctx), corroboration.batch(candidates, ctx)]
        for i, message in schema.shacl_batch(candidates, ctx).items():
            per[i] = [AxiomScore(axiom="schema", score=0.2, reason=f"SHACL: {message}") if s.axiom == "schema"
                      else s for s in per[i]]
        extras.append(await entailment.batch(candidates, self.client))
        for extra in extras:
            for scores, score in zip(per, extra):
                scores.append(score)
        with paused_gc():
            return [self.combine(scores, self._calibrated(c, ctx, f))
                    for c, scores, f in zip(candidates, per, features)]

    def per_candidate(self, candidates: list[Candidate], ctx: JudgeContext) -> list[list[AxiomScore]]:
        """The axioms that read only the candidate, its quote's parse and its document (PER_CANDIDATE, in that
        order): the same scores wherever they run, one candidate independent of the others."""
        with paused_gc():
            grounded = [PER_CANDIDATE["grounding"](c, ctx) for c in candidates]
            # LLM candidates arrive with quotes nobody has parsed: parse them in batches (one nlp() call per quote,
            # and one NER call per document at ~4 ms, had been most of the time). Syntax for the grounded ones,
            # which specificity and the parse-based axioms may read; entities only for those no cheap gate
            # rejected (schema and anchor read them; specificity asks lazily for the few others).
            self._parse_quotes([c for c, g in zip(candidates, grounded) if not self._fails("grounding", g)], ctx,
                               syntax_only)
            cheap = [self._cheap(c, ctx, g) for c, g in zip(candidates, grounded)]
            self._parse_quotes([c for c, (_, failed) in zip(candidates, cheap)
                                if failed is None and c.subject.ref != "document"], ctx, None)
            return [self._parsed(c, ctx, scores, failed) for c, (scores, failed) in zip(candidates, cheap)]

    def _per_candidate_or_pre(self, candidates: list[Candidate], ctx: JudgeContext, pre: Prejudged | None
                              ) -> tuple[list[list[AxiomScore]], list[dict[str, float] | None]]:
        """Per-candidate scores (and calibration features): taken from `pre` where it applies, else scored here."""
        if pre is None:
            return self.per_candidate(candidates, ctx), [None] * len(candidates)
        per, features = pre.take(candidates, need_features=self.calibration is not None)
        missing = [i for i, scores in enumerate(per) if scores is None]
        if missing:
            pre.before_local()  # e.g. the worker's parses of the quotes into this process's cache
            for i, scores in zip(missing, self.per_candidate([candidates[i] for i in missing], ctx)):
                per[i] = scores
        # A taken candidate without features failed a per-candidate gate on the worker, so it fails it here too
        # and is never calibrated: it needs no parse, and the worker's parses stay packed.
        return per, features

    def prejudge(self, candidates: list[Candidate], ctx: JudgeContext) -> dict:
        """What a worker sends with its candidates (`Prejudged.from_records` reads it): the per-candidate scores
        and, with a calibration, the candidates' features, of candidates as the worker could resolve them
        (`signature` records how: the driver uses them only for candidates its resolution left the same)."""
        candidates = [own_sentence(c, ctx) for c in candidates]
        per = self.per_candidate(candidates, ctx)
        features = [None] * len(candidates)
        if self.calibration is not None:
            gates = {n for n, cfg in self.axioms.items() if cfg.gate is not None} - OFFLINE_STAND_INS
            features = [None if any(s.axiom in gates and self._fails(s.axiom, s) for s in scores)
                        else calibration.candidate_features(c, ctx) for c, scores in zip(candidates, per)]
        return {"scores": [[(s.axiom, s.score, s.reason, s.skipped) for s in scores] for scores in per],
                "signatures": [signature(c) for c in candidates], "features": features}

    def _calibrated(self, c: Candidate, ctx: JudgeContext, features: dict[str, float] | None = None
                    ) -> Callable[[list[AxiomScore], float], float] | None:
        """The pipeline's calibration as a function of (scores, raw total), bound to the candidate (`features`:
        its features but the raw total, computed elsewhere)."""
        cal = self.calibration
        if cal is None:
            return None
        if features is not None:
            return lambda scores, raw: cal.probability({"raw_total": raw, **features})
        return lambda scores, raw: cal.probability(calibration.features(c, ctx, scores, raw))

    def _cheap(self, c: Candidate, ctx: JudgeContext, grounded: AxiomScore) -> tuple[dict[str, AxiomScore], str | None]:
        """The cheap axioms (grounding already scored), and the first hard gate they failed (None if none)."""
        scores = {name: grounded if name == "grounding" else PER_CANDIDATE[name](c, ctx) for name in CHEAP}
        return scores, next((name for name, s in scores.items() if self._fails(name, s)), None)

    @staticmethod
    def _parse_quotes(candidates: list[Candidate], ctx: JudgeContext,
                      needs_entities: Callable[["Doc"], bool] | None) -> None:
        """One batched parse of the candidates' quotes (`ParseCache.parse_many`: entities where `needs_entities`
        says, on every doc when it is None, including docs parsed earlier without them)."""
        quotes = dict.fromkeys(c.evidence.quote for c in candidates if c.evidence.quote)
        ctx.cache.parse_many(list(quotes), needs_entities=needs_entities)

    def _parsed(self, c: Candidate, ctx: JudgeContext, scores: dict[str, AxiomScore],
                failed: str | None) -> list[AxiomScore]:
        """The parse-based axioms (schema, direction, anchor) only when no hard gate has failed yet. Once a gate
        fails the verdict is `rejected` whatever they say, so they are recorded as skipped ("not evaluated")
        instead of parsing the quote (often a sentence whose subject is "I", parsed without entities by the
        extractor)."""
        for name in PARSED:
            scores[name] = PER_CANDIDATE[name](c, ctx) if failed is None else AxiomScore.of(
                name, 1.0, reason=f"not evaluated: already rejected by the {failed} gate", skipped=True)
        return [scores[name] for name in PER_CANDIDATE]

    def _fails(self, name: str, s: AxiomScore) -> bool:
        gate = self.axioms[name].gate
        return not s.skipped and gate is not None and s.score < gate

    def combine(self, scores: list[AxiomScore],
                calibrate: Callable[[list[AxiomScore], float], float] | None = None) -> Judgment:
        weighted, total_weight, reasons, rejected_by, gated = 0.0, 0.0, [], [], False
        conflict = False
        # The parse-based axioms stand in for entailment offline; once a judge model has read the quote,
        # they only weigh in (no gate): "Stern designed the hall" does entail (hall, architect, Stern).
        entailed = any(s.axiom == "entailment" and not s.skipped for s in scores)
        for s in scores:
            cfg = self.axioms.get(s.axiom, UNCONFIGURED)
            if entailed and s.axiom in OFFLINE_STAND_INS:
                cfg = cfg.model_copy(update={"gate": None})
            fields = s.__dict__  # plain writes: pydantic's __setattr__ was a tenth of offline judging
            fields["weight"], fields["gate"] = cfg.weight, cfg.gate is not None
            if s.skipped:
                continue
            weighted += cfg.weight * s.score
            total_weight += cfg.weight
            if cfg.gate is not None and s.score < cfg.gate:
                gated = True
                reasons.append(f"{s.axiom}: {s.reason}")
                rejected_by.append(s.axiom)
            if s.axiom == "contradiction" and s.score == 0.0:
                conflict = True
        total = round(weighted / total_weight, 4) if total_weight else 0.0
        if calibrate is not None and not gated:
            total = calibrate(scores, total)
        if gated:
            verdict = "rejected"
        elif conflict:
            verdict = "conflict"
            reasons.append(next(f"contradiction: {s.reason}" for s in scores if s.axiom == "contradiction"))
            rejected_by.append("contradiction")
        elif total < self.threshold:
            verdict = "rejected"
            weakest = min((s for s in scores if not s.skipped and s.weight > 0), key=lambda s: s.score)
            reasons.append(f"total {total:.2f} below threshold {self.threshold:.2f} (weakest: {weakest.axiom}: "
                           f"{weakest.reason})")
            rejected_by.append("threshold")
        else:
            verdict = "accepted"
        return Judgment.model_construct(scores=scores, total=total, verdict=verdict, reasons=reasons,
                                        rejected_by=rejected_by)
