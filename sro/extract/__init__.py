"""Triples: extraction (LLM and offline NLP + patterns), grounding, resolution, storage.

Entry point for other stages: `sro.triples.stage.TripleStage(ws, pipeline).run(chunks, campaign=, node=)`.
Modules, one job each: models (Candidate/Entity/Value/Evidence), offline + svo + literals + sentences + coref
(spaCy extractor), patterns (pipeline regex patterns), llm_extractor, grounding (quote -> exact offsets),
keys + resolve (entities, alias table), predicates (ontology mapping), store (DuckDB tables), to_graph
(Facts), result (StageResult), commands (`sro extract`, `sro triples`). Submodules import spaCy, so this
package imports nothing eagerly.
"""
