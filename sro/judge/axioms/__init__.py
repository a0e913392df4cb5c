"""Named axioms. Each takes (candidate, context) and returns an AxiomScore with a score in [0, 1] and a
reason; batch axioms (schema's SHACL part, corroboration, contradiction, entailment) see the whole batch.
Weights and gates come from the pipeline (`axioms:` in pipeline.yaml) over the defaults in judge.py."""
