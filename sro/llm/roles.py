"""Roles (ceo / worker / judge) resolved from settings: model, endpoint, key lookup, and redaction.

A role never stores a key: it names the environment variable that holds it. Anything we print or store
(errors, ledger, `sro models`) goes through `redact` so a key value that leaks into a provider's error
message is masked too.
"""

from __future__ import annotations

import os
from typing import Any

from sro.config import ROLES, RoleConfig, Settings
from sro.errors import LLMError


def provider_of(model: str) -> str:
    """`openai/gpt-4o-mini` -> `openai`; a bare model name is treated as OpenAI's."""
    return model.split("/", 1)[0] if "/" in model else "openai"


# litellm provider prefixes whose endpoints speak OpenAI's chat-completions format as is
OPENAI_COMPATIBLE = frozenset({"openai", "hosted_vllm", "lm_studio", "llamafile", "openai_like"})


def transport_of(cfg: RoleConfig) -> str:
    """The transport a role's calls take. "auto" picks "direct" for an OpenAI-compatible `base_url` (local
    vLLM / llama.cpp / Ollama /v1 / LM Studio servers and proxies answer fast, so litellm's ~5 ms of CPU per
    call would dominate) and "litellm" for everything else."""
    if cfg.transport != "auto":
        return cfg.transport
    if cfg.base_url and cfg.model and provider_of(cfg.model) in OPENAI_COMPATIBLE:
        return "direct"
    return "litellm"


def api_key(role: RoleConfig) -> str | None:
    return os.environ.get(role.api_key_env) if role.api_key_env else None


def require_model(settings: Settings, role: str) -> RoleConfig:
    cfg = settings.role(role)
    if cfg.offline:
        raise LLMError(
            f"no model configured for role {role}; set SRO_{role.upper()}_MODEL, "
            f"--{role}-model or [{role}] model in sro.toml (offline mode has no free-text model)"
        )
    return cfg


def secret_values(settings: Settings) -> list[str]:
    """Key values currently visible to the roles (to be masked wherever text leaves the client)."""
    values = {api_key(settings.role(r)) for r in ROLES}
    return sorted((v for v in values if v and len(v) >= 4), key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, "***")
    return text


def describe(settings: Settings) -> list[dict[str, Any]]:
    """The resolved configuration of every role, safe to print: key values are never included."""
    rows = []
    for name in ROLES:
        cfg = settings.role(name)
        rows.append({
            "role": name,
            "model": cfg.model,
            "offline": cfg.offline,
            "provider": provider_of(cfg.model) if cfg.model else None,
            "base_url": cfg.base_url,
            "api_key_env": cfg.api_key_env,
            "api_key_set": bool(api_key(cfg)) if cfg.api_key_env else None,
            "temperature": cfg.temperature,
            "max_tokens": cfg.max_tokens,
            "max_concurrency": cfg.max_concurrency,
            "rpm": cfg.rpm,
            "tpm": cfg.tpm,
            "timeout_s": cfg.timeout_s,
            "max_retries": cfg.max_retries,
            "transport": transport_of(cfg) if cfg.model else None,
            "transport_setting": cfg.transport,
            "structured_mode": cfg.structured_mode,
            "context_window": cfg.context_window,
            "budget": settings.role_budgets.get(name).model_dump() if name in settings.role_budgets else None,
        })
    return rows
