"""LLMClient through the loopback server: answers, cache, ledger, offline roles, scoped views."""

from __future__ import annotations

import asyncio

import pytest

from sro.errors import LLMError
from sro.workspace import Workspace


@pytest.fixture
def ws(tmp_path, llm_server, monkeypatch):
    monkeypatch.setenv("SRO_TEST_KEY", "sk-test-key-0001")
    w = Workspace.open(tmp_path / "ws", {"worker": llm_server.role(), "judge": llm_server.role("openai/judge")})
    yield w
    w.close()


def test_complete_returns_text_tokens_and_sends_key(ws, llm_server):
    llm_server.add(r"capital of France", "Paris")
    comp = ws.llm.complete("worker", "What is the capital of France?")
    assert comp.text == "Paris" and comp.model == "openai/test-worker" and not comp.cached
    assert comp.prompt_tokens > 0 and comp.completion_tokens > 0 and comp.attempts == 1
    assert llm_server.request_headers[0]["Authorization"] == "Bearer sk-test-key-0001"
    assert llm_server.requests[0]["model"] == "test-worker"


def test_async_and_message_lists(ws, llm_server):
    llm_server.add(r"system rules.*user asks", lambda req: f"{len(req['messages'])} messages")
    msgs = [{"role": "system", "content": "system rules"}, {"role": "user", "content": "user asks"}]
    comp = asyncio.run(ws.llm.acomplete("worker", msgs))
    assert comp.text == "2 messages"


def test_rerun_is_served_from_cache_with_zero_requests(ws, llm_server, tmp_path):
    prompts = [f"question {i}" for i in range(5)]
    first = [ws.llm.complete("worker", p) for p in prompts]
    assert llm_server.count() == 5 and not any(c.cached for c in first)
    ws.close()  # a new process: the cache lives in DuckDB
    again = Workspace.open(tmp_path / "ws", {"worker": llm_server.role()})
    try:
        second = again.llm.batch("worker", prompts)
        assert llm_server.count() == 5, "a cached rerun must not reach the server"
        assert all(c.cached for c in second) and [c.text for c in second] == [c.text for c in first]
        again.llm.flush()
        hits = again.db.execute("SELECT count(*) FROM llm_calls WHERE cached").fetchone()[0]
        assert hits == 5
    finally:
        again.close()


def test_cache_key_includes_namespace_params_and_off_switches(ws, llm_server, tmp_path):
    ws.llm.complete("worker", "same")
    ws.llm.complete("worker", "same", namespace="other")
    ws.llm.complete("worker", "same", max_tokens=7)
    ws.llm.complete("worker", "same", temperature=0.7)  # not cached by default above temperature 0
    ws.llm.complete("worker", "same", temperature=0.7)
    ws.llm.complete("worker", "same", cache=False)
    assert llm_server.count() == 6
    ws.llm.complete("worker", "same")
    assert llm_server.count() == 6
    nocache = Workspace.open(tmp_path / "ws2", {"worker": llm_server.role(), "cache": False})
    try:
        nocache.llm.complete("worker", "same")
        nocache.llm.complete("worker", "same")
        assert llm_server.count() == 8
    finally:
        nocache.close()


def test_cache_clear(ws, llm_server):
    ws.llm.complete("worker", "a")
    ws.llm.complete("worker", "b", namespace="ns")
    assert ws.llm.cache.clear("ns") == 1
    assert ws.llm.cache.clear() == 1
    ws.llm.complete("worker", "a")
    assert llm_server.count() == 3


def test_ledger_rows_tag_role_model_campaign_and_node(ws, llm_server):
    view = ws.llm.scoped(campaign="c1", node="n7")
    view.complete("worker", "tagged")
    view.complete("worker", "tagged")
    ws.llm.complete("judge", "untagged")
    ws.llm.flush()
    rows = ws.db.execute(
        "SELECT role, model, campaign, node, cached, prompt_tokens, completion_tokens, status, attempts "
        "FROM llm_calls ORDER BY ts").fetchall()
    assert rows[0] == ("worker", "openai/test-worker", "c1", "n7", False, rows[0][5], rows[0][6], "ok", 1)
    assert rows[0][5] > 0 and rows[0][6] > 0
    assert rows[1][4] is True and rows[1][8] == 0
    assert rows[2][:4] == ("judge", "openai/judge", None, None)
    assert view.spent().calls == 1  # the cache hit is free
    summary = ws.llm.ledger.summary()
    assert {(r["role"], r["calls"], r["cache_hits"]) for r in summary} == {("judge", 1, 0), ("worker", 1, 1)}


def test_cost_from_price_table(tmp_path, llm_server):
    prices = {"openai/test-worker": {"input_per_mtok": 1_000_000.0, "output_per_mtok": 2_000_000.0}}
    w = Workspace.open(tmp_path / "w", {"worker": llm_server.role(), "price_table": prices})
    try:
        comp = w.llm.complete("worker", "price me")
        assert comp.cost_usd == pytest.approx(comp.prompt_tokens * 1.0 + comp.completion_tokens * 2.0)
        assert w.llm.spent().cost_usd == pytest.approx(comp.cost_usd)
    finally:
        w.close()


def test_offline_role_raises_clear_error(ws, llm_server):
    assert ws.llm.is_offline("ceo") and not ws.llm.is_offline("worker")
    with pytest.raises(LLMError, match="no model configured for role ceo.*SRO_CEO_MODEL"):
        ws.llm.complete("ceo", "hello")
    assert llm_server.count() == 0


def test_offline_workspace_fixture(workspace):
    assert all(workspace.llm.is_offline(r) for r in ("ceo", "worker", "judge"))


def test_truncated_answer_is_reported(ws, llm_server):
    llm_server.add(r"long story", "Once upon a ti", finish_reason="length")
    comp = ws.llm.complete("worker", "tell a long story")
    assert comp.truncated and comp.text == "Once upon a ti"


def test_idle_client_flushes_ledger_and_cache_in_background(ws, llm_server):
    import time

    ws.llm.complete("worker", "write me down")
    cur = ws.db.cursor()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the background flusher runs every second
        if cur.execute("SELECT count(*) FROM llm_calls").fetchone()[0] == 1:
            break
        time.sleep(0.1)
    assert cur.execute("SELECT count(*) FROM llm_calls").fetchone()[0] == 1
    assert cur.execute("SELECT count(*) FROM llm_cache").fetchone()[0] == 1
    cur.close()


def test_cost_from_litellm_price_map(tmp_path, llm_server):
    w = Workspace.open(tmp_path / "w", {"worker": llm_server.role("openai/gpt-4o-mini")})
    try:
        comp = w.llm.complete("worker", "a priced call " * 20)
        # gpt-4o-mini in litellm's bundled map: $0.15 / $0.60 per million tokens
        assert comp.cost_usd == pytest.approx(comp.prompt_tokens * 0.15e-6 + comp.completion_tokens * 0.6e-6)
        assert comp.cost_usd > 0
    finally:
        w.close()


def test_lone_surrogates_from_a_model_are_stored(ws, llm_server):
    body = ('{"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [{"index": 0, '
            '"message": {"role": "assistant", "content": "broken \\ud800 text"}, "finish_reason": "stop"}], '
            '"usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}}')
    llm_server.add(r"surrogate", body, raw=True)
    assert ws.llm.complete("worker", "surrogate please").text.startswith("broken")
    ws.llm.flush()
    (text,) = ws.db.execute("SELECT text FROM llm_cache").fetchone()
    assert text == "broken ? text"
