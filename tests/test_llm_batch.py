"""Batches keep input order, return per-item errors, and respect the per-model in-flight limit."""

from __future__ import annotations

import asyncio

from sro.errors import LLMAuthError, LLMError
from sro.llm.types import Completion
from sro.workspace import Workspace


def test_batch_with_mixed_failures_keeps_order(tmp_path, llm_server):
    llm_server.add(r"item 1\b", "auth", status=401)
    llm_server.add(r"item 3\b", "always busy", status=503)
    llm_server.add(r"item 4\b", "late answer", delay_s=0.2)
    llm_server.default(lambda req: "echo " + req["messages"][-1]["content"])
    w = Workspace.open(tmp_path / "ws", {"worker": llm_server.role(max_retries=1, retry_base_s=0.01)})
    try:
        items = [f"item {i}" for i in range(6)]
        results = asyncio.run(w.llm.abatch("worker", items))
        assert [type(r) for r in results] == [Completion, LLMAuthError, Completion, LLMError, Completion, Completion]
        assert results[0].text == "echo item 0" and results[4].text == "late answer"
        assert results[5].text == "echo item 5"
        assert "HTTP 401" in str(results[1]) and "authentication failed" in str(results[1]) and "after 2 attempts" in str(results[3])
        assert llm_server.count(r"item 3\b") == 2 and llm_server.count(r"item 1\b") == 1
    finally:
        w.close()


def test_in_flight_limit_per_model(tmp_path, llm_server):
    llm_server.default("ok", delay_s=0.05)
    w = Workspace.open(tmp_path / "ws", {"worker": llm_server.role(max_concurrency=3)})
    try:
        results = w.llm.batch("worker", [f"p{i}" for i in range(12)])
        assert all(isinstance(r, Completion) for r in results)
        assert llm_server.peak_in_flight == 3
    finally:
        w.close()


def test_rpm_limit_is_enforced(tmp_path, llm_server):
    w = Workspace.open(tmp_path / "ws", {"worker": llm_server.role(rpm=3)})
    try:
        async def run():
            task = asyncio.ensure_future(w.llm.abatch("worker", [f"r{i}" for i in range(5)]))
            await asyncio.sleep(1.0)
            sent = llm_server.count()
            task.cancel()
            return sent

        assert asyncio.run(run()) == 3  # the other two wait for the one-minute window
    finally:
        w.close()
