"""Foundation: configuration layering, the workspace facade and clean CLI errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sro.config import load_settings
from sro.errors import ConfigError
from sro.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


def test_settings_layers_file_env_flags(tmp_path, monkeypatch):
    (tmp_path / "sro.toml").write_text('[worker]\nmodel = "openai/from-file"\ntemperature = 0.3\n[budgets]\nusd = 2.5\n')
    monkeypatch.setenv("SRO_WORKER_MODEL", "openai/from-env")
    monkeypatch.setenv("SRO_BUDGETS_CALLS", "10")
    settings = load_settings(tmp_path, {"worker": {"max_tokens": 50}})
    assert settings.worker.model == "openai/from-env"  # env beats file
    assert settings.worker.temperature == 0.3  # file value kept where env is silent
    assert settings.worker.max_tokens == 50  # flags
    assert settings.budgets.usd == 2.5 and settings.budgets.calls == 10
    assert settings.ceo.offline and not settings.worker.offline

    monkeypatch.setenv("SRO_WORKER_MODEL", "openai/from-env")
    flagged = load_settings(tmp_path, {"worker": {"model": "openai/from-flag"}})
    assert flagged.worker.model == "openai/from-flag"  # flags beat env


def test_bad_config_is_a_clear_error(tmp_path):
    (tmp_path / "sro.toml").write_text("[budgets]\nusd = 'lots'\n")
    with pytest.raises(ConfigError, match="budgets.usd"):
        load_settings(tmp_path)
    (tmp_path / "sro.toml").write_text("broken = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(tmp_path)


def test_workspace_creates_directory_and_run_dirs(tmp_path):
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.root.is_dir()
        assert ws.run_dir("c1") == ws.root / "runs" / "c1"
        assert ws.run_dir("c1").is_dir()


def _sro(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SRO_WORKSPACE": str(cwd / "ws")}
    return subprocess.run([sys.executable, "-m", "sro.commands.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_cli_error_has_no_traceback(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "sro.toml").write_text("broken = [\n")
    result = _sro("models", cwd=tmp_path) if _has_command("models") else _sro("datasets", cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "invalid TOML" in result.stderr


def _has_command(name: str) -> bool:
    from sro.commands.cli import app

    return any(c.name == name for c in app.registered_commands) or any(
        g.name == name for g in app.registered_groups
    )


def test_cli_help_lists_commands(tmp_path):
    result = _sro("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--workspace" in result.stdout
