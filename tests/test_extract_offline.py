"""Offline extractor: spaCy SVO (active, passive, copula, prepositions), literals, pipeline patterns."""

from __future__ import annotations

import asyncio

import pytest

from pipelines import Pattern, Pipeline, load_pipeline
from sro.data.models import Chunk, Document
from sro.extract import literals
from sro.extract.offline import OfflineExtractor

TEXT = ("Preamble line.\n\nAlan B. Miller Hall, in Virginia, was designed by Robert A.M. Stern. "
        "The installer charged us $12,000 for a 10 kW system in June 2021. "
        "Paris is the capital of France. It was great. "
        "This Agreement shall be governed by the laws of the State of Delaware.")


def _chunks(text: str, size: int = 120) -> list[Chunk]:
    # two overlapping chunks with document offsets, as the data layer makes them
    return [Chunk(id="d1#0", doc_id="d1", dataset="t", ordinal=0, start=0, end=len(text), text=text)] if size <= 0 \
        else [Chunk(id=f"d1#{i}", doc_id="d1", dataset="t", ordinal=i, start=s, end=min(len(text), s + size + 60),
                    text=text[s : s + size + 60]) for i, s in enumerate(range(0, len(text), size))]


def _run(pipeline: Pipeline, chunks: list[Chunk], title: str | None = "Supply Agreement"):
    doc = Document(id="d1", dataset="t", source_uri="file:///d1", text=TEXT, title=title)
    return asyncio.run(OfflineExtractor(pipeline).run(chunks, {"d1": doc})).candidates


@pytest.fixture(scope="module")
def generic_candidates():
    return _run(load_pipeline("generic"), _chunks(TEXT, 0))


def _find(cands, subject, predicate, obj):
    return [c for c in cands if c.subject.text == subject and c.predicate == predicate and c.object.text == obj]


def test_passive_agent_keeps_direction(generic_candidates):
    assert _find(generic_candidates, "Alan B. Miller Hall", "design by", "Robert A.M. Stern")


def test_money_date_and_quantity_literals(generic_candidates):
    money = _find(generic_candidates, "installer", "charge", "$12,000")
    assert money and money[0].object.datatype == "money" and money[0].object.value == "12000"
    assert money[0].object.currency == "USD"
    date = _find(generic_candidates, "installer", "charge in", "June 2021")
    assert date and date[0].object.value == "2021-06"


def test_copula_relational_noun(generic_candidates):
    assert _find(generic_candidates, "Paris", "be capital of", "France")


def test_noun_modifier_between_entities(generic_candidates):
    assert _find(generic_candidates, "Alan B. Miller Hall", "in", "Virginia")


def test_evidence_is_exact_sentence_in_document_coordinates():
    cands = _run(load_pipeline("generic"), _chunks(TEXT))
    assert cands
    for c in cands:
        chunk = next(ch for ch in _chunks(TEXT) if ch.id == c.evidence.chunk_id)
        assert chunk.start <= c.evidence.start < c.evidence.end <= chunk.end
        assert TEXT[c.evidence.start : c.evidence.end] == c.evidence.quote


def test_pattern_with_document_subject_and_normalizer():
    pipeline = Pipeline(name="t", patterns=[Pattern(
        name="law", regex=r"governed by the laws of (?:the State of )?(?P<law>[A-Z][a-z]+)", predicate="governingLaw",
        object="{law}", object_type="entity", object_class="Jurisdiction", normalizer="jurisdiction")])
    cands = [c for c in _run(pipeline, _chunks(TEXT, 0)) if c.extractor == "pattern:law"]
    assert len(cands) == 1
    c = cands[0]
    assert c.subject.ref == "document" and c.subject.text == "Supply Agreement"
    assert c.object.text == "Delaware" and c.object.type == "Jurisdiction"
    assert c.evidence.quote.startswith("This Agreement shall be governed")
    assert TEXT[c.evidence.start : c.evidence.end] == c.evidence.quote


def test_pattern_within_chars_limits_to_document_start():
    pipeline = Pipeline(name="t", patterns=[Pattern(name="p", regex=r"(?P<x>Delaware)", predicate="p",
                                                    object="{x}", within_chars=50)])
    assert not [c for c in _run(pipeline, _chunks(TEXT, 0)) if c.extractor == "pattern:p"]


def test_literal_parsers():
    assert literals.duration("10 years").value == "P10Y"
    assert literals.duration("two years").value == "P2Y"
    assert literals.date("1 January 1934").value == "1934-01-01"
    assert literals.money("12k USD").value == "12000"
    assert literals.quantity("25%").unit == "%"
    assert literals.from_type("yes", "boolean").value == "true"


def test_pronoun_subject_carried_from_previous_sentence():
    text = "Trane is a company in Ireland. They employ 29,000 people. It was great."
    chunk = Chunk(id="t#0", doc_id="t", dataset="t", ordinal=0, start=10, end=10 + len(text), text=text)
    cands = asyncio.run(OfflineExtractor(load_pipeline("generic")).run([chunk], {})).candidates
    carried = [c for c in cands if c.extractor == "nlp:spacy+coref"]
    assert carried and carried[0].subject.text == "Trane" and carried[0].object.text == "29,000 people"
    ev = carried[0].evidence
    assert ev.quote == "Trane is a company in Ireland. They employ 29,000 people." and ev.start == 10
    assert text[ev.start - 10 : ev.end - 10] == ev.quote


MOOD_TEXT = ("Tesla will install the Powerwall in March. Tesla would install the Powerwall if I paid cash. "
             "Tesla did not install the Powerwall in 2021. Did Tesla install the Powerwall in 2021? "
             "Freedom Solar installed the Powerwall in 2021.")


def test_svo_keeps_modality_and_the_judge_refuses_non_factual_statements():
    from sro.triples.resolve import Resolver
    from sro.judge.judge import AxiomJudge

    pipeline = load_pipeline("solar_reddit")
    chunk = Chunk(id="m#0", doc_id="m", dataset="t", ordinal=0, start=0, end=len(MOOD_TEXT), text=MOOD_TEXT)
    docs = {"m": Document(id="m", dataset="t", source_uri="x", text=MOOD_TEXT, title="Quotes")}
    cands = [c for c in OfflineExtractor(pipeline).run_sync([chunk], docs) if c.predicate == "install"]
    moods = {c.evidence.quote.split()[0] + " " + c.evidence.quote.split()[1]: c.qualifiers.get("modality")
             for c in cands}
    # the question is not parsed (sentences.worth_parsing): all its triples would be modality "question"
    assert moods == {"Tesla will": "future", "Tesla would": "hypothetical", "Tesla did": "negated",
                     "Freedom Solar": None}
    resolved = Resolver(pipeline).run(cands)
    for c, j in zip(resolved, AxiomJudge(pipeline).run(resolved, docs)):
        assert c.predicate_iri.endswith("installedBy")
        # active "X installed the Powerwall" reads as (Powerwall, installedBy, X): the installer is the object
        assert c.subject.text == "Powerwall" and c.object.text in ("Tesla", "Freedom Solar")
        direction = next(s for s in j.scores if s.axiom == "direction")
        if c.qualifiers.get("modality"):
            assert j.verdict == "rejected" and any(r.startswith("modality: ") for r in j.reasons)
            assert direction.skipped
        else:
            assert direction.score == 1.0 and "passive-named" in direction.reason
