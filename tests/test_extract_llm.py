"""LLM extractor through the loopback server (real litellm HTTP path) and TripleStage's LLM path."""

from __future__ import annotations

import asyncio
import json

import pytest

from sro.data.models import Document
from sro.extract.llm_extractor import LLMExtractor, batches
from sro.triples.stage import TripleStage
from sro.workspace import Workspace

DOC0 = 'The installer said  "the system is great". Sunrun charged us $12,000 for the 10 kW system.'
DOC1 = "Tesla was founded by Martin Eberhard in 2003."

ANSWER = {"triples": [
    # whitespace and quote characters differ from the source: must still be located exactly
    {"chunk": 0, "subject": "Sunrun", "predicate": "price", "object": "$12,000", "object_type": "money",
     "value": "12000", "currency": "USD", "quote": "Sunrun charged us $12,000 for the 10\u00a0kW  system."},
    {"chunk": 1, "subject": "Tesla", "predicate": "founded by", "object": "Martin Eberhard",
     "subject_type": "Organization", "object_class": "Person", "quote": "Tesla was founded by Martin Eberhard in 2003."},
    # a quote that is not in the passage: kept, then rejected by grounding
    {"chunk": 1, "subject": "Tesla", "predicate": "founded by", "object": "Elon Musk",
     "quote": "Tesla was founded by Elon Musk."},
]}


@pytest.fixture
def ws(tmp_path, llm_server, monkeypatch):
    monkeypatch.setenv("SRO_TEST_KEY", "sk-test")
    w = Workspace.open(tmp_path / "ws", {"worker": llm_server.role("openai/test-worker")})
    docs = [Document(id=f"r:{i}", dataset="r", source_uri=f"https://r/{i}", text=t, kind="comment", author=f"u{i}")
            for i, t in enumerate([DOC0, DOC1])]
    w.datasets.add_documents("r", docs)
    yield w
    w.close()


def _chunks(ws):
    return [c for b in ws.datasets.iter_chunks("r") for c in b]


def test_llm_stage_locates_quotes_and_batches_chunks(ws, llm_server):
    llm_server.add(r"extract knowledge-graph triples", json.dumps(ANSWER))
    result = asyncio.run(TripleStage.for_workspace(ws, "generic").run(_chunks(ws), campaign="c", node="n"))
    assert llm_server.count(r"extract knowledge-graph triples") == 1  # both chunks in one call
    prompt = json.dumps(llm_server.requests[0])
    assert "locatedIn" in prompt and "passage 1" in prompt  # ontology predicates and several passages
    assert result.extractor == "llm" and result.calls == 1 and result.tokens > 0
    by_obj = {t.candidate.object.text: t for t in result.accepted + result.rejected + result.conflicts}
    money = by_obj["$12,000"].candidate
    assert money.object.datatype == "money" and money.object.value == "12000" and money.model == "openai/test-worker"
    assert DOC0[money.evidence.start - 0 : money.evidence.end] == money.evidence.quote
    assert money.evidence.quote == "Sunrun charged us $12,000 for the 10 kW system."
    assert by_obj["$12,000"].predicate_iri == "https://sro.dev/ontology/generic#price"
    founded = by_obj["Martin Eberhard"]
    assert founded.judgment.verdict == "accepted" and founded.predicate_iri.endswith("#foundedBy")
    musk = by_obj["Elon Musk"]
    assert musk.judgment.verdict == "rejected" and musk.judgment.reasons[0].startswith("grounding")
    assert musk.candidate.campaign == "c" and musk.candidate.node == "n"


def test_unparseable_answer_is_an_error_and_chunks_stay_pending(ws, llm_server):
    llm_server.add(r"extract knowledge-graph triples|invalid", "no json here, sorry", raw=False)
    stage = TripleStage.for_workspace(ws, "generic")
    result = asyncio.run(stage.run(_chunks(ws)))
    assert result.errors and result.candidates == 0
    assert not stage.store.done_chunks("generic", [c.id for c in _chunks(ws)])  # retried next run


def test_gleaning_pass_adds_missed_facts(ws, llm_server):
    first = {"triples": [ANSWER["triples"][1]]}
    more = {"triples": [{"chunk": 0, "subject": "Sunrun", "predicate": "charge", "object": "$12,000",
                         "object_type": "money", "quote": "Sunrun charged us $12,000 for the 10 kW system."}]}
    llm_server.add(r"Already extracted", json.dumps(more))
    llm_server.add(r"extract knowledge-graph triples", json.dumps(first))
    extractor = LLMExtractor(ws.llm, ws.pipeline("generic"), gleaning=1)
    chunks = _chunks(ws)
    docs = {c.doc_id: ws.datasets.document(c.doc_id) for c in chunks}
    cands = asyncio.run(extractor.run(chunks, docs)).candidates
    assert {c.object.text for c in cands} == {"Martin Eberhard", "$12,000"}
    assert llm_server.count(r"Already extracted") == 1


def test_batches_pack_chunks_under_a_size_limit(ws):
    chunks = _chunks(ws) * 5
    groups = batches(chunks, max_chars=200, max_chunks=3)
    assert all(len(g) <= 3 and sum(len(c.text) for c in g) <= 200 or len(g) == 1 for g in groups)
    assert [c for g in groups for c in g] == chunks


def test_lenient_model_output_does_not_fail_the_batch():
    from sro.extract.llm_extractor import LLMTriples, class_name

    parsed = LLMTriples.model_validate({"triples": [{
        "subject": "Tesla", "predicate": "price", "object": 12000, "object_type": "number",
        "qualifiers": {"year": 2021}, "quote": "x", "subject_type": "solar company"}]})
    t = parsed.triples[0]
    assert t.object == "12000" and t.object_type == "decimal" and class_name(t.subject_type) == "SolarCompany"
