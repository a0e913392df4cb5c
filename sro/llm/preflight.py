"""Checks made before a role's first call, so a misconfigured model fails at once and by name instead of
after retries: the role's key variable is set, and a local server (`base_url` on this machine) accepts
connections. Also: which provider failures mean "fix the configuration" rather than "try again"."""

from __future__ import annotations

import os
import socket
from typing import Iterable
from urllib.parse import urlsplit

from sro.config import RoleConfig, Settings
from sro.errors import ModelConfigError
from sro.llm.roles import provider_of

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"}
CONNECT_TIMEOUT_S = 2.0
AUTH_STATUS = {401, 403}
# The commonest providers' default key variables (litellm's own names), so the check needs no litellm
# import (seconds on a busy machine); other providers ask litellm.validate_environment.
DEFAULT_KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY",
                "mistral": "MISTRAL_API_KEY", "groq": "GROQ_API_KEY", "deepseek": "DEEPSEEK_API_KEY",
                "openrouter": "OPENROUTER_API_KEY"}


def check_roles(settings: Settings, roles: Iterable[str]) -> None:
    """Raise ModelConfigError for the first configured role among `roles` that cannot be called."""
    for role in roles:
        problem = role_problem(role, settings.role(role))
        if problem:
            raise ModelConfigError(problem)


def role_problem(role: str, cfg: RoleConfig) -> str | None:
    """What stops `role` from being called at all, or None (offline roles have nothing to check)."""
    if cfg.offline:
        return None
    return _endpoint_problem(role, cfg) or _key_problem(role, cfg)


def _key_problem(role: str, cfg: RoleConfig) -> str | None:
    name = f"role {role} (model {cfg.model})"
    if cfg.api_key_env:
        if not os.environ.get(cfg.api_key_env, "").strip():
            return (f"{name}: its API key variable {cfg.api_key_env} is not set; export {cfg.api_key_env}=... "
                    f"or change [{role}] api_key_env")
        return None
    if cfg.base_url:
        return None  # a custom endpoint (local server, proxy) may need no key
    missing = _missing_keys(cfg.model)
    if missing:
        return (f"{name}: {provider_of(cfg.model)} needs {', '.join(missing)} in the environment (not set); "
                f"export it, or name the variable with [{role}] api_key_env")
    return None


def _missing_keys(model: str) -> list[str]:
    known = DEFAULT_KEYS.get(provider_of(model))
    if known:
        return [] if os.environ.get(known, "").strip() else [known]
    import litellm

    return [k for k in litellm.validate_environment(model=model).get("missing_keys", [])
            if not k.endswith("_API_BASE")]  # an API base has a default; a key has none


def _endpoint_problem(role: str, cfg: RoleConfig) -> str | None:
    if not cfg.base_url:
        return f"role {role}: transport 'direct' needs a base_url for model {cfg.model}" \
            if cfg.transport == "direct" else None
    parts = urlsplit(cfg.base_url)
    if parts.hostname not in LOCAL_HOSTS:
        return None  # remote endpoints are reached by the call itself (refusals are not retried)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        return (f"role {role} (model {cfg.model}): nothing answers at {cfg.base_url} "
                f"({exc.strerror or type(exc).__name__}); start the server or fix [{role}] base_url")
    return None


def config_failure(exc: BaseException) -> str | None:
    """Why a provider failure is a configuration problem (never worth a retry), or None."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if getattr(exc, "status_code", None) in AUTH_STATUS or names & {"AuthenticationError",
                                                                    "PermissionDeniedError"}:
        return "authentication failed: check the API key"
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ConnectionRefusedError) or "connection refused" in str(exc).lower():
            return "connection refused: is the server running and base_url right?"
        exc = exc.__cause__ or exc.__context__
    return None
