"""One commit per batch (sro.triples.store.TripleStore.save): a batch stored twice, or one that overlaps a
stored one, adds nothing it already has, candidates and finished chunks alike (real DuckDB)."""

from __future__ import annotations

import duckdb
import pytest

from sro.judge.models import Judgment
from sro.nlp.models import Candidate, Entity, Evidence
from sro.triples.store import TripleStore, candidate_id


def _item(i: int) -> tuple[str, Candidate, Judgment]:
    quote = f"Party {i} pays the fee."
    c = Candidate(subject=Entity(text=f"Party {i}"), predicate="pay", object=Entity(text="fee"),
                  evidence=Evidence(chunk_id=f"c{i}", doc_id="d", start=0, end=len(quote), quote=quote),
                  extractor="test")
    return candidate_id(c), c, Judgment(verdict="accepted", total=0.9)


def _rows(con) -> tuple[int, int, list]:
    return (con.execute("SELECT count(*) FROM candidates").fetchone()[0],
            con.execute("SELECT count(*) FROM judgments").fetchone()[0],
            con.execute("SELECT chunk_id, candidates FROM candidates_done ORDER BY 1").fetchall())


def test_a_batch_stored_twice_adds_nothing():
    con = duckdb.connect()
    store = TripleStore(con)
    batch, done = [_item(0), _item(1)], {"c0": 1, "c1": 1, "c2": 0}
    assert store.save("legal", batch, done=done, extractor="nlp") == 2
    first = _rows(con)
    assert first == (2, 2, [("c0", 1), ("c1", 1), ("c2", 0)])
    assert store.save("legal", batch, done=done, extractor="nlp") == 0
    assert _rows(con) == first
    # overlapping: one stored candidate and chunk, one new of each
    assert store.save("legal", [_item(1), _item(3)], done={"c1": 1, "c3": 1}, extractor="nlp") == 1
    assert _rows(con) == (3, 3, [("c0", 1), ("c1", 1), ("c2", 0), ("c3", 1)])
    assert store.done_chunks("legal", ["c0", "c3", "c9"]) == {"c0", "c3"}
    assert store.done_chunks("other", ["c0"]) == set()


def test_a_failing_batch_stores_nothing_of_itself():
    con = duckdb.connect()
    store = TripleStore(con)

    def broken() -> None:
        raise RuntimeError("alias flush failed")

    with pytest.raises(RuntimeError):
        store.save("legal", [_item(0)], also=broken, done={"c0": 1}, extractor="nlp")
    assert _rows(con) == (0, 0, [])


def test_support_gives_the_distinct_documents_of_each_stored_triple():
    con = duckdb.connect()
    store = TripleStore(con)

    def item(doc: str, chunk: str, obj: str) -> tuple[str, Candidate, Judgment]:
        quote, start = f"Acme pays {obj}.", 100 * int(chunk[1:])  # ids differ by where the candidate is
        c = Candidate(subject=Entity(text="Acme", iri="https://x/acme"), predicate="pay", predicate_iri="https://x/pays",
                      object=Entity(text=obj), evidence=Evidence(chunk_id=chunk, doc_id=doc, start=start,
                                                                 end=start + len(quote), quote=quote), extractor="test")
        return candidate_id(c), c, Judgment(verdict="accepted", total=0.9)

    store.save("legal", [item("d1", "c1", "fee"), item("d1", "c2", "fee"), item("d2", "c3", "fee"),
                         item("d3", "c4", "rent")])
    got = store.support([("https://x/acme", "https://x/pays", "fee"), ("https://x/acme", "https://x/pays", "tax"),
                         ("https://x/other", "https://x/pays", "fee")])
    assert {k: sorted(v) for k, v in got.items()} == {("https://x/acme", "https://x/pays", "fee"): ["d1", "d2"]}
