"""Faults with real components: a worker that fails every call, a budget that runs out mid-node, and a
scripted CEO driving real RLM sessions (loopback server, real litellm HTTP path)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from sro.campaign.runner import CampaignRunner
from sro.campaign.spec import parse_spec
from sro.mcts.store import TreeStore
from sro.workspace import Workspace
from tests.support.campaign_corpus import ingest_solar
from tests.support.scripted_models import role_overrides, script_server

os.environ.setdefault("SRO_TEST_KEY", "sk-test-not-a-real-key")


def spec(**over):
    data = {"name": "f", "question": "Is home solar economical?", "datasets": ["solar"],
            "pipeline": "solar_reddit", "budgets": {"max_nodes": 4, "max_depth": 2},
            "mcts": {"parallel": 1, "children": 2}, "outputs": {"graphml": False}}
    data.update(over)
    return parse_spec(data)


def open_ws(path, overrides):
    ws = Workspace.open(path, overrides)
    ingest_solar(ws)
    return ws


def test_worker_failing_every_call_ends_cleanly_with_errors_and_report(tmp_path, llm_server):
    llm_server.add(None, "upstream overloaded", status=500)
    ws = open_ws(tmp_path / "ws", role_overrides(llm_server, ("worker",)))
    try:
        summary = asyncio.run(CampaignRunner(ws, spec(mcts={"parallel": 1, "max_failures": 2}),
                                             handle_signals=False).run())
    finally:
        ws.close()
    assert summary.stopped_reason == "errors"
    assert summary.nodes_expanded == 1 and summary.accepted == 0  # a failed root has no children to try
    assert any("extraction failed" in e or "500" in e for e in summary.errors)
    assert llm_server.count() >= 2  # the worker really was called (and failed)
    md = (tmp_path / "ws" / "runs" / "f" / "report.md").read_text()
    assert "## Errors" in md and "stopped: **errors**" in md and "(1 failed)" in md


def test_budget_running_out_mid_node_keeps_the_partial_node_and_resumes(tmp_path, llm_server):
    script_server(llm_server, root_turns=3)  # search / extract / FINAL: three CEO calls per node
    path = tmp_path / "ws"
    ws = open_ws(path, role_overrides(llm_server, ("ceo",)))
    try:
        summary = asyncio.run(CampaignRunner(ws, spec(budgets={"calls": 2, "max_nodes": 4}),
                                             handle_signals=False).run())
        root = TreeStore(ws.db).load("f").root
    finally:
        ws.close()
    assert summary.stopped_reason == "budget_calls"
    assert summary.llm_calls == 2 == llm_server.count()  # the third call was refused before it was sent
    assert summary.nodes_expanded == 1 and root.findings["forced"] is True
    assert summary.accepted > 0  # the triples of the extract turn before the budget ran out are kept
    first_accepted = summary.accepted

    ws = Workspace.open(path, role_overrides(llm_server, ("ceo",)))
    try:
        again = asyncio.run(CampaignRunner(ws, spec(budgets={"calls": 8, "max_nodes": 4}), resume=True,
                                           handle_signals=False).run())
    finally:
        ws.close()
    assert again.stopped_reason in ("budget_calls", "max_nodes")
    assert again.llm_calls <= 8 and again.accepted >= first_accepted
    assert llm_server.count(r"Question: Is home solar economical\?") == 2  # root turns were not re-sent


def test_scripted_ceo_plans_with_priors_and_writes_the_answer(tmp_path, llm_server):
    script_server(llm_server)
    ws = open_ws(tmp_path / "ws", role_overrides(llm_server))
    try:
        summary = asyncio.run(CampaignRunner(ws, spec(mcts={"parallel": 1, "children": 3}), handle_signals=False).run())
        tree = TreeStore(ws.db).load("f")
        from sro.rlm.notes import NotesStore

        cur = ws.db.cursor()
        memory = NotesStore(lambda: cur, "f")
        findings = [k for k in memory.keys() if k.startswith("finding:")]
        first = memory.get(findings[0])[1] if findings else None
    finally:
        ws.close()
    assert summary.stopped_reason == "max_nodes" and summary.nodes_expanded == 4
    kids = [tree.nodes[c] for c in tree.root.children]
    ceo_kids = [k for k in kids if k.source == "ceo"]  # besides the pipeline's fixed template questions
    assert ceo_kids and all(k.prior in (0.7, 0.5, 0.3) for k in ceo_kids)
    assert all(k.source in ("ceo", "template") for k in kids)
    assert llm_server.count(r"\[passage 0\]") > 0  # the worker extracted through the real LLM path
    # research memory: each committed node's finding is in the campaign's notes for later sessions
    remembered = [n for n in tree if n.status == "expanded" and (n.answer or n.accepted)]
    assert len(findings) == len(remembered) >= 1 and first["answer"].startswith("scripted answer")
    md = (tmp_path / "ws" / "runs" / "f" / "report.md").read_text()
    assert summary.accepted > 0
    assert "Scripted synthesis" in md  # the CEO wrote the answer from the graph's facts
    answer = json.loads((tmp_path / "ws" / "runs" / "f" / "report.json").read_text())["answer"]
    assert "[999]" not in answer["text"] and "removed a sentence" in answer["notes"][0]  # markers are checked
    synthesis = [r for r in llm_server.requests if "Answer the question first, directly" in str(r)]
    assert len(synthesis) == 1 and "[1]" in str(synthesis[0])  # numbered citations from the graph were given


def test_ceo_failing_every_call_ends_with_errors_not_an_empty_success(tmp_path, llm_server):
    llm_server.add(None, "upstream overloaded", status=500)
    ws = open_ws(tmp_path / "ws", role_overrides(llm_server, ("ceo",)))
    try:
        summary = asyncio.run(CampaignRunner(ws, spec(), handle_signals=False).run())
    finally:
        ws.close()
    assert summary.stopped_reason == "errors" and summary.accepted == 0
    assert any("no final answer" in e for e in summary.errors)


def test_parallel_expansions_share_the_workspace_safely(tmp_path, llm_server):
    """K=3 sessions run at once; each extracts through the shared workspace without errors."""
    script_server(llm_server)
    ws = open_ws(tmp_path / "ws", role_overrides(llm_server))
    try:
        runner = CampaignRunner(ws, spec(mcts={"parallel": 3, "children": 3}), handle_signals=False)
        summary = asyncio.run(runner.run())
    finally:
        ws.close()
    assert summary.nodes_expanded >= 4
    assert not summary.errors, summary.errors
    assert summary.accepted > 0
