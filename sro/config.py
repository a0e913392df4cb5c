"""Workspace configuration: defaults < workspace file (sro.toml) < environment (SRO_*) < CLI flags.

Environment examples: SRO_WORKSPACE, SRO_CEO_MODEL, SRO_WORKER_BASE_URL, SRO_JUDGE_API_KEY_ENV,
SRO_BUDGETS_USD. Keys themselves never live here: a role names the environment variable that holds its key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from sro.errors import ConfigError

ROLES = ("ceo", "worker", "judge")
Role = Literal["ceo", "worker", "judge"]
CONFIG_FILE = "sro.toml"


class RoleConfig(BaseModel):
    """One model role. `model` None means the role is offline."""

    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    temperature: float = 0.0
    max_tokens: int | None = None
    max_concurrency: int = 8
    rpm: int | None = None
    tpm: int | None = None
    timeout_s: float = 120.0

    @property
    def offline(self) -> bool:
        return not self.model


class Budgets(BaseModel):
    """Spending limits; None means unlimited."""

    usd: float | None = None
    tokens: int | None = None
    calls: int | None = None


class Settings(BaseModel):
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
    chunk_size: int = 1200
    chunk_overlap: int = 150

    def role(self, name: str) -> RoleConfig:
        if name not in ROLES:
            raise ConfigError(f"unknown role {name!r}; roles are {', '.join(ROLES)}")
        return getattr(self, name)


def _deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        elif value is not None:
            out[key] = value
    return out


def _env_layer(environ: os._Environ | dict) -> dict[str, Any]:
    """Map SRO_<SECTION>_<FIELD> and SRO_<FIELD> variables onto the settings tree."""
    layer: dict[str, Any] = {}
    sections = {name: set(RoleConfig.model_fields) for name in ROLES}
    sections["budgets"] = set(Budgets.model_fields)
    top = set(Settings.model_fields) - set(sections) - {"role_budgets", "price_table"}
    for key, value in environ.items():
        if not key.startswith("SRO_") or value == "":
            continue
        name = key[4:].lower()
        if name in top:
            layer[name] = value
            continue
        for section, fields in sections.items():
            if name.startswith(section + "_") and name[len(section) + 1 :] in fields:
                layer.setdefault(section, {})[name[len(section) + 1 :]] = value
    return layer


def read_config_file(workspace: Path) -> dict[str, Any]:
    path = workspace / CONFIG_FILE
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_settings(
    workspace: Path | str | None = None,
    overrides: dict[str, Any] | None = None,
    environ: dict | None = None,
) -> Settings:
    """Resolve settings for a workspace. `overrides` are CLI flags (nested dicts allowed)."""
    env = _env_layer(os.environ if environ is None else environ)
    root = Path(workspace or env.get("workspace") or Settings().workspace)
    merged = _deep_merge(read_config_file(root), env)
    merged = _deep_merge(merged, overrides or {})
    merged["workspace"] = root
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from None
