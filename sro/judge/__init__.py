"""The axiom judge: `sro.judge.judge.AxiomJudge(pipeline, client=, graph=).run(candidates, docs)` -> Judgments.

Axioms live one per module in `sro.judge.axioms` (grounding, direction, schema, anchor, specificity,
contradiction, corroboration, source_reliability, entailment); `judge.py` combines them with the pipeline's
weights, gates and threshold.
"""
