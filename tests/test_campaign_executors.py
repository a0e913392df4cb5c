"""A campaign spec's `executor:` (sro.triples.pool): an offline campaign whose RLM sessions' extract_triples
run on a pool of local processes stores exactly what the same campaign stores with the local executor (the
same candidates, verdicts, scores and campaign/node tags, finished chunks and graph quads); the executor is
started once, closed at the end, and a start failure stops the campaign with its reason; `sro run` flags win
over the spec, which wins over sro.toml, field by field; bad values and a worker model are refused before
anything is stored. The Ray variant is in test_extract_executors.py (it shares that module's cluster)."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from sro.campaign.runner import CampaignRunner
from sro.campaign.spec import parse_spec
from sro.commands.cli import app
from sro.errors import CampaignError, ConfigError
from sro.triples import executors, pool
from sro.workspace import Workspace
from tests.support.campaign_corpus import ingest_solar, offline_campaign, stored_facts

SPEC = """name: c
question: Is home solar economical?
datasets: [solar]
pipeline: solar_reddit
offline: true
budgets: {max_nodes: 3, max_depth: 2}
mcts: {parallel: 1, children: 3}
outputs: {report: false}
executor: {kind: ray, workers: 1}
"""


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> dict:
    """What the campaign stores with the local executor (the default)."""
    path = tmp_path_factory.mktemp("local") / "ws"
    summary = offline_campaign(path)
    facts = stored_facts(path)
    assert summary.errors == [] and summary.nodes_expanded == 3 and summary.accepted > 0
    assert {row[6:] for row in facts["judged"]} == {("c", n) for n in {row[7] for row in facts["judged"]}}
    assert len({row[7] for row in facts["judged"]}) > 1 and all(row[7] for row in facts["judged"])
    return facts


@pytest.fixture
def spied(monkeypatch) -> dict:
    """Counts the batches stored from the workers' records and the executors started and closed."""
    seen = {"stored": [], "started": [], "closed": 0}
    store, start = executors.PreparedStage.run_prepared, pool.make_executor

    async def run_prepared(self, chunks, records, **tags):
        seen["stored"].append(len(chunks))
        return await store(self, chunks, records, **tags)

    def make_executor(kind, **kw):
        made = start(kind, **kw)
        seen["started"].append((kind, kw))
        close = made.close

        def closing() -> None:
            seen["closed"] += 1
            close()

        made.close = closing
        return made

    monkeypatch.setattr(executors.PreparedStage, "run_prepared", run_prepared)
    monkeypatch.setattr(pool, "make_executor", make_executor)
    return seen


def test_processes_campaign_stores_what_local_stores(local, spied, tmp_path):
    summary = offline_campaign(tmp_path / "ws", {"kind": "processes", "batch_chunks": 2, "workers": 2})
    assert summary.errors == [] and summary.stopped_reason == "max_nodes"
    assert stored_facts(tmp_path / "ws") == local
    # one executor for the run, closed at its end; the sessions' calls went to it in 2-chunk batches
    assert [kind for kind, _ in spied["started"]] == ["processes"] and spied["closed"] == 1
    assert max(spied["stored"]) == 2 and sum(spied["stored"]) >= len(local["done"])


def test_parallel_sessions_share_the_executor(spied, tmp_path):
    """K = 2 sessions on one loop hand their batches to one pool; the facts are a local run's (the nodes two
    sessions both read are tagged by whichever stored first, so tags are left out here)."""
    def accepted(path) -> set:
        return {row[3:6] for row in stored_facts(path)["judged"] if row[1] == "accepted"}

    offline_campaign(tmp_path / "local", parallel=2)
    summary = offline_campaign(tmp_path / "procs", {"kind": "processes"}, parallel=2)
    assert summary.errors == [] and accepted(tmp_path / "procs") == accepted(tmp_path / "local")
    assert len(spied["started"]) == 1 and spied["closed"] == 1 and max(spied["stored"]) > 2


def test_an_executor_that_cannot_start_stops_the_campaign_once(tmp_path, monkeypatch):
    tried = []

    def unreachable(kind, **kw):
        tried.append(kind)
        raise ConfigError("cannot connect to Ray at 10.0.0.5:6379: unreachable")

    monkeypatch.setattr(pool, "make_executor", unreachable)
    summary = offline_campaign(tmp_path / "ws", {"kind": "ray", "ray_address": "10.0.0.5:6379"})
    assert summary.stopped_reason == "error" and tried == ["ray"]
    assert any("cannot connect to Ray at 10.0.0.5:6379" in e for e in summary.errors)


def test_a_worker_model_with_a_remote_executor_is_refused_before_anything_is_stored(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "make_executor", lambda *a, **k: pytest.fail("no executor may start"))
    spec = parse_spec({"name": "m", "question": "Is home solar economical?", "datasets": ["solar"],
                       "pipeline": "solar_reddit", "executor": {"kind": "processes"},
                       "models": {"worker": {"model": "openai/gpt-4o-mini", "api_key_env": "SRO_TEST_KEY"}}})
    with Workspace.open(tmp_path / "ws") as ws:
        ingest_solar(ws)
        with pytest.raises(ConfigError, match=r"offline only.*executor kind local.*--executor ray"):
            asyncio.run(CampaignRunner(ws, spec, handle_signals=False).run())
        assert ws.db.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'campaigns'").fetchone()[0] == 0


@pytest.mark.parametrize("executor, message", [
    ({"kind": "gpu"}, "executor: kind: Input should be 'local', 'processes' or 'ray'"),
    ({"kinds": "ray"}, "executor: unknown key(s) kinds; known: kind, ray_address, batch_chunks"),
    ({"batch_chunks": -2}, "executor: batch_chunks: Input should be greater than or equal to 0"),
    ("ray", "executor: Input should be a valid dictionary")])
def test_bad_executor_settings_are_clear_spec_errors(executor, message):
    with pytest.raises(CampaignError) as err:
        parse_spec({"question": "Is solar economical?", "datasets": ["d"], "executor": executor}, "s.yaml")
    assert str(err.value).startswith("s.yaml: invalid campaign spec:") and message in str(err.value)


def test_flags_win_over_the_spec_which_wins_over_sro_toml(local, spied, tmp_path):
    """sro.toml: processes in 2-chunk batches; the spec: ray with one worker; `--executor processes`: the
    flag's kind, the spec's workers, sro.toml's batch size."""
    ws = tmp_path / "ws"
    with Workspace.open(ws) as opened:
        ingest_solar(opened)
    (ws / "sro.toml").write_text('[executor]\nkind = "processes"\nbatch_chunks = 2\nworkers = 3\n')
    (tmp_path / "spec.yaml").write_text(SPEC)
    out = CliRunner().invoke(app, ["-w", str(ws), "run", str(tmp_path / "spec.yaml"), "--executor", "processes",
                                   "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["errors"] == []
    assert [(kind, kw["workers"]) for kind, kw in spied["started"]] == [("processes", 1)]
    assert max(spied["stored"]) == 2  # sro.toml's 2-chunk batches
    assert stored_facts(ws) == local
    bad = CliRunner().invoke(app, ["-w", str(ws), "run", str(tmp_path / "spec.yaml"), "--executor", "gpu"])
    assert isinstance(bad.exception, CampaignError) and "executor: kind" in str(bad.exception)
