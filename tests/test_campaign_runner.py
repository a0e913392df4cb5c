"""Runner mechanics on a real workspace DuckDB with a plain expander function (the expander is the
runner's pluggable interface; the RLM-backed one is exercised in test_campaign_rlm.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from sro.campaign.runner import CampaignRunner
from sro.campaign.spec import parse_spec
from sro.errors import BudgetExceeded, CampaignError
from sro.mcts.expand import Expansion, TripleInfo, triple_key
from sro.mcts.store import TreeStore

PIPELINE = ""
TOPICS = ["Powerwall", "Enphase", "SolarEdge", "Netmetering", "Warranty", "Inverter", "Battery", "Roofing"]


@pytest.fixture(autouse=True)
def pipeline_dir(tmp_path):
    """A tiny pipeline folder of its own, so these tests do not depend on a shipped pipeline."""
    folder = tmp_path / "pipe"
    folder.mkdir()
    (folder / "pipeline.yaml").write_text(
        "name: pipe\nquestion_templates: ['What do owners say about {term}?', 'What does it cost?']\n")
    globals()["PIPELINE"] = str(folder)
    return folder


def spec(**over):
    data = {"name": "t", "question": "Is solar economical?", "datasets": ["d"], "offline": True,
            "pipeline": PIPELINE,
            "budgets": {"max_nodes": 6, "max_depth": 3}, "mcts": {"parallel": 1, "children": 2},
            "outputs": {"report": False}}
    for key, value in over.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return parse_spec(data)


class TopicExpander:
    """Each question yields one fact per topic it mentions and evidence naming two fresh topics."""

    def __init__(self, delay: float = 0.0):
        self.delay, self.calls, self.running, self.peak = delay, [], 0, 0

    async def __call__(self, node, ctx):
        self.calls.append(node.question)
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.running -= 1
        i = len(self.calls)
        fresh = [TOPICS[i % len(TOPICS)], TOPICS[(i + 3) % len(TOPICS)]]
        evidence = [{"text": f"Owners of {t} systems talk about {t} often.", "doc_id": f"d{i}"} for t in fresh] * 2
        facts = [TripleInfo(triple_key("q", "mentions", w), "q", "mentions", w, 0.9, doc_id=f"d{i}")
                 for w in node.question.split()]
        return Expansion(answer=f"answer {i}", accepted=facts, candidates=len(facts) + 1, rejected=1,
                         evidence=evidence)


def run(ws, sp, expander, **kw):
    return asyncio.run(CampaignRunner(ws, sp, expander=expander, handle_signals=False, **kw).run())


def test_runs_until_max_nodes_and_persists(workspace):
    exp = TopicExpander()
    summary = run(workspace, spec(outputs={"report": True}), exp)
    assert summary.stopped_reason == "max_nodes"
    assert summary.nodes_expanded == 6 == len(exp.calls)
    assert summary.rejected == 6 and summary.accepted > 0
    tree = TreeStore(workspace.db).load("t")
    assert tree.root.visits == 6 and len(tree.expanded()) == 6
    assert len(set(exp.calls)) == 6  # no question expanded twice
    assert TreeStore(workspace.db).campaign("t")["stopped_reason"] == "max_nodes"
    run_dir = workspace.root / "runs" / "t"
    assert summary.report == str(run_dir / "report.md")
    md = (run_dir / "report.md").read_text()
    assert "Is solar economical?" in md and "max_nodes" in md and "## Research tree" in md
    assert md.count("— reward") == 6  # the expanded nodes; the others say "not explored"
    html = (run_dir / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "http" not in html.split("<body>")[0]
    import json

    import networkx as nx

    tree = json.loads((run_dir / "tree.json").read_text())
    assert tree["root"]["visits"] == 6 and tree["root"]["children"]
    graph = nx.read_graphml(run_dir / "tree.graphml")
    assert graph.number_of_nodes() == summary.nodes_total and graph.number_of_edges() == summary.nodes_total - 1


def test_parallel_expansions_overlap(workspace):
    exp = TopicExpander(delay=0.05)
    summary = run(workspace, spec(mcts={"parallel": 3}, budgets={"max_nodes": 7}), exp)
    assert summary.nodes_expanded == 7 and exp.peak == 3


def test_resume_continues_and_new_run_refuses_existing_name(workspace):
    exp = TopicExpander()
    run(workspace, spec(budgets={"max_nodes": 3}), exp)
    with pytest.raises(CampaignError, match="already exists"):
        run(workspace, spec(), exp)
    summary = run(workspace, spec(budgets={"max_nodes": 5}), exp, resume=True)
    assert summary.nodes_expanded == 5 and len(exp.calls) == 5 and summary.resumed
    with pytest.raises(CampaignError, match="nothing to resume"):
        run(workspace, spec(name="other"), exp, resume=True)


def test_failing_expansions_stop_cleanly_with_errors(workspace):
    async def broken(node, ctx):
        raise RuntimeError("worker returned HTTP 500")

    summary = run(workspace, spec(mcts={"max_failures": 1}), broken)
    assert summary.stopped_reason == "errors"
    assert any("HTTP 500" in e for e in summary.errors)
    row = TreeStore(workspace.db).campaign("t")
    assert row["status"] == "stopped" and "HTTP 500" in row["errors_json"]


def test_budget_refusal_mid_node_leaves_the_node_for_resume(workspace):
    calls = {"n": 0}

    async def budgeted(node, ctx):
        calls["n"] += 1
        if calls["n"] == 2:
            raise BudgetExceeded("calls budget of campaign t exhausted (10 of 10)", kind="calls")
        return await TopicExpander()(node, ctx)

    summary = run(workspace, spec(), budgeted)
    assert summary.stopped_reason == "budget_calls" and summary.nodes_expanded == 1
    tree = TreeStore(workspace.db).load("t")
    assert sum(1 for n in tree if n.status == "new") >= 1  # the refused node is still to do
    again = run(workspace, spec(budgets={"max_nodes": 3}), TopicExpander(), resume=True)
    assert again.nodes_expanded == 3


def test_wall_time_and_interrupt_stop_in_flight_work(workspace):
    slow = TopicExpander(delay=30)
    summary = run(workspace, spec(budgets={"wall_time_s": 0.3}), slow)
    assert summary.stopped_reason == "wall_time" and summary.nodes_expanded == 0
    assert TreeStore(workspace.db).load("t").root.status == "new"

    async def interrupted():
        runner = CampaignRunner(workspace, spec(name="u"), expander=TopicExpander(delay=30), handle_signals=False)
        task = asyncio.create_task(runner.run())
        await asyncio.sleep(0.3)
        runner.request_stop()
        return await task

    result = asyncio.run(interrupted())
    assert result.stopped_reason == "interrupted" and result.nodes_expanded == 0


def test_status_and_report_commands_and_live_view(workspace):
    from rich.console import Console
    from typer.testing import CliRunner as TyperRunner

    from sro.campaign.live import render
    from sro.commands.cli import app

    runner = CampaignRunner(workspace, spec(), expander=TopicExpander(), handle_signals=False)
    summary = asyncio.run(runner.run())
    console = Console(record=True, width=120)
    console.print(render(runner))
    text = console.export_text()
    assert "expanded 6" in text and "best branch" in text and "unlimited" in text and "top branches" in text
    root = str(workspace.root)
    workspace.close()  # the CLI opens the workspace itself

    cli = TyperRunner()
    listed = cli.invoke(app, ["--workspace", root, "status", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert rows[0]["campaign"] == "t" and rows[0]["nodes_expanded"] == summary.nodes_expanded
    assert rows[0]["status"] == "stopped" and rows[0]["stopped_reason"] == "max_nodes"
    one = json.loads(cli.invoke(app, ["--workspace", root, "status", "t", "--json"]).stdout)
    assert one["best_branch"][0] == "Is solar economical?"
    report = cli.invoke(app, ["--workspace", root, "report", "t", "--json"])
    assert report.exit_code == 0, report.output
    printed = json.loads(report.stdout)
    assert set(printed) >= {"question", "answer", "citations", "facts_total", "paths"}
    assert printed["answer"]["mode"] == "computed" and Path(printed["paths"]["html"]).is_file()
    missing = cli.invoke(app, ["--workspace", root, "report", "nope"])
    assert missing.exit_code != 0 and "unknown campaign 'nope'" in str(missing.exception or missing.output)


def test_campaign_budgets_go_to_the_client_scope_not_the_shared_settings(workspace):
    before = workspace.settings.budgets
    runner = CampaignRunner(workspace, spec(budgets={"calls": 3, "usd": 0.5}), expander=TopicExpander(),
                            handle_signals=False)
    asyncio.run(runner.run())
    assert workspace.settings.budgets == before  # written nowhere shared
    scope = runner.llm._chain[0]
    assert scope.name == "campaign t" and (scope.limits.calls, scope.limits.usd) == (3, 0.5)


def test_flags_the_workspace_was_opened_with_override_the_spec(tmp_path, pipeline_dir):
    """`sro run` opens the workspace with the spec's models and the --*-model flags on top; the runner does not
    merge the spec over them a second time (flags override the spec), and fills in what nobody set."""
    from sro.workspace import Workspace

    ws = Workspace.open(tmp_path / "flags", {"worker": {"model": "openai/flag"}})
    try:
        runner = CampaignRunner(ws, spec(offline=False, models={"worker": {"model": "openai/spec"},
                                                                "judge": {"model": "openai/judge"}}),
                                expander=TopicExpander(), handle_signals=False)
        runner._apply_settings()
        assert ws.settings.worker.model == "openai/flag" and ws.settings.judge.model == "openai/judge"
    finally:
        ws.close()
