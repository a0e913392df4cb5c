"""Retries through the loopback server: which errors retry, how often, Retry-After, final errors."""

from __future__ import annotations

import time

import pytest

from sro.errors import LLMAuthError, LLMError, ModelConfigError
from sro.workspace import Workspace


def _open(tmp_path, server, **role):
    return Workspace.open(tmp_path / "ws", {"worker": server.role(retry_base_s=0.01, retry_max_s=0.05, **role)})


@pytest.fixture
def ws(tmp_path, llm_server, monkeypatch):
    monkeypatch.setenv("SRO_TEST_KEY", "sk-retry-key")
    w = _open(tmp_path, llm_server)
    yield w
    w.close()


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_transient_errors_are_retried_until_success(ws, llm_server, status):
    llm_server.add(r"flaky", "busy", status=status, times=2)
    llm_server.add(r"flaky", "finally")
    comp = ws.llm.complete("worker", "flaky call")
    assert comp.text == "finally" and comp.attempts == 3
    assert llm_server.count("flaky") == 3


def test_retry_limit_then_clear_error(ws, llm_server):
    llm_server.add(r"down", "service down", status=503)
    with pytest.raises(LLMError) as err:
        ws.llm.complete("worker", "always down")
    assert llm_server.count("down") == 5  # 1 attempt + max_retries (4)
    msg = str(err.value)
    assert "openai" in msg and "openai/test-worker" in msg and "after 5 attempts" in msg
    assert "503" in msg and "service down" in msg
    ws.llm.flush()
    status, attempts = ws.db.execute("SELECT status, attempts FROM llm_calls").fetchone()
    assert (status, attempts) == ("error", 5)


def test_max_retries_is_configurable(tmp_path, llm_server):
    llm_server.add(r"down", "nope", status=500)
    w = _open(tmp_path, llm_server, max_retries=1)
    try:
        with pytest.raises(LLMError):
            w.llm.complete("worker", "down")
        assert llm_server.count() == 2
    finally:
        w.close()


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_errors_that_cannot_succeed_are_not_retried(ws, llm_server, status):
    llm_server.add(r"bad", "you shall not pass", status=status)
    with pytest.raises(LLMError, match=f"not retryable.*HTTP {status}.*you shall not pass"):
        ws.llm.complete("worker", "bad request")
    assert llm_server.count() == 1


def test_unprocessable_is_not_retried(ws, llm_server):
    llm_server.add(r"bad", "unprocessable", status=422)
    with pytest.raises(LLMError, match="not retryable"):
        ws.llm.complete("worker", "bad entity")
    assert llm_server.count() == 1


def test_context_too_long_is_not_retried(ws, llm_server):
    llm_server.add(r"huge", "This model's maximum context length is 8 tokens, you requested 900", status=400)
    with pytest.raises(LLMError, match="ContextWindowExceeded"):
        ws.llm.complete("worker", "huge prompt")
    assert llm_server.count() == 1


def test_retry_after_is_honoured(ws, llm_server):
    # backoff alone would wait <= 0.05 s; the server asks for a full second
    llm_server.add(r"limited", "slow down", status=429, headers={"Retry-After": "1"}, times=1)
    llm_server.add(r"limited", "ok now")
    start = time.monotonic()
    comp = ws.llm.complete("worker", "rate limited")
    assert comp.text == "ok now" and comp.attempts == 2
    assert time.monotonic() - start >= 0.95


def test_timeouts_are_retried(tmp_path, llm_server):
    llm_server.add(r"sleepy", "late", delay_s=1, times=1)
    llm_server.add(r"sleepy", "on time")
    w = _open(tmp_path, llm_server, timeout_s=0.3)
    try:
        comp = w.llm.complete("worker", "sleepy")
        assert comp.text == "on time" and comp.attempts == 2
    finally:
        w.close()


def test_malformed_provider_response_is_an_llm_error(tmp_path, llm_server):
    llm_server.add(r"garbled", "{not json", raw=True)
    w = _open(tmp_path, llm_server, max_retries=1)
    try:
        with pytest.raises(LLMError, match="openai/test-worker"):
            w.llm.complete("worker", "garbled")
        assert llm_server.count() == 2
    finally:
        w.close()


def test_refused_local_server_fails_before_any_call_by_name(tmp_path):
    role = {"model": "openai/nowhere", "base_url": "http://127.0.0.1:9/v1", "max_retries": 4,
            "retry_base_s": 1.0}
    w = Workspace.open(tmp_path / "ws", {"worker": role})
    try:
        with pytest.raises(ModelConfigError, match=r"role worker \(model openai/nowhere\): nothing answers at "
                                                   r"http://127.0.0.1:9/v1 \(Connection refused\)"):
            w.llm.complete("worker", "anyone?")
        assert w.llm.ledger.summary() == []  # refused before any attempt: nothing to retry, nothing recorded
    finally:
        w.close()


def test_missing_key_variable_fails_by_name_and_sends_nothing(tmp_path, llm_server, monkeypatch):
    monkeypatch.delenv("SRO_TEST_KEY", raising=False)
    w = _open(tmp_path, llm_server)
    try:
        with pytest.raises(ModelConfigError, match="its API key variable SRO_TEST_KEY is not set"):
            w.llm.complete("worker", "hello")
        assert llm_server.count() == 0
    finally:
        w.close()


from sro.errors import LLMAuthError, LLMError, ModelConfigError
