"""The extractors: LLM (llm_extractor) and offline NLP + patterns (offline, svo, patterns, coref, literals,
quantity), grounding (quote -> exact offsets). The stage that runs them, resolves, judges and stores is
`sro.triples.stage.TripleStage.for_workspace(ws, pipeline).run(chunks, campaign=, node=)`; the parser and the shared
candidate types are in `sro.nlp`. Submodules import spaCy, so this package imports nothing eagerly.
"""
