"""Workspace configuration: defaults < a campaign spec's `models:` < workspace file (sro.toml) < environment
(SRO_*) < CLI flags, resolved once, by `load_settings`, into a frozen `Settings` handed down.

Environment examples: SRO_WORKSPACE, SRO_CEO_MODEL, SRO_WORKER_BASE_URL, SRO_JUDGE_API_KEY_ENV,
SRO_BUDGETS_USD. Keys themselves never live here: a role names the environment variable that holds its key.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, InitSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from sro.errors import ConfigError

ROLES = ("ceo", "worker", "judge")
Role = Literal["ceo", "worker", "judge"]
CONFIG_FILE = "sro.toml"
_config_file: ContextVar[Path | None] = ContextVar("sro_config_file", default=None)
_spec_models: ContextVar[dict[str, Any] | None] = ContextVar("sro_spec_models", default=None)


class RoleConfig(BaseModel):
    """One model role. `model` None means the role is offline."""

    model_config = ConfigDict(frozen=True)

    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    temperature: float = 0.0
    max_tokens: int | None = None
    max_concurrency: int = 8
    rpm: int | None = None
    tpm: int | None = None
    timeout_s: float = 120.0
    # Retries (sro.llm.retry): exponential backoff with full jitter, capped; Retry-After wins when larger.
    max_retries: int = 4
    retry_base_s: float = 0.5
    retry_max_s: float = 30.0
    # Structured output: "auto" asks litellm what the model supports; "json_schema" | "tool" | "prompt" force one.
    structured_mode: str = "auto"
    # Tokens the model reads at most; None: litellm's model map, else 8,192 (sro.rlm.budget sizes prompts from it).
    context_window: int | None = None
    # "auto": "direct" for an OpenAI-compatible base_url (sro.llm.roles.OPENAI_COMPATIBLE), else "litellm".
    # "litellm" works for every provider; "direct" posts the OpenAI chat format without litellm's per-call CPU.
    transport: Literal["auto", "litellm", "direct"] = "auto"

    @property
    def offline(self) -> bool:
        return not self.model


class Budgets(BaseModel):
    """Spending limits; None means unlimited."""

    model_config = ConfigDict(frozen=True)

    usd: float | None = None
    tokens: int | None = None
    calls: int | None = None


class SandboxSettings(BaseModel):
    """[sandbox] in sro.toml."""

    model_config = ConfigDict(frozen=True)

    # Refuse to run model code when an OS isolation layer (network namespace, own uid, Landlock, seccomp)
    # is unavailable on this machine; by default a missing layer is reported once and the rest still apply.
    require_os_isolation: bool = False


class ExecutorSettings(BaseModel):
    """[executor] in sro.toml (a campaign spec's `executor:` takes the same keys): where `sro extract` and a
    campaign's extract_triples run parsing and extraction (sro.triples.executors, sro.triples.pool)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["local", "processes", "ray"] = "local"
    ray_address: str | None = None  # "auto", "HOST:PORT"; None: a Ray instance started for the run
    # chunks per batch sent to a worker; 0: the --batch default (a campaign: one batch per extract_triples call)
    batch_chunks: int = Field(0, ge=0)
    inflight: int = Field(0, ge=0)  # batches out at once; 0: twice the workers (not used by campaigns)
    workers: int = Field(0, ge=0)  # processes: pool size, 0: the cores; ray: actors, 0: the cluster's CPUs


class Settings(BaseSettings):
    """Resolved configuration, frozen. Sources, highest first: CLI flags (init kwargs), SRO_* environment,
    sro.toml, a campaign spec's models; merged field by field (an environment `SRO_WORKER_BASE_URL` and a spec's
    `worker: {model: ...}` both hold)."""

    model_config = SettingsConfigDict(
        env_prefix="SRO_", env_nested_delimiter="_", env_nested_max_split=1, extra="forbid", frozen=True
    )
    workspace: Path = Path("sro-workspace")
    ceo: RoleConfig = Field(default_factory=RoleConfig)
    worker: RoleConfig = Field(default_factory=RoleConfig)
    judge: RoleConfig = Field(default_factory=RoleConfig)
    budgets: Budgets = Field(default_factory=Budgets)
    role_budgets: dict[str, Budgets] = Field(default_factory=dict)
    cache: bool = True
    price_table: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="model -> {input_per_mtok, output_per_mtok} in USD, overrides litellm's price map",
    )
    base_iri: str = "https://sro.dev/id/"
    # graph_store location: None = embedded Oxigraph in <workspace>/graph; an http(s) URL = remote SPARQL endpoint
    graph_url: str | None = None
    # SPARQL SERVICE (federated queries make the engine fetch remote URLs): off unless set
    sparql_service: bool = False
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)
    chunk_size: int = 1200
    chunk_overlap: int = 150
    writer_nice: int = Field(0, ge=0, le=19, description=(
        "nice value for a writing command's work (extraction, campaigns); 5 keeps the reads it serves to other "
        "processes faster at the cost of its own speed on a busy machine (docs/live.md)"))

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file.get())
        spec = InitSettingsSource(settings_cls, init_kwargs=_spec_models.get() or {})
        return (init_settings, env_settings, toml, spec)

    def role(self, name: str) -> RoleConfig:
        if name not in ROLES:
            raise ConfigError(f"unknown role {name!r}; roles are {', '.join(ROLES)}")
        return getattr(self, name)


def layered(*layers: dict[str, Any] | None) -> dict[str, Any]:
    """Overrides merged, later layers winning key by key (a role's fields one by one): `layered(global, own)`."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in (layer or {}).items():
            base = merged.get(key)
            merged[key] = {**base, **value} if isinstance(base, dict) and isinstance(value, dict) else value
    return merged


def load_settings(workspace: Path | str | None = None, overrides: dict[str, Any] | None = None,
                  spec_models: dict[str, Any] | None = None) -> Settings:
    """Resolve settings for a workspace, the one place they are merged: CLI flags (`overrides`, nested dicts
    allowed) over SRO_* environment over sro.toml over a campaign spec's models (`spec_models`,
    CampaignSpec.model_overrides()) over the defaults, a role's fields one by one. The spec comes last so that a
    shared spec never silently replaces the model or endpoint a user chose in their environment or sro.toml."""
    root = Path(workspace or os.environ.get("SRO_WORKSPACE") or "sro-workspace")
    path = root / CONFIG_FILE
    token = _config_file.set(path if path.exists() else None)
    spec_token = _spec_models.set(spec_models)
    try:
        return Settings(**{**(overrides or {}), "workspace": root})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration ({path} / SRO_* environment / flags / campaign spec): "
                          f"{problems}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    finally:
        _spec_models.reset(spec_token)
        _config_file.reset(token)
