"""API keys never reach logs, the ledger, the cache, errors or `sro models` output."""

from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from sro.commands.cli import app
from sro.errors import LLMError
from sro.workspace import Workspace

SECRET = "sk-LEAKCHECK-5b7e2f9c0d"


@pytest.mark.parametrize("transport", ["litellm", "direct"])
def test_key_never_leaks(transport, tmp_path, llm_server, monkeypatch, caplog, capsys):
    monkeypatch.setenv("SRO_TEST_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    # providers sometimes echo the key in their error text; retried errors get logged
    llm_server.add(r"echo-key-500", f"upstream failed for key {SECRET}", status=500, times=1)
    llm_server.add(r"echo-key-401", f"Incorrect API key provided: {SECRET}", status=401)
    root = tmp_path / "ws"
    w = Workspace.open(root, {"worker": llm_server.role(retry_base_s=0.01, transport=transport)})
    try:
        w.llm.complete("worker", "echo-key-500 then fine")
        with pytest.raises(LLMError) as err:
            w.llm.complete("worker", "echo-key-401")
        assert SECRET not in str(err.value) and "***" in str(err.value)
        w.llm.complete("worker", "plain")
        w.llm.flush()
        assert llm_server.request_headers[0]["Authorization"] == f"Bearer {SECRET}"  # it was really used
        tables = {t: w.db.execute(f"SELECT * FROM {t}").fetchall() for t in ("llm_calls", "llm_cache")}
        assert tables["llm_calls"] and tables["llm_cache"]
        for table, rows in tables.items():
            assert SECRET not in repr(rows), f"key found in {table}"
    finally:
        w.close()
    assert "retry 1/4" in caplog.text  # the retry was logged ...
    assert SECRET not in caplog.text  # ... without the key
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err

    runner = CliRunner()
    env = {"SRO_WORKER_MODEL": "openai/test-worker", "SRO_WORKER_API_KEY_ENV": "SRO_TEST_KEY"}
    for args in (["models", "--json"], ["models"], ["costs", "--json"]):
        result = runner.invoke(app, ["-w", str(root), *args], env=env)
        assert result.exit_code == 0, result.output
        assert SECRET not in result.output
    rows = json.loads(runner.invoke(app, ["-w", str(root), "models", "--json"], env=env).output)["roles"]
    worker = next(r for r in rows if r["role"] == "worker")
    assert worker["api_key_env"] == "SRO_TEST_KEY" and worker["api_key_set"] is True
