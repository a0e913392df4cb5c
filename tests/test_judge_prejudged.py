"""The judge split (sro.judge.prejudged): a worker scores the per-candidate axioms, the driver the batch and
graph ones. The judgments are those of judging everything in one place, with the worker's scores taken only
for candidates whose resolution left them as the worker saw them (others are scored again), with and without
a calibration."""

from __future__ import annotations

import asyncio

import pytest

from pipelines import load_pipeline
from sro.data.models import Chunk, Document
from sro.extract.offline import OfflineExtractor
from sro.judge.judge import AxiomJudge
from sro.judge.prejudged import Prejudged, signature
from sro.triples.executors import records_of
from sro.triples.resolve import Alias, Resolver

TEXTS = {
    "solar_reddit": ("Freedom Solar installed the Powerwall in 2021. Tesla will install the battery next year. "
                     "We paid $12,000 for a 10 kW system. My inverter died after two years. "
                     "I'm looking at adding solar. The installer charged us $9,500."),
    "legal_contracts": ("This Agreement shall be governed by the laws of the State of Delaware. "
                        "Acme Corp shall pay Supplier $50,000 within 30 days. "
                        "The term of this Agreement is five years."),
}


def _batch(name: str):
    pipeline = load_pipeline(name)
    text = TEXTS[name]
    chunk = Chunk(id="d#0", doc_id="d", dataset="t", ordinal=0, start=0, end=len(text), text=text)
    docs = {"d": Document(id="d", dataset="t", source_uri="x", text=text, title="Our quotes")}
    return pipeline, docs, OfflineExtractor(pipeline).run_sync([chunk], docs)


def _judged(pipeline, docs, resolved, pre=None):
    judge = AxiomJudge(pipeline)
    return [j.model_dump() for j in asyncio.run(judge.arun(resolved, ctx=judge.context(docs), pre=pre))]


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_worker_scores_give_the_local_judgments(name):
    pipeline, docs, raw = _batch(name)
    assert raw
    records = records_of(raw, pipeline, docs)
    resolved = Resolver(pipeline).run(raw)
    pre = Prejudged.from_records(records["judged"])
    assert [signature(c) for c in resolved] == pre.signatures  # nothing for the driver to redo here
    assert _judged(pipeline, docs, resolved, pre) == _judged(pipeline, docs, resolved)
    if name == "solar_reddit":
        assert AxiomJudge(pipeline).calibration is not None and any(f for f in pre.features)


def test_the_driver_takes_matching_scores_and_rescores_the_others():
    pipeline, docs, raw = _batch("solar_reddit")
    records = records_of(raw, pipeline, docs)
    resolved = Resolver(pipeline).run(raw)
    local = _judged(pipeline, docs, resolved)
    # a worker's score is taken as it is when the signature matches ...
    judged = records["judged"]
    judged["scores"][0] = [(a, 0.0 if a == "grounding" else v, r, k) for a, v, r, k in judged["scores"][0]]
    taken = _judged(pipeline, docs, resolved, Prejudged.from_records(judged))
    assert taken[0]["verdict"] == "rejected" and "grounding" in taken[0]["rejected_by"]
    # ... and ignored when the driver's resolution changed the candidate (here: a type from the alias table)
    judged["signatures"][0] = (*judged["signatures"][0][:2], ("elsewhere", None, None, None))
    adopted = []
    redone = _judged(pipeline, docs, resolved, Prejudged.from_records(judged, lambda: adopted.append(1)))
    assert redone == local and adopted == [1]


def test_a_type_from_the_alias_table_is_scored_on_the_driver():
    pipeline, docs, raw = _batch("solar_reddit")
    records = records_of(raw, pipeline, docs)
    resolver = Resolver(pipeline)
    untyped = next(c.object for c in raw if c.object.kind == "entity" and not c.object.type)
    from sro.nlp.keys import canonical_key

    key = canonical_key(untyped.label or untyped.text)
    resolver.aliases[key] = Alias(key=key, iri="https://sro.dev/id/x", label=untyped.text, type="Installer")
    resolved = resolver.run(raw)
    pre = Prejudged.from_records(records["judged"])
    assert [signature(c) for c in resolved] != pre.signatures
    assert _judged(pipeline, docs, resolved, pre) == _judged(pipeline, docs, resolved)
