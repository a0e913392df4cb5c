"""Caches that keep repeated per-session work off the event loop behave exactly like the uncached paths:
dataset descriptions (invalidated by the dataset version), node spend from the ledger tally, JSON schemas."""

from __future__ import annotations

from pydantic import BaseModel

from sro.config import Settings
from sro.data.db import connect
from sro.data.models import Document
from sro.data.store import DatasetStore
from sro.llm import structured
from sro.llm.dbwrite import CursorPool
from sro.llm.ledger import Ledger


def _doc(i: int) -> Document:
    return Document(id=f"d:{i}", dataset="d", source_uri=f"file://{i}", title=f"t{i}",
                    text=f"Solar panel number {i} produced power.", kind="submission", metadata={"n": i})


def test_describe_is_cached_until_the_dataset_changes(tmp_path):
    con = connect(tmp_path / "sro.duckdb")
    try:
        store = DatasetStore(con, Settings(chunk_size=200, chunk_overlap=20))
        store.add_documents("d", [_doc(1), _doc(2)])
        first = store.dataset("d").describe()
        first["preview"].clear()  # a caller's copy: mutating it does not touch the cache
        again = store.dataset("d").describe()
        assert again == store.dataset("d")._describe() and again["documents"] == 2 and again["preview"]
        store.add_documents("d", [_doc(3)])
        after = store.dataset("d").describe()
        assert after == store.dataset("d")._describe() and after["documents"] == 3
    finally:
        con.close()


def test_node_spent_matches_the_ledger_query(tmp_path):
    con = connect(tmp_path / "sro.duckdb")
    pool = CursorPool(con)
    try:
        ledger = Ledger(pool)
        row = dict(role="worker", model="m", provider="p", namespace="", prompt_tokens=10, completion_tokens=5,
                   cost_usd=0.01, latency_ms=1.0, attempts=1)
        ledger.record(campaign="c", node="a", cached=False, status="ok", **row)
        ledger.record(campaign="c", node="a", cached=True, status="ok", **row)
        assert ledger.node_spent("c", "a") == ledger.spent(campaign="c", node="a")  # loads the tally
        for node, cached, status in (("a", False, "ok"), ("b", False, "ok"), ("a", False, "error"),
                                     ("a", True, "ok"), (None, False, "ok")):
            ledger.record(campaign="c", node=node, cached=cached, status=status, **row)
            ledger.record(campaign="other", node=node, cached=cached, status=status, **row)
        for node in ("a", "b", "zz"):
            assert ledger.node_spent("c", node) == ledger.spent(campaign="c", node=node)
            assert ledger.node_spent("other", node) == ledger.spent(campaign="other", node=node)
        assert ledger.node_spent("c", "a").calls == 2
    finally:
        pool.close()
        con.close()


def test_json_schema_is_a_fresh_copy_of_pydantics():
    class Thing(BaseModel):
        name: str
        tags: list[str] = []

    one = structured.json_schema(Thing)
    one["properties"].clear()
    assert structured.json_schema(Thing) == Thing.model_json_schema()


def test_store_describe_matches_dataset_describe_and_rejects_unknown(tmp_path):
    import pytest

    from sro.errors import DatasetError

    con = connect(tmp_path / "sro.duckdb")
    try:
        store = DatasetStore(con, Settings(chunk_size=200, chunk_overlap=20))
        store.add_documents("d", [_doc(1)])
        assert store.describe("d") == store.dataset("d")._describe()
        with pytest.raises(DatasetError, match="unknown dataset"):
            store.describe("nope")
    finally:
        con.close()
