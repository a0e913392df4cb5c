"""Document-level subjects follow the pipeline's convention (pipelines.DocumentSubject)."""

from __future__ import annotations

from pipelines import load_pipeline
from sro.data.models import Chunk, Document
from sro.extract.llm_extractor import LLMExtractor, LLMTriple, is_document_subject


def test_solar_self_references_are_the_post_and_others_are_not():
    rule = load_pipeline("solar_reddit").document_subject
    post = Document(id="p:1", dataset="s", source_uri="u", text="t", kind="post", title="PTO at last")
    for subject in ("this installation", "my system", "our 8.2 kW solar setup", "the system", "The poster's array",
                    "OP's install"):
        assert is_document_subject(subject, post, rule), subject
    for subject in ("their system", "my Powerwall", "Sunrun", "this inverter", "the installer"):
        assert not is_document_subject(subject, post, rule), subject
    contract = load_pipeline("legal_contracts").document_subject
    assert not is_document_subject("this Agreement", post, contract), "contract nouns only in plain documents"


def test_an_obedient_triple_gets_the_document_entity_typed_by_the_pipeline():
    text = "We paid $28,500 for the 9.6 kW system."
    doc = Document(id="p:1", dataset="s", source_uri="u", text=text, kind="post", title="Our install")
    chunk = Chunk(id="p:1#0", doc_id="p:1", dataset="s", ordinal=0, start=0, end=len(text), text=text)
    extractor = LLMExtractor(None, load_pipeline("solar_reddit"))
    triple = LLMTriple(subject="this installation", subject_type="SolarSystem", predicate="systemCost",
                       object="$28,500", object_type="money", quote=f"\u201c{text}\u201d")
    candidate = extractor._candidate(triple, [chunk], {"p:1": doc}, None, [])
    assert candidate.subject.ref == "document" and candidate.subject.type == "Installation"
    assert candidate.evidence.quote == text, "quotation marks around the quote are not part of it"
