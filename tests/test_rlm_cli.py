"""`sro sandbox` and `sro rlm` through the real CLI (offline: no model configured)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sro.commands.cli import app
from sro.data.models import Document
from sro.workspace import Workspace

runner = CliRunner()


def test_sandbox_command_json_and_exit_codes(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("import math\nvalues = [math.sqrt(n) for n in range(5)]\nprint(sum(values))\n")
    out = runner.invoke(app, ["sandbox", str(good), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["ok"] and data["error"] is None and data["stdout"].startswith("6.14")

    bad = tmp_path / "bad.py"
    bad.write_text("import os\nprint(os.environ)\n")
    out = runner.invoke(app, ["sandbox", str(bad), "--json"])
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    assert not data["ok"] and "import of 'os' is not allowed" in data["error"] and data["stdout"] == ""


def test_sandbox_command_timeout(tmp_path):
    loop = tmp_path / "loop.py"
    loop.write_text("while True:\n    pass\n")
    out = runner.invoke(app, ["sandbox", str(loop), "--timeout", "1", "--json"])
    assert out.exit_code == 1 and "TimeoutError" in json.loads(out.stdout)["error"]


def test_rlm_command_offline_json(tmp_path, monkeypatch):
    root = tmp_path / "ws"
    for name in ("SRO_CEO_MODEL", "SRO_WORKER_MODEL", "SRO_JUDGE_MODEL"):
        monkeypatch.delenv(name, raising=False)
    with Workspace.open(root) as ws:
        ws.datasets.add_documents("notes", [
            Document(id=f"n:{i}", dataset="notes", source_uri=f"n{i}", text=f"Meeting {i} was about budgets.")
            for i in range(10)
        ] + [Document(id="n:x", dataset="notes", source_uri="nx", text="The launch date is 12 March.")])
    out = runner.invoke(app, ["--workspace", str(root), "rlm", "When is the launch date?", "--dataset", "notes",
                              "--max-iterations", "6", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert {"answer", "forced", "iterations", "root_prompt_tokens", "sub_calls", "cost_usd"} <= set(data)
    assert "12 March" in data["answer"] and data["answer"].startswith("[offline policy")
    assert data["iterations"] == len(data["root_prompt_tokens"]) == 4 and data["cost_usd"] == 0
    out = runner.invoke(app, ["--workspace", str(root), "rlm", "x", "--dataset", "missing"])
    assert out.exit_code != 0 and "unknown dataset 'missing'" in str(out.exception or out.output)


def test_sandbox_check_lists_every_layer(tmp_path):
    out = runner.invoke(app, ["--workspace", str(tmp_path / "ws"), "sandbox", "--check", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert list(data["layers"]) == ["python", "netns", "uid", "pdeathsig", "landlock", "seccomp", "rlimits"]
    assert data["missing"] == [] and all(v.startswith("on") for v in data["layers"].values())
    text = runner.invoke(app, ["sandbox", "--check"])
    assert text.exit_code == 0 and "every layer is active" in text.stdout
    assert runner.invoke(app, ["sandbox"]).exit_code != 0
