"""The BM25 index built in bulk mode (unsorted batches + one compaction) equals the incremental build."""

from __future__ import annotations

import sro.data.fts as fts
from sro.config import Settings
from sro.data.db import connect
from sro.data.models import Document
from sro.data.store import DatasetStore

TEXTS = ["Café owners love their solar inverter", "The inverter warranty ran out; the Powerwall did not",
         "Naïve roof leak question about panels", "Net metering export credit and the payback period",
         "Inverter inverter inverter, warranty claims and a roof"]


def _search(tmp_path, name, bulk_min, monkeypatch):
    monkeypatch.setattr(fts, "BULK_MIN", bulk_min)
    store = DatasetStore(connect(tmp_path / f"{name}.duckdb"), Settings(chunk_size=200, chunk_overlap=20))
    store.add_documents("d", [Document(id=f"d:{i}", dataset="d", source_uri=f"x:{i}", text=t) for i, t in enumerate(TEXTS[:3])])
    store.add_documents("d", [Document(id=f"d:{i}", dataset="d", source_uri=f"x:{i}", text=t) for i, t in enumerate(TEXTS)])
    state = dict(store.cursor().execute("SELECT key, value FROM data_state").fetchall())
    ds = store.dataset("d")
    return state, {q: [(h.chunk_id, round(h.score, 9)) for h in ds.search(q, k=5)]
                   for q in ["inverter warranty", "cafe", "CAFÉ", "naive roof", "payback"]}


def test_bulk_build_equals_incremental(tmp_path, monkeypatch):
    bulk_state, bulk = _search(tmp_path, "bulk", 1, monkeypatch)
    inc_state, inc = _search(tmp_path, "inc", 10**9, monkeypatch)
    assert bulk == inc and bulk["cafe"] and bulk["CAFÉ"] == bulk["cafe"] and bulk["naive roof"]
    assert bulk_state["fts_unsorted_postings"] == "0"  # bulk mode always ends sorted


def test_iter_chunks_with_interleaved_datasets(tmp_path):
    store = DatasetStore(connect(tmp_path / "i.duckdb"), Settings(chunk_size=200, chunk_overlap=20))
    for round_ in range(3):
        for name, n in (("a", 7), ("b", 25)):
            store.add_documents(name, [Document(id=f"{name}:{round_}:{i}", dataset=name, source_uri="x", text=f"t {i}")
                                       for i in range(n)])
    expected = [r[0] for r in store.cursor().execute("SELECT id FROM chunks WHERE dataset = 'a' ORDER BY key").fetchall()]
    for batch in (1, 2, 5, 100):
        got = [c.id for b in store.iter_chunks("a", batch=batch) for c in b]
        assert got == expected
        assert [c.id for b in store.iter_chunks("a", after=expected[3], batch=batch) for c in b] == expected[4:]
