"""The parse worker (a second process) gives the parses this process would, and failures fall back to local."""

from __future__ import annotations

import time
from functools import partial

import pytest

from sro.nlp import nlp, parse_worker
from sro.nlp.nlp import ParseCache, has_entities
from sro.extract.svo import needs_entities

SENTENCES = [
    "Alan B. Miller Hall, in Virginia, was designed by Robert A. M. Stern.",
    "The installer charged $12,000 for a 10 kW system in June 2021.",
    "Trane is located in Swords, Dublin, and employs 29,000 people.",
    "We have had PW3 installed for less than 3 weeks and it drains to 0 at 12pm.",
    "I think this is fine.",
    "Our Powerwall 2 stopped charging after the firmware update in March.",
]
BATCH = [f"{s} ({i})" for i in range(8) for s in SENTENCES]  # 48 distinct texts: above MIN_BATCH_TO_SPLIT


def _attrs(doc):
    return [(t.text, t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, t.is_sent_start, t.ent_type_, t.ent_iob_)
            for t in doc]


@pytest.fixture
def ready_worker(monkeypatch):
    monkeypatch.setenv("SRO_NLP_PROCESSES", "2")
    helper = parse_worker.worker()
    deadline = time.monotonic() + 120
    while not helper.ready():
        assert time.monotonic() < deadline, "the parse worker never said it was ready"
        time.sleep(0.05)
    return helper


def _local(monkeypatch, texts, **kw):
    monkeypatch.setenv("SRO_NLP_PROCESSES", "1")
    try:
        return ParseCache().parse_many(texts, **kw)
    finally:
        monkeypatch.setenv("SRO_NLP_PROCESSES", "2")


def test_split_batch_gives_the_local_parses(ready_worker, monkeypatch):
    sent = []
    original = ready_worker.submit
    monkeypatch.setattr(ready_worker, "submit", lambda texts, pred: (sent.append(list(texts)), original(texts, pred)))
    split = ParseCache().parse_many(BATCH)
    assert sent == [BATCH[:len(BATCH) // 2]]  # the worker really parsed the first half
    assert [_attrs(d) for d in split] == [_attrs(d) for d in _local(monkeypatch, BATCH)]


def test_worker_runs_ner_only_where_the_predicate_says(ready_worker, monkeypatch):
    select = partial(needs_entities, generic_rejected=True)
    split = ParseCache().parse_many(BATCH, needs_entities=select)
    local = _local(monkeypatch, BATCH, needs_entities=select)
    assert [has_entities(d) for d in split] == [has_entities(d) for d in local]
    assert not all(has_entities(d) for d in split[:len(BATCH) // 2])  # lazy NER happened in the worker too
    assert [_attrs(d) for d in split] == [_attrs(d) for d in local]


def test_unpicklable_predicate_is_parsed_here(ready_worker, monkeypatch):
    docs = ParseCache().parse_many(BATCH, needs_entities=lambda doc: True)
    assert all(has_entities(d) for d in docs)
    assert ready_worker.ready()


def test_dead_worker_falls_back_and_is_replaced(ready_worker, monkeypatch):
    ready_worker._proc.kill()
    ready_worker._proc.wait()
    docs = ParseCache().parse_many(BATCH)
    assert [_attrs(d) for d in docs] == [_attrs(d) for d in _local(monkeypatch, BATCH)]
    assert parse_worker.worker() is not ready_worker  # a new one starts for the next batch


def test_worker_exits_when_the_parent_closes_the_pipe(ready_worker):
    ready_worker.close()
    assert ready_worker._proc.poll() is not None
    parse_worker._worker = None


def test_one_process_means_no_worker(monkeypatch):
    monkeypatch.setenv("SRO_NLP_PROCESSES", "1")
    assert parse_worker.worker() is None
    assert nlp.MIN_BATCH_TO_SPLIT <= len(BATCH)


def test_a_bad_process_count_is_a_clear_error(monkeypatch):
    from sro.errors import ConfigError

    monkeypatch.setenv("SRO_NLP_PROCESSES", "two")
    with pytest.raises(ConfigError, match="SRO_NLP_PROCESSES"):
        parse_worker.worker()


def test_coref_join_across_the_split_mixes_worker_and_local_parses(ready_worker):
    """A pronoun carried from the last sentence the worker parsed to the first one parsed here: the two docs are
    joined for the judge (Doc.from_docs), although only the local one carries a tok2vec tensor."""
    from pipelines import load_pipeline
    from sro.data.models import Chunk
    from sro.extract.offline import OfflineExtractor

    fillers = [f"Panel maker {i} opened a plant in Texas in {2000 + i}." for i in range(38)]
    sents = fillers[:19] + ["SunPower installed the panels in 2019.", "It then replaced the inverter in 2021."] \
        + fillers[19:]
    text = " ".join(sents)
    chunk = Chunk(id="d#0", doc_id="d", dataset="t", ordinal=0, start=0, end=len(text), text=text)
    cands = OfflineExtractor(load_pipeline("generic"), cache=ParseCache()).run_sync([chunk], {})
    carried = [c for c in cands if c.extractor.endswith("+coref")]
    assert carried and carried[0].evidence.quote == " ".join(sents[19:21])
