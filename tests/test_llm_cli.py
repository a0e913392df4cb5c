"""`sro models`, `sro models check`, `sro costs`, `sro cache` against the loopback server."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sro.commands.cli import app
from sro.workspace import Workspace

runner = CliRunner()


def _env(server, **extra):
    return {"SRO_WORKER_MODEL": "openai/test-worker", "SRO_WORKER_BASE_URL": server.base_url,
            "SRO_WORKER_API_KEY_ENV": "SRO_TEST_KEY", "SRO_TEST_KEY": "sk-cli", **extra}


def _run(root, server, *args, **extra):
    return runner.invoke(app, ["-w", str(root), *args], env=_env(server, **extra))


def test_models_shows_resolved_roles_and_cli_flag_wins(tmp_path, llm_server):
    res = runner.invoke(app, ["-w", str(tmp_path), "--ceo-model", "anthropic/claude-x", "models", "--json"],
                        env=_env(llm_server))
    assert res.exit_code == 0, res.output
    roles = {r["role"]: r for r in json.loads(res.output)["roles"]}
    assert roles["ceo"]["model"] == "anthropic/claude-x" and roles["ceo"]["provider"] == "anthropic"
    assert roles["worker"]["base_url"] == llm_server.base_url and roles["judge"]["offline"] is True
    # the default transport setting "auto" resolves to "direct" for an OpenAI-compatible base_url
    assert (roles["worker"]["transport_setting"], roles["worker"]["transport"]) == ("auto", "direct")
    assert roles["ceo"]["transport"] == "litellm"


def test_models_check_reports_latency_or_provider_error(tmp_path, llm_server):
    llm_server.add(r"single word OK", "OK")
    res = _run(tmp_path, llm_server, "models", "check", "--json")
    assert res.exit_code == 0, res.output
    rows = {r["role"]: r for r in json.loads(res.output)}
    assert rows["worker"]["ok"] is True and rows["worker"]["latency_ms"] > 0
    assert rows["ceo"]["ok"] is None and "offline" in rows["ceo"]["error"]
    llm_server.reset()
    llm_server.default("invalid key", status=401)
    res = _run(tmp_path, llm_server, "models", "check", "--json")
    assert res.exit_code == 3  # a configuration problem (ExitCode.CONFIG)
    worker = next(r for r in json.loads(res.output) if r["role"] == "worker")
    assert worker["ok"] is False and "HTTP 401" in worker["error"] and "invalid key" in worker["error"]
    assert "authentication failed" in worker["error"] and worker["config"] is True
    assert llm_server.count() == 1  # no retries, no cache for a check
    res = _run(tmp_path, llm_server, "models", "check", "--json", SRO_TEST_KEY="")
    worker = next(r for r in json.loads(res.output) if r["role"] == "worker")
    assert res.exit_code == 3 and "its API key variable SRO_TEST_KEY is not set" in worker["error"]
    assert llm_server.count() == 1  # nothing sent without a key
    llm_server.default("overloaded", status=503)
    res = _run(tmp_path, llm_server, "models", "check", "--json")
    worker = next(r for r in json.loads(res.output) if r["role"] == "worker")
    assert res.exit_code == 1 and worker["config"] is False


def test_costs_and_cache_commands(tmp_path, llm_server):
    with Workspace.open(tmp_path, {"worker": llm_server.role(), "judge": llm_server.role("openai/j")}) as ws:
        view = ws.llm.scoped(campaign="c1")
        view.complete("worker", "a")
        view.complete("worker", "a")
        ws.llm.complete("judge", "b")
    res = _run(tmp_path, llm_server, "costs", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    rows = {r["role"]: r for r in data["by_role_model"]}
    assert rows["worker"]["calls"] == 1 and rows["worker"]["cache_hits"] == 1 and rows["judge"]["calls"] == 1
    assert data["total"]["calls"] == 2
    only = json.loads(_run(tmp_path, llm_server, "costs", "--campaign", "c1", "--json").output)
    assert [r["role"] for r in only["by_role_model"]] == ["worker"]
    assert "LLM costs" in _run(tmp_path, llm_server, "costs").output
    stats = json.loads(_run(tmp_path, llm_server, "cache", "stats", "--json").output)
    assert stats["entries"] == 2
    assert json.loads(_run(tmp_path, llm_server, "cache", "clear", "--json").output) == {"removed": 2}
    res = runner.invoke(app, ["-w", str(tmp_path), "--no-cache", "models", "--json"], env=_env(llm_server))
    assert json.loads(res.output)["cache"] is False


def test_models_check_names_a_missing_key_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    (tmp_path / "ws").mkdir()
    out = runner.invoke(app, ["--workspace", str(tmp_path / "ws"), "--worker-model", "openai/gpt-4o-mini",
                              "models", "check", "--json"])
    row = next(r for r in json.loads(out.stdout) if r["role"] == "worker")
    assert row["ok"] is False and "OPENAI_API_KEY" in row["error"] and "not set" in row["error"], row
