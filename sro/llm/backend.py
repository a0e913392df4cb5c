"""The one place that talks to litellm: lazy import, quiet configuration, one request, prices.

litellm is imported on first use (it takes ~1 s to import). Its telemetry, callbacks and message logging
are switched off so prompts and keys cannot leak through them, and its retries are off because the
client runs its own retry loop.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from typing import Any

from sro.config import RoleConfig, Settings
from sro.llm.roles import transport_of

_READY = False


def litellm_module() -> Any:
    global _READY
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    if not _READY:
        litellm.telemetry = False
        litellm.turn_off_message_logging = True  # redact prompts/answers in anything litellm logs
        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        litellm.num_retries = 0
        for name in ("callbacks", "success_callback", "failure_callback", "_async_success_callback",
                     "_async_failure_callback", "input_callback", "service_callback"):
            if isinstance(getattr(litellm, name, None), list):
                getattr(litellm, name).clear()
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        _READY = True
    return litellm


class EmptyResponse(ValueError):
    """litellm handed back no usable response (seen e.g. for HTTP 422); not worth retrying."""


async def send(cfg: RoleConfig, key: str | None, messages: list[dict], params: dict[str, object]) -> Any:
    """One provider request (no retries). Raises litellm's mapped exceptions."""
    litellm = litellm_module()
    kwargs: dict[str, Any] = {"model": cfg.model, "messages": messages, "timeout": cfg.timeout_s,
                              "max_retries": 0, "num_retries": 0, "no-log": True, **params}
    if "tools" in params:
        # litellm 1.106 imports its MCP bridge (needs the optional `mcp` package) for any call with tools;
        # SRO's forced tool calls are plain function calls, so skip that bridge.
        kwargs["_skip_mcp_handler"] = True
    if cfg.base_url:
        kwargs["api_base"] = cfg.base_url
    if key:
        kwargs["api_key"] = key
    elif cfg.base_url:
        kwargs["api_key"] = "sk-none"  # local OpenAI-compatible servers need some key; it is not a secret
    return await litellm.acompletion(**kwargs)


async def complete(cfg: RoleConfig, key: str | None, messages: list[dict],
                   params: dict[str, object]) -> tuple[str, str | None, int, int]:
    """(text, finish_reason, prompt_tokens, completion_tokens) through the role's transport."""
    if transport_of(cfg) == "direct":
        from sro.llm import direct

        return await direct.complete(cfg, key, messages, params)
    return parse(await send(cfg, key, messages, params))


def parse(response: Any) -> tuple[str, str | None, int, int]:
    """(text, finish_reason, prompt_tokens, completion_tokens). A forced tool call's arguments are the text."""
    choices = getattr(response, "choices", None)
    if not choices:
        raise EmptyResponse(f"provider returned no choices ({type(response).__name__})")
    choice = choices[0]
    message = choice.message
    text = message.content or ""
    calls = getattr(message, "tool_calls", None)
    if not text and calls:
        text = calls[0].function.arguments or ""
    refusal = getattr(message, "refusal", None)
    if not text and isinstance(refusal, str):
        text = refusal  # OpenAI's structured-output refusal: invalid for a schema, readable for a person
    reasoning = getattr(message, "reasoning_content", None)
    if isinstance(reasoning, str) and reasoning.strip():
        # litellm moves a leading <think> block out of the content; put it back so every transport hands
        # callers the reply as written (the RLM keeps reasoning in its trajectory, out of the history)
        text = f"<think>{reasoning}</think>\n{text}"
    usage = getattr(response, "usage", None)
    pt = int(getattr(usage, "prompt_tokens", 0) or 0)
    ct = int(getattr(usage, "completion_tokens", 0) or 0)
    return text, choice.finish_reason, pt, ct


@lru_cache(maxsize=256)
def _map_price(model: str) -> tuple[float, float] | None:
    cost_map = litellm_module().model_cost
    bare = model.split("/", 1)[1] if "/" in model else model
    for name in (model, bare):
        info = cost_map.get(name)
        if info and "input_cost_per_token" in info:
            return float(info["input_cost_per_token"]), float(info.get("output_cost_per_token", 0.0))
    return None


def price(settings: Settings, model: str) -> tuple[float, float]:
    """USD per input and per output token: settings.price_table first, then litellm's bundled map, else 0."""
    for name in (model, model.split("/", 1)[-1]):
        row = settings.price_table.get(name)
        if row:
            return row.get("input_per_mtok", 0.0) / 1e6, row.get("output_per_mtok", 0.0) / 1e6
    return _map_price(model) or (0.0, 0.0)


@lru_cache(maxsize=256)
def supports(model: str, feature: str) -> bool:
    """litellm's capability flags ('response_schema', 'function_calling'); unknown models -> False."""
    litellm = litellm_module()
    try:
        if feature == "response_schema":
            return bool(litellm.supports_response_schema(model=model))
        return bool(litellm.supports_function_calling(model=model))
    except Exception:  # noqa: BLE001 - litellm raises for unmapped models
        return False


@lru_cache(maxsize=256)
def _map_window(model: str) -> int | None:
    try:
        info = litellm_module().get_model_info(model=model)
    except Exception:  # noqa: BLE001 - litellm raises for unmapped models
        return None
    value = info.get("max_input_tokens") or info.get("max_tokens")
    return int(value) if value else None


def context_window(cfg: RoleConfig) -> int | None:
    """Tokens the role's model reads: the `context_window` setting, else litellm's model map, else None."""
    if cfg.context_window:
        return cfg.context_window
    return _map_window(cfg.model) if cfg.model else None
