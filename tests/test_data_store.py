"""DatasetStore and Dataset on a real DuckDB file: add, dedupe, read API, search, grep, read-only sql."""

from __future__ import annotations

import pytest

from sro.config import Settings
from sro.data.db import connect
from sro.data.models import Document
from sro.data.store import DatasetStore
from sro.errors import DatasetError

TEXTS = [
    "My SolarEdge inverter died after 3 years. The installer replaced it under warranty.",
    "We paid $18,500 for 7.2 kW of Qcells panels. Payback period of 8 years with NEM 2.0.",
    "The Tesla Powerwall keeps the fridge running during PG&E outages. 🙂 Great battery.",
    "Enphase microinverters: produces about 11,000 kWh a year on a south-facing roof.",
]


@pytest.fixture()
def store(tmp_path):
    con = connect(tmp_path / "sro.duckdb")
    yield DatasetStore(con, Settings(chunk_size=60, chunk_overlap=10))
    con.close()


def _docs(dataset: str = "solar") -> list[Document]:
    return [
        Document(id=f"{dataset}:{i}", dataset=dataset, source_uri=f"file://{i}", title=f"post {i}", text=t,
                 author="alice" if i % 2 else "bob", score=i, kind="submission", metadata={"n": i})
        for i, t in enumerate(TEXTS)
    ]


def test_add_is_idempotent_and_chunks_are_exact(store):
    added, chunks = store.add_documents("solar", _docs())
    assert added == 4 and chunks > 4  # 60-character chunks split every text
    assert store.add_documents("solar", _docs()) == (0, 0)
    seen = 0
    for batch in store.iter_chunks("solar", batch=3):
        for chunk in batch:
            doc = store.document(chunk.doc_id)
            assert doc.text[chunk.start : chunk.end] == chunk.text
            seen += 1
    assert seen == chunks


def test_iter_chunks_resumes_after_a_chunk_id(store):
    store.add_documents("solar", _docs())
    everything = [c.id for b in store.iter_chunks("solar", batch=2) for c in b]
    rest = [c.id for b in store.iter_chunks("solar", after=everything[2], batch=100) for c in b]
    assert rest == everything[3:]


def test_read_api(store):
    store.add_documents("solar", _docs())
    ds = store.dataset("solar")
    assert ds.count() == 4
    assert [d.id for d in ds.peek(2)] == ["solar:0", "solar:1"]
    assert ds.get("solar:2").metadata == {"n": 2}
    assert ds.sample(3, seed=1) == ds.sample(3, seed=1)
    assert {d.id for d in ds.sample(10)} == {f"solar:{i}" for i in range(4)}
    assert "metadata.n" in ds.fields() and "author" in ds.fields()
    info = ds.describe()
    assert info["documents"] == 4 and info["kinds"] == {"submission": 4} and len(info["preview"]) == 3
    with pytest.raises(DatasetError):
        ds.get("nope")
    with pytest.raises(DatasetError):
        store.dataset("missing")


def test_search_ranks_by_bm25_and_stays_current(store):
    store.add_documents("solar", _docs())
    hits = store.dataset("solar").search("inverter died", k=3)
    assert hits and hits[0].doc_id == "solar:0" and hits[0].score > 0
    assert "inverter" in hits[0].text.lower()
    extra = Document(id="solar:new", dataset="solar", source_uri="x", text="A brand new inverter story.")
    store.add_documents("solar", [extra])
    assert "solar:new" in {h.doc_id for h in store.dataset("solar").search("inverter", k=10)}
    assert store.dataset("solar").search("   ") == []


def test_search_is_scoped_to_its_dataset(store):
    store.add_documents("solar", _docs())
    store.add_documents("other", _docs("other"))
    assert {h.dataset for h in store.dataset("other").search("Powerwall", k=10)} == {"other"}


def test_grep(store):
    store.add_documents("solar", _docs())
    hits = store.dataset("solar").grep(r"\$[0-9,]+", k=5)
    assert [h.doc_id for h in hits] == ["solar:1"]
    with pytest.raises(DatasetError):
        store.dataset("solar").grep("(unclosed")


def test_sql_reads_only_its_dataset(store):
    store.add_documents("solar", _docs())
    store.add_documents("other", _docs("other"))
    ds = store.dataset("solar")
    assert ds.sql("SELECT count(*) AS n FROM documents") == [{"n": 4}]
    assert ds.sql("SELECT id FROM documents WHERE score > ? ORDER BY id", [2]) == [{"id": "solar:3"}]
    store.add_documents("solar", [Document(id="solar:9", dataset="solar", source_uri="x", text="later")])
    assert ds.sql("SELECT count(*) AS n FROM documents") == [{"n": 5}]  # snapshot follows writes


@pytest.mark.parametrize(
    "query",
    [
        "INSERT INTO documents (id) VALUES ('x')",
        "DELETE FROM documents",
        "CREATE TABLE t (a INT)",
        "SELECT * FROM read_csv('/etc/passwd')",
        "ATTACH '/tmp/sro-evil.duckdb' AS evil",
        "COPY documents TO '/tmp/sro-evil.csv'",
        "SET enable_external_access = true",
        "INSTALL httpfs",
    ],
)
def test_sql_refuses_writes_and_external_access(store, query):
    store.add_documents("solar", _docs())
    with pytest.raises(DatasetError):
        store.dataset("solar").sql(query)
    assert store.dataset("solar").count() == 4


def test_invalid_dataset_name(store):
    with pytest.raises(DatasetError):
        store.add_documents("bad name; drop", _docs())


def test_index_compaction_keeps_results(store, monkeypatch):
    import sro.data.fts as fts

    store.add_documents("solar", _docs())
    before = [(h.chunk_id, round(h.score, 6)) for h in store.dataset("solar").search("inverter Powerwall", k=5)]
    monkeypatch.setattr(fts, "COMPACT_MIN", 1)  # the next indexing run rewrites postings in term order
    store.add_documents("other", _docs("other"))
    state = dict(store.cursor().execute("SELECT key, value FROM data_state").fetchall())
    assert state["fts_unsorted_postings"] == "0"
    after = [(h.chunk_id, round(h.score, 6)) for h in store.dataset("solar").search("inverter Powerwall", k=5)]
    assert after == before and before
