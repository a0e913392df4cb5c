"""Resume undo: `forget_nodes` removes exactly the candidates and judgments that given nodes of one campaign
stored (real DuckDB, the real TripleStore)."""

from __future__ import annotations

import duckdb

from sro.nlp.models import Candidate, Entity, Evidence
from sro.triples.store import TripleStore, candidate_id, forget_nodes
from sro.judge.models import Judgment


def _cand(i: int, campaign: str, node: str) -> Candidate:
    quote = f"Panel {i} makes power."
    return Candidate(subject=Entity(text=f"Panel {i}"), predicate="make", object=Entity(text="power"),
                     evidence=Evidence(chunk_id=f"c{i}", doc_id=f"d{i}", start=0, end=len(quote), quote=quote),
                     extractor="test", campaign=campaign, node=node)


def _counts(con) -> tuple[int, int]:
    return (con.execute("SELECT count(*) FROM candidates").fetchone()[0],
            con.execute("SELECT count(*) FROM judgments").fetchone()[0])


def test_forget_nodes_removes_only_those_nodes_of_that_campaign():
    con = duckdb.connect()
    store = TripleStore(con)
    rows = [("solar", "n1"), ("solar", "n1"), ("solar", "n2"), ("solar", "n3"), ("other", "n1")]
    cands = [_cand(i, c, n) for i, (c, n) in enumerate(rows)]
    store.save("generic", [(candidate_id(c), c, Judgment(verdict="accepted", total=0.9)) for c in cands])
    assert _counts(con) == (5, 5)
    assert forget_nodes(con, "solar", ["n1", "n3"]) == 3
    left = con.execute("SELECT campaign, node FROM candidates ORDER BY campaign, node").fetchall()
    assert left == [("other", "n1"), ("solar", "n2")] and _counts(con) == (2, 2)
    assert forget_nodes(con, "solar", []) == 0 and forget_nodes(con, "solar", ["n9"]) == 0


def test_forget_nodes_on_a_workspace_without_triples_tables():
    assert forget_nodes(duckdb.connect(), "solar", ["n1"]) == 0
