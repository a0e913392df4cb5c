"""The opt-in direct transport (OpenAI-compatible base_url without litellm) shares every client rule."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from sro.errors import ConfigError, LLMError
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
