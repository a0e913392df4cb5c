"""Direct transport for OpenAI-compatible chat endpoints (vLLM, llama.cpp, Ollama /v1, LM Studio, proxies).

litellm costs ~5 ms of CPU per call on this hardware (request building, cost and logging machinery), which
caps one process below ~200 calls per second. A role whose transport resolves to "direct" (`transport =
"auto"`, the default, with an OpenAI-compatible `base_url`; or `transport = "direct"`) posts the OpenAI chat
format itself with one pooled aiohttp session per event loop (~0.4 ms of CPU per call). Everything else
(limits, retries, cache, ledger, budgets, structured output, prices) is shared with the litellm path; errors
carry `status_code` and headers so the same retry rules apply.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from sro.config import RoleConfig
from sro.errors import ConfigError

_sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}


class DirectHTTPError(Exception):
    """An HTTP error from an OpenAI-compatible endpoint (classified by status like litellm's errors)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status_code = status
        self.litellm_response_headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.llm_provider = "openai-compatible"


async def _session() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        # no connector limit: the client's per-model limiter decides how many calls are in flight
        session = _sessions[loop] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        keeper = _close_at_loop_end(loop, session)
        await keeper.__anext__()
        _keepers[loop] = keeper  # the loop only holds a weak reference to its async generators
    return session


_keepers: dict[asyncio.AbstractEventLoop, Any] = {}


async def _close_at_loop_end(loop: asyncio.AbstractEventLoop, session: aiohttp.ClientSession):
    """An async generator parked on the loop: `asyncio.run` closes pending async generators when the loop
    ends (shutdown_asyncgens), which runs this `finally` and closes the session cleanly."""
    try:
        yield
    finally:
        if _sessions.get(loop) is session:
            _sessions.pop(loop, None)
            _keepers.pop(loop, None)
        await session.close()


def _model_name(model: str) -> str:
    return model.split("/", 1)[1] if "/" in model else model


async def complete(cfg: RoleConfig, key: str | None, messages: list[dict],
                   params: dict[str, object]) -> tuple[str, str | None, int, int]:
    if not cfg.base_url:
        raise ConfigError(f"transport 'direct' needs a base_url for model {cfg.model}")
    body = {"model": _model_name(cfg.model), "messages": messages, **params}
    headers = {"Authorization": f"Bearer {key or 'sk-none'}"}
    timeout = aiohttp.ClientTimeout(total=cfg.timeout_s)
    url = cfg.base_url.rstrip("/") + "/chat/completions"
    async with (await _session()).post(url, json=body, headers=headers, timeout=timeout) as resp:
        raw = await resp.read()
        if resp.status >= 400:
            raise DirectHTTPError(resp.status, _error_text(raw), dict(resp.headers))
    try:
        data = json.loads(raw)
        choice = data["choices"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        raise DirectHTTPError(502, f"invalid response body: {raw[:200]!r}") from None
    message = choice.get("message") or {}
    text = message.get("content") or ""
    calls = message.get("tool_calls") or []
    if not text and calls:
        text = (calls[0].get("function") or {}).get("arguments") or ""
    usage = data.get("usage") or {}
    return text, choice.get("finish_reason"), int(usage.get("prompt_tokens") or 0), \
        int(usage.get("completion_tokens") or 0)


def _error_text(raw: bytes) -> str:
    try:
        err = json.loads(raw).get("error")
        return str(err.get("message") if isinstance(err, dict) else err)
    except (ValueError, AttributeError):
        return raw[:300].decode("utf-8", "replace")
