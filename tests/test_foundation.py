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


def test_spec_models_are_the_lowest_layer_field_by_field(tmp_path, monkeypatch):
    """flags > SRO_* environment > sro.toml > a campaign spec's models > defaults, a role's fields one by one:
    a shared spec never replaces what the user chose in their environment or sro.toml (issue 19)."""
    (tmp_path / "sro.toml").write_text('[judge]\nmodel = "openai/toml-judge"\n[worker]\ntemperature = 0.3\n')
    monkeypatch.setenv("SRO_WORKER_BASE_URL", "http://env-worker/v1")
    monkeypatch.setenv("SRO_CEO_MODEL", "openai/env-ceo")
    spec = {"worker": {"model": "openai/spec-worker", "base_url": "http://spec/v1", "temperature": 0.9},
            "ceo": {"model": "openai/spec-ceo", "timeout_s": 3},
            "judge": {"model": "openai/spec-judge", "rpm": 7}}
    settings = load_settings(tmp_path, {"worker": {"max_tokens": 5}}, spec)
    assert settings.worker.model == "openai/spec-worker"  # the spec fills what nobody else set ...
    assert settings.worker.base_url == "http://env-worker/v1"  # ... env beats spec, field by field
    assert settings.worker.temperature == 0.3  # toml beats spec
    assert settings.worker.max_tokens == 5  # flags kept beside the spec's fields
    assert (settings.ceo.model, settings.ceo.timeout_s) == ("openai/env-ceo", 3)  # env beats spec; rest kept
    assert (settings.judge.model, settings.judge.rpm) == ("openai/toml-judge", 7)  # toml beats spec; rest kept

    flagged = load_settings(tmp_path, {"ceo": {"model": "openai/flag-ceo"}, "worker": {"base_url": "http://flag"}},
                            spec)
    assert flagged.ceo.model == "openai/flag-ceo"  # flags beat env (and the spec)
    assert flagged.worker.base_url == "http://flag"
    assert flagged.worker.model == "openai/spec-worker"

    monkeypatch.delenv("SRO_CEO_MODEL")
    (tmp_path / "sro.toml").unlink()
    assert load_settings(tmp_path, None, spec).ceo.model == "openai/spec-ceo"  # nothing else: the spec


def test_workspace_adopts_spec_models_under_env_and_offline_over_it(tmp_path, monkeypatch):
    """The Python API route (a workspace opened without the spec, the runner adopting it) gives the same order
    as `sro run`; `offline: true` blanks models set in the environment, and flags still beat it."""
    from sro.campaign.spec import parse_spec

    monkeypatch.setenv("SRO_WORKER_MODEL", "openai/env-worker")
    spec = parse_spec({"question": "why?", "datasets": ["d"],
                       "models": {"worker": {"model": "openai/spec", "rpm": 9}, "ceo": {"model": "openai/spec-ceo"}}})
    with Workspace.open(tmp_path / "ws") as ws:
        ws.adopt_spec_models(spec.model_overrides(), spec.forced_overrides())
        assert (ws.settings.worker.model, ws.settings.worker.rpm) == ("openai/env-worker", 9)
        assert ws.settings.ceo.model == "openai/spec-ceo"
        opened = Workspace.open(tmp_path / "ws", spec_models=spec.model_overrides())
        assert opened.settings == ws.settings  # `sro run` opens with the spec: the same settings
        opened.close()
    offline = parse_spec({"question": "why?", "datasets": ["d"], "offline": True})
    with Workspace.open(tmp_path / "ws") as ws:
        ws.adopt_spec_models(offline.model_overrides(), offline.forced_overrides())
        assert ws.settings.worker.offline
    with Workspace.open(tmp_path / "ws", {"judge": {"model": "openai/flag"}}) as ws:
        ws.adopt_spec_models(offline.model_overrides(), offline.forced_overrides())
        assert ws.settings.worker.offline and ws.settings.judge.model == "openai/flag"


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


def test_no_option_help_has_square_brackets():
    """Typer renders help as Rich markup: "[default: ./sro-workspace]" would be read as a style tag and vanish."""
    import typer

    from sro.commands.cli import app

    def helps(command):
        yield from ((p.name, p.help) for p in command.params if getattr(p, "help", None))
        for sub in getattr(command, "commands", {}).values():
            yield from helps(sub)

    assert [name for name, text in helps(typer.main.get_command(app)) if "[" in text] == []


def test_sro_run_puts_env_and_flags_over_the_spec(tmp_path, monkeypatch):
    """`sro run` resolves in the same order: the environment's worker model beats the spec's (the preflight
    names it), and a flag beats the environment; the spec's api_key_env, set nowhere else, still holds."""
    from typer.testing import CliRunner

    from sro.commands.cli import app

    spec = tmp_path / "spec.yaml"
    spec.write_text("question: why is the sky blue?\ndatasets: [d]\noffline: false\n"
                    "models:\n  worker: {model: openai/spec-model, api_key_env: SRO_TEST_UNSET_KEY_19}\n")
    monkeypatch.delenv("SRO_TEST_UNSET_KEY_19", raising=False)
    monkeypatch.setenv("SRO_WORKER_MODEL", "openai/env-model")
    ws = ["--workspace", str(tmp_path / "ws")]
    result = CliRunner().invoke(app, [*ws, "run", str(spec), "--json"])
    message = f"{result.output} {result.exception}"
    assert result.exit_code != 0
    assert "model openai/env-model" in message and "SRO_TEST_UNSET_KEY_19" in message
    assert "spec-model" not in message
    result = CliRunner().invoke(app, [*ws, "--worker-model", "openai/flag-model", "run", str(spec), "--json"])
    message = f"{result.output} {result.exception}"
    assert "model openai/flag-model" in message and "env-model" not in message
