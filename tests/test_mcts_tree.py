"""Research tree on a real DuckDB: persistence, derived statistics, atomic commits."""

from __future__ import annotations

import duckdb
import pytest

from sro.mcts.expand import Expansion, Proposal, TripleInfo, triple_key
from sro.mcts.planner import Planner, PlannerParams
from sro.mcts.select import SelectParams
from sro.mcts.store import TreeStore
from sro.mcts.tree import EXPANDED, NEW, ResearchNode, node_id


def triple(s: str, p: str, o: str, score: float = 0.9) -> TripleInfo:
    return TripleInfo(triple_key(s, p, o), s, p, o, score, quote=f"{s} {p} {o}", doc_id="d1")


@pytest.fixture
def store(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    yield TreeStore(con)
    con.close()


def new_campaign(store: TreeStore, name: str = "c1", question: str = "Is solar economical?") -> Planner:
    root = ResearchNode(id=node_id(name, None, question), parent=None, question=question, depth=0)
    store.create_campaign(name, question, "generic", "{}", root)
    return Planner(store, store.load(name), PlannerParams(select=SelectParams(max_depth=3), children=3))


def test_node_ids_are_deterministic():
    assert node_id("c", "p", "What about batteries?") == node_id("c", "p", "what about batteries?")
    assert node_id("c", "p", "a") != node_id("c", "q", "a")


def test_round_trip_and_derived_stats(tmp_path, store):
    planner = new_campaign(store)
    root = planner.select()
    assert root is planner.tree.root and root.busy and root.virtual == 1
    exp = Expansion(answer="pays back in 8 years", accepted=[triple("system", "paybackPeriod", "8 years")],
                    candidates=3, rejected=2, cost_usd=0.01)
    kids = planner.complete(root, exp, [Proposal("What does a battery add?", 0.6, "ceo"),
                                        Proposal("What are maintenance costs?", 0.3, "ceo"),
                                        Proposal("what does a battery add", 0.9, "ceo")], 1.5)
    assert [k.question for k in kids] == ["What does a battery add?", "What are maintenance costs?"]
    child = planner.select()
    assert child.question == "What does a battery add?"  # PUCT: the higher prior first
    planner.complete(child, Expansion(accepted=[triple("battery", "adds", "backup", 0.7),
                                                triple("system", "paybackPeriod", "8 years")]), [], 0.5)

    again = TreeStore(store.con).load("c1")
    assert len(again) == 3
    r, c = again.root, again.nodes[child.id]
    assert r.status == EXPANDED and r.visits == 2 and c.visits == 1
    assert r.value_sum == pytest.approx(root.reward + child.reward)
    assert c.novel == 1 and c.accepted == 2  # the payback triple was already seen at the root
    assert again.nodes[kids[1].id].status == NEW and again.nodes[kids[1].id].prior == 0.3
    assert store.seen_keys("c1") == {triple("system", "paybackPeriod", "8 years").key,
                                     triple("battery", "adds", "backup").key}


def test_commit_is_atomic(store):
    planner = new_campaign(store)
    root = planner.select()
    bad = TripleInfo("k", "s", "p", "o", score="not a number")  # type: ignore[arg-type]
    with pytest.raises(Exception):  # the seen row fails inside the transaction, after result and child rows
        planner.complete(root, Expansion(accepted=[bad]), [Proposal("child question here?")], 0.1)
    fresh = store.load("c1")
    assert len(fresh) == 1 and fresh.root.status == NEW  # neither the result nor the child was kept
    assert store.seen_keys("c1") == set()


def test_failed_expansion_gets_zero_reward_and_no_children(store):
    planner = new_campaign(store)
    root = planner.select()
    kids = planner.complete(root, Expansion(errors=["LLMError: 500"]), [Proposal("a child question?")], 0.1)
    assert kids == [] and root.status == "failed" and root.reward == 0.0
    assert planner.select() is None  # nothing left to expand


def test_children_respect_max_depth(store):
    planner = new_campaign(store)
    planner.params = PlannerParams(select=SelectParams(max_depth=0), children=3)
    root = planner.select()
    assert planner.complete(root, Expansion(answer="x"), [Proposal("deeper question?")], 0.1) == []


def test_background_writer_keeps_the_database_a_prefix_and_reports_errors(tmp_path, store):
    from sro.mcts.store import write_commits
    from sro.mcts.writer import CommitWriter

    planner = new_campaign(store)
    writer_con = store.con.cursor()
    planner.writer = CommitWriter(lambda commits: write_commits(writer_con, commits))
    for step in range(30):
        node = planner.select()
        facts = [triple("s", "p", f"o{step}-{i}") for i in range(3)]  # 3 rows per commit: groups go via NDJSON
        planner.complete(node, Expansion(answer=f"a{step}", accepted=facts, candidates=3),
                         [Proposal(f"q{step}.{i}?", 0.5) for i in range(3)], 0.0)
    planner.writer.flush()
    again = TreeStore(store.con).load("c1")
    assert len(again) == len(planner.tree) and again.root.visits == 30
    assert {n.id: n.answer for n in again if n.answer} == {n.id: n.answer for n in planner.tree if n.answer}
    assert len(store.seen_keys("c1")) == 90

    from sro.mcts.store import Commit

    key = next(iter(store.seen_keys("c1")))  # a key already stored: the group's transaction must fail
    leaf = next(n for n in planner.tree if n.status == NEW)
    planner.writer.submit(Commit(result=("c1", leaf.id, "expanded", 0.5, 1, 0, 1, 1, 0.0, 0, 0, "x", "{}", None,
                                         None, 0.0, 1.0), seen=[("c1", key, leaf.id, "s", "p", "o", 0.9, "d1")]))
    with pytest.raises(Exception):
        planner.writer.flush()
    assert TreeStore(store.con).load("c1").root.visits == 30  # the failed group left nothing behind


