"""The planner's view of what the graph lacks: the question's predicates, the reward for new on-question
evidence, gap proposals, and the look-ahead prior with its stopping rule."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb
import pytest

from pipelines import load_pipeline
from sro.mcts.expand import Expansion, Proposal, TripleInfo, triple_key
from sro.mcts.gaps import Focus, Ledger, gap_proposals
from sro.mcts.lookahead import MAX_CUES, Cues, Lookahead, preview, prior_of
from sro.mcts.planner import Planner, PlannerParams
from sro.mcts.reward import RewardWeights, compute_reward, tally
from sro.mcts.select import SelectParams
from sro.mcts.store import TreeStore
from sro.mcts.tree import ResearchNode, node_id

ROOT_Q = "Is a home solar installation economical?"


def fact(predicate: str, obj: str, doc: str, subject: str = "this installation") -> TripleInfo:
    return TripleInfo(triple_key(subject, predicate, obj), subject, predicate, obj, 0.9, doc_id=doc)


@pytest.fixture(scope="module")
def focus() -> Focus:
    return Focus.of(load_pipeline("solar_reddit"))


def test_a_question_turns_on_the_predicates_it_names_else_on_all(focus):
    assert focus.turns_on("What payback period do owners report?") == {"paybackPeriod"}
    assert focus.turns_on("What is the monthly electricity bill for PG&E?") >= {"monthlyBill"}
    assert focus.turns_on(ROOT_Q) == set(focus.vocab) and len(focus.vocab) > 20
    assert focus.turns_on("Who installed it?") == {"installedBy"}
    assert focus.turns_on("Which company did the install?") == set(focus.vocab)  # "install by" is a synonym
    assert "location" in focus.entity_valued and "systemCost" not in focus.entity_valued
    assert Focus.of(None).turns_on(ROOT_Q) == frozenset()


def reward(novel, question, ledger, focus, cost=0.0):
    evidence = tally(novel, focus.turns_on(question), ledger, RewardWeights())
    return compute_reward(evidence, scores=[t.score for t in novel], cost_usd=cost)


def test_reward_values_new_on_question_evidence_from_new_documents(focus):
    ledger = Ledger()
    ledger.add([fact("systemCost", f"{i}", "d1") for i in range(9)], focus)
    q = "What payback period and system cost do owners report?"
    on_new = reward([fact("paybackPeriod", "8", "d2"), fact("paybackPeriod", "9", "d3")], q, ledger, focus)
    off_new = reward([fact("hasBattery", "PW3", "d2"), fact("hasBattery", "PW2", "d3")], q, ledger, focus)
    on_old_doc = reward([fact("paybackPeriod", "8", "d1"), fact("paybackPeriod", "9", "d1")], q, ledger, focus)
    thick = reward([fact("systemCost", "20000", "d2"), fact("systemCost", "30000", "d3")], q, ledger, focus)
    assert on_new.total > off_new.total and on_new.total > on_old_doc.total
    assert on_new.gap == 1.0 and thick.gap == 0.0 and on_new.total > thick.total  # a thin predicate filled
    assert on_old_doc.docs == 0.0 < on_new.docs
    assert reward([], q, ledger, focus).total == 0.0
    assert reward([fact("paybackPeriod", "8", "d2")], q, ledger, focus, cost=10.0).total == 0.0
    flood = [fact("paybackPeriod", str(i), f"n{i}") for i in range(500)]
    assert 0.98 < reward(flood, q, Ledger(), focus).total <= 1.0


def test_a_pipeline_without_predicates_counts_every_fact_as_on_question():
    evidence = tally([fact("anything", "x", "d1")], frozenset(), Ledger(), RewardWeights())
    assert evidence.facts == 1.0 and evidence.docs == 1 and evidence.gap == 1.0


def test_gap_proposals_ask_for_thin_predicates_and_entities_lacking_them(focus):
    ledger = Ledger()
    ledger.add([fact("location", "California", "d1"), fact("systemCost", "30000", "d1"),
                fact("location", "Texas", "d2")] + [fact("systemCost", str(i), f"c{i}") for i in range(5)], focus)
    props = gap_proposals(focus, ledger, "What system cost and payback period do owners report?")
    questions = [p.question for p in props]
    assert questions[0] == "What payback period do the sources report?"  # thinnest first
    assert "What is the payback period for California?" in questions
    assert "What is the system cost for Texas?" in questions
    assert "What is the system cost for California?" not in questions  # d1 already has it
    assert all(p.prior is None and p.source == "gap" for p in props)


class FakeSearch:
    def __init__(self, passages: dict[str, dict[str, float]]):
        self.passages, self.asked = passages, []

    def __call__(self, question: str) -> dict[str, float] | None:
        self.asked.append(question)
        return self.passages.get(question)


def test_lookahead_prior_grows_with_unread_passages_and_their_cues_and_merges_reworded_questions():
    search = FakeSearch({"What is the payback period for Texas?": {"a": 1, "b": 1, "c": 2, "d": 2},
                         "What is the system cost for Texas?": {"a": 1, "x": 4}, "Nothing found?": {}})
    ledger = Ledger(read={"a", "b"})
    ranked = Lookahead(search, ledger).rank([
        Proposal("What is the system cost for Texas?"), Proposal("What is the payback period for Texas?"),
        Proposal("Texas: what is the payback period?"), Proposal("Nothing found?"),
        Proposal("A CEO question?", 0.3, "ceo"), Proposal("Unknown to search?")])
    four_unread = prior_of({"x": 4}, set())  # 1 - exp(-4/12)
    assert four_unread == pytest.approx(0.2835, abs=1e-4) and prior_of({"x": 1}, set()) < four_unread
    assert [(p.question, p.prior) for p in ranked] == [  # ties keep the given order
        ("A CEO question?", 0.3), ("What is the system cost for Texas?", four_unread),
        ("What is the payback period for Texas?", four_unread), ("Nothing found?", 0.0),
        ("Unknown to search?", None)]
    assert "A CEO question?" not in search.asked  # a model's prior is kept


def test_cues_count_the_pipelines_patterns_in_a_passage():
    cues = Cues.of(load_pipeline("solar_reddit"))
    rich = SimpleNamespace(chunk_id="c1", text="We paid $16,100 for a 8 kW system; payback period is 7 years.")
    bare = SimpleNamespace(chunk_id="c2", text="The crew was friendly and the roof looks fine.")
    assert cues.value(rich) > cues.value(bare) == 1.0
    assert cues.value(rich) <= 1.0 + MAX_CUES and Cues.of(None).value(rich) == 1.0


def test_stale_priors_are_rescored_and_the_stopping_rule_skips_them():
    con = duckdb.connect(":memory:")
    store = TreeStore(con)
    root = ResearchNode(id=node_id("c", None, ROOT_Q), parent=None, question=ROOT_Q, depth=0)
    store.create_campaign("c", ROOT_Q, "solar_reddit", "{}", root)
    planner = Planner(store, store.load("c"), PlannerParams(select=SelectParams(min_gain=0.25), children=4))
    search = FakeSearch({"What is the system cost for Texas?": {"t1": 4, "t2": 4},
                         "Which inverters fail?": {"i1": 4, "i2": 3}})
    look = Lookahead(search, planner.ledger)
    proposals = look.rank([Proposal("What is the system cost for Texas?"), Proposal("Which inverters fail?")])
    planner.complete(planner.select(), Expansion(answer="a", candidates=1), proposals, 0.0)
    look.refresh(planner.tree)
    first = planner.select()
    assert first.question == "What is the system cost for Texas?" and first.prior == prior_of({"t": 8}, set())
    planner.abandon(first)
    planner.ledger.read.update({"t1", "t2"})  # a sibling read those passages meanwhile
    look.refresh(planner.tree)
    assert first.prior == 0.0
    again = planner.select()
    assert again.question == "Which inverters fail?"  # the stale one is below min_gain
    planner.abandon(again)
    planner.ledger.read.update({"i2"})
    look.refresh(planner.tree)
    assert again.prior == prior_of({"i1": 4}, set()) > 0.25 and planner.select() is again
    planner.abandon(again)
    planner.ledger.read.update({"i1"})
    look.refresh(planner.tree)
    assert planner.select() is None  # nothing is expected to reach unread material: the campaign stops
    con.close()


def test_near_duplicate_questions_are_merged_not_expanded_again():
    con = duckdb.connect(":memory:")
    store = TreeStore(con)
    root = ResearchNode(id=node_id("c", None, ROOT_Q), parent=None, question=ROOT_Q, depth=0)
    store.create_campaign("c", ROOT_Q, "generic", "{}", root)
    planner = Planner(store, store.load("c"), PlannerParams(children=4))
    children = planner.complete(planner.select(), Expansion(answer="a", candidates=1), [
        Proposal("What does a Powerwall cost?"), Proposal("How much does a Powerwall cost?"),
        Proposal("What do inverters cost?")], 0.0)
    assert [c.question for c in children] == ["What does a Powerwall cost?", "What do inverters cost?"]
    con.close()


def test_planner_ledger_counts_novel_facts_per_predicate_and_document(focus):
    con = duckdb.connect(":memory:")
    store = TreeStore(con)
    root = ResearchNode(id=node_id("c", None, ROOT_Q), parent=None, question=ROOT_Q, depth=0)
    store.create_campaign("c", ROOT_Q, "solar_reddit", "{}", root)
    planner = Planner(store, store.load("c"), PlannerParams(), focus=focus)
    found = [fact("paybackPeriod", "8", "d1"), fact("location", "Texas", "d2")]
    planner.complete(planner.select(), Expansion(answer="a", accepted=found + found[:1], candidates=3), [], 0.0)
    assert planner.ledger.per_predicate == {"paybackPeriod": 1, "location": 1}
    assert planner.ledger.docs == {"d1", "d2"} and planner.ledger.entity_docs["Texas"] == {"d2"}
    assert planner.tree.root.findings["reward"]["docs"] > 0
    planner.writer.flush()
    resumed = Planner(store, store.load("c"), PlannerParams(), focus=focus)  # rebuilt from mcts_seen
    assert resumed.ledger == planner.ledger
    con.close()


def test_preview_reads_the_passages_that_use_most_question_terms(workspace):
    from sro.data.models import Document

    texts = ["The payback period was 8 years in Texas.", "Texas is hot.", "Payback of our panels took ages.",
             "Unrelated post about cats."]
    workspace.datasets.add_documents("d", [Document(id=f"d:{i}", dataset="d", source_uri=f"x:{i}", text=t)
                                           for i, t in enumerate(texts)])
    ds = workspace.datasets.dataset("d")
    read = [h.doc_id for h in preview([ds], "payback in Texas?", ["payback", "texas"])]
    assert read[0] == "d:0" and set(read) == {"d:0", "d:1", "d:2"}  # both terms first; the cat post never
