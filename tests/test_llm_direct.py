"""The direct transport (OpenAI-compatible base_url without litellm) shares every client rule; "auto" picks it."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from sro.config import RoleConfig
from sro.errors import ConfigError, LLMError
from sro.llm.roles import transport_of
from sro.workspace import Workspace


class Answer(BaseModel):
    value: int


@pytest.fixture
def ws(tmp_path, llm_server, monkeypatch):
    monkeypatch.setenv("SRO_TEST_KEY", "sk-direct")
    w = Workspace.open(tmp_path / "ws", {"worker": llm_server.role(transport="direct", retry_base_s=0.01)})
    yield w
    w.close()


def test_direct_completion_cache_and_ledger(ws, llm_server):
    llm_server.add(r"ping", "pong")
    comp = ws.llm.complete("worker", "ping")
    assert (comp.text, comp.attempts, comp.cached) == ("pong", 1, False) and comp.prompt_tokens > 0
    assert ws.llm.complete("worker", "ping").cached and llm_server.count() == 1
    assert llm_server.requests[0]["model"] == "test-worker"
    assert llm_server.request_headers[0]["Authorization"] == "Bearer sk-direct"


def test_direct_retries_honour_retry_after_and_stop_on_401(ws, llm_server):
    llm_server.add(r"limited", "slow down", status=429, headers={"Retry-After": "0.3"}, times=1)
    llm_server.add(r"limited", "done")
    assert ws.llm.complete("worker", "limited").attempts == 2
    llm_server.add(r"denied", "bad key", status=401)
    with pytest.raises(LLMError, match=r"not retryable.*HTTP 401.*bad key"):
        ws.llm.complete("worker", "denied")
    assert llm_server.count("denied") == 1
    llm_server.add(r"garbled", "{oops", raw=True)
    with pytest.raises(LLMError, match="invalid response body"):
        ws.llm.complete("worker", "garbled")
    assert llm_server.count("garbled") == 5


def test_direct_batch_and_tool_mode(ws, llm_server):
    llm_server.add(r"number", '{"value": 42}')
    assert ws.llm.structured("worker", "a number", Answer, mode="tool") == Answer(value=42)
    results = asyncio.run(ws.llm.abatch("worker", ["x", "y", "number please"]))
    assert [r.text for r in results] == ["OK", "OK", '{"value": 42}']


def test_direct_needs_base_url(tmp_path):
    w = Workspace.open(tmp_path / "ws", {"worker": {"model": "openai/x", "transport": "direct"}})
    try:
        with pytest.raises(ConfigError, match="base_url"):
            w.llm.complete("worker", "hi")
    finally:
        w.close()


def _user_agent(server, i: int) -> str:
    return {k.lower(): v for k, v in server.request_headers[i].items()}.get("user-agent", "")


def test_auto_transport_goes_direct_for_an_openai_compatible_base_url(tmp_path, llm_server):
    """The default ("auto") posts to a local OpenAI-compatible server itself; "litellm" still goes through the
    OpenAI SDK inside litellm. The User-Agent tells the two HTTP paths apart on the server side."""
    llm_server.add(r"hello", "hi")
    auto = llm_server.role(transport="auto")
    for transport, role in (("auto", auto), ("litellm", llm_server.role())):
        w = Workspace.open(tmp_path / transport, {"worker": role, "cache": False})
        try:
            assert w.llm.complete("worker", "hello").text == "hi"
        finally:
            w.close()
    assert "aiohttp" in _user_agent(llm_server, 0) and "OpenAI" not in _user_agent(llm_server, 0)
    assert "OpenAI" in _user_agent(llm_server, 1)


@pytest.mark.parametrize("model, base_url, transport, expected", [
    ("openai/qwen", "http://localhost:8000/v1", "auto", "direct"),
    ("hosted_vllm/llama", "http://localhost:8000/v1", "auto", "direct"),
    ("openai/gpt-4o-mini", None, "auto", "litellm"),            # hosted provider: litellm
    ("ollama_chat/llama3", "http://localhost:11434", "auto", "litellm"),  # Ollama's native API is not OpenAI's
    ("anthropic/claude-x", "https://proxy.example/v1", "auto", "litellm"),
    ("openai/qwen", "http://localhost:8000/v1", "litellm", "litellm"),  # an explicit choice wins
    ("anthropic/claude-x", None, "direct", "direct"),
])
def test_transport_resolution(model, base_url, transport, expected):
    assert transport_of(RoleConfig(model=model, base_url=base_url, transport=transport)) == expected
