"""Host-side work is bounded per step: data primitives share a host-time budget, SQL from model code runs
with memory, thread and result-size limits and is interrupted at the deadline, grep patterns are capped."""

from __future__ import annotations

import time

import pytest

from sro.data.models import Document
from sro.errors import DatasetError
from sro.rlm.limits import SandboxLimits
from sro.rlm.sandbox import Sandbox
from sro.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(tmp_path / "ws")
    w.datasets.add_documents("d", [Document(id=f"doc{i}", dataset="d", source_uri=f"x:{i}", text=f"row {i} " + "word " * 200)
                                   for i in range(50)])
    yield w
    w.close()


def test_slow_sql_is_interrupted_at_the_deadline(ws):
    t0 = time.monotonic()
    with pytest.raises(DatasetError, match="stopped after 0.5 s"):
        ws.datasets.dataset("d").sql("SELECT count(*) FROM range(100000000000) a", timeout_s=0.5)
    assert time.monotonic() - t0 < 10


def test_large_results_are_refused_with_advice(ws):
    with pytest.raises(DatasetError, match="result too large .* use LIMIT or aggregate"):
        ws.datasets.dataset("d").sql("SELECT repeat(text, 40) AS t FROM documents, range(20)")


def test_sql_cannot_raise_its_own_limits(ws):
    for statement in ("SET memory_limit = '20GB'", "SET threads = 8", "SET enable_external_access = true"):
        with pytest.raises(DatasetError):
            ws.datasets.dataset("d").sql(statement)


def test_grep_pattern_size_is_capped(ws):
    with pytest.raises(DatasetError, match="at most 2000 characters"):
        ws.datasets.dataset("d").grep("a" * 5000)
    assert ws.datasets.dataset("d").grep("row 1\\b", timeout_s=5)


def test_data_calls_share_a_host_time_budget_per_step():
    def slow(fn, args, host_left):
        time.sleep(0.3)
        return host_left

    with Sandbox(SandboxLimits(timeout_s=10, host_s=1.0)) as box:
        result = box.run("left = []\nfor i in range(10):\n    left.append(datasets())", slow)
        assert not result.ok and result.restarted
        assert "used more than 1 s of host time" in result.error
        assert len(result.calls) <= 5
        quick = box.run("print(round(datasets(), 1))", lambda fn, args, host_left: host_left)
        assert quick.stdout == "1.0\n", "the budget is per step"
        model = box.run("x = [llm_query('q') for i in range(5)]\nprint('ok')", slow)
        assert model.ok, "model calls are bounded by LLM budgets, not the host-time budget"
