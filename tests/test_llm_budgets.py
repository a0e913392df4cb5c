"""Budgets are enforced before a call is sent: the server never sees a refused call."""

from __future__ import annotations

import asyncio

import pytest

from sro.config import Budgets
from sro.errors import BudgetExceeded
from sro.workspace import Workspace

PRICE = {"input_per_mtok": 1000.0, "output_per_mtok": 1000.0}  # $0.001 per token
PRICES = {"openai/test-worker": PRICE, "openai/judge": PRICE}


def _open(tmp_path, server, **settings):
    return Workspace.open(tmp_path / "ws", {"worker": server.role(), "judge": server.role("openai/judge"),
                                            "price_table": PRICES, **settings})


def test_call_budget_refuses_before_sending(tmp_path, llm_server):
    w = _open(tmp_path, llm_server, budgets={"calls": 2})
    try:
        w.llm.complete("worker", "one")
        w.llm.complete("worker", "two")
        with pytest.raises(BudgetExceeded, match="2 of 2 calls") as refused:
            w.llm.complete("worker", "three")
        assert refused.value.kind == "calls"
        assert llm_server.count() == 2
        w.llm.complete("worker", "one")  # cache hits are free and still allowed
        assert w.llm.spent().calls == 2
    finally:
        w.close()


def test_token_budget_uses_estimate_with_max_tokens(tmp_path, llm_server):
    w = _open(tmp_path, llm_server, budgets={"tokens": 100})
    try:
        with pytest.raises(BudgetExceeded, match="tokens") as refused:
            w.llm.complete("worker", "short", max_tokens=500)
        assert refused.value.kind == "tokens"
        assert llm_server.count() == 0
        assert w.llm.complete("worker", "short", max_tokens=20).text == "OK"
    finally:
        w.close()


def test_usd_budget_and_role_budget(tmp_path, llm_server):
    w = _open(tmp_path, llm_server, role_budgets={"judge": {"usd": 0.01}})
    try:
        w.llm.complete("worker", "x" * 400, max_tokens=50)  # the worker is unlimited
        with pytest.raises(BudgetExceeded, match="role judge"):
            w.llm.complete("judge", "x" * 400, max_tokens=50)  # ~150 tokens ~ $0.15 > $0.01
        assert llm_server.count() == 1
    finally:
        w.close()


def test_campaign_budget_counts_the_ledger_across_restarts(tmp_path, llm_server):
    w = _open(tmp_path, llm_server, budgets={"calls": 3})
    try:
        c = w.llm.scoped(campaign="camp")
        c.complete("worker", "a")
        c.complete("worker", "b")
    finally:
        w.close()
    w = _open(tmp_path, llm_server, budgets={"calls": 3})
    try:
        c = w.llm.scoped(campaign="camp")
        assert c.spent().calls == 2
        c.complete("worker", "c")
        with pytest.raises(BudgetExceeded, match="campaign camp"):
            c.complete("worker", "d")
        other = w.llm.scoped(campaign="other")  # a different campaign has its own budget
        other.complete("worker", "d")
        assert llm_server.count() == 4
    finally:
        w.close()


def test_scoped_sub_budget_stops_the_view_not_the_parent(tmp_path, llm_server):
    w = _open(tmp_path, llm_server)
    try:
        camp = w.llm.scoped(campaign="camp")
        sub = camp.scoped(node="n1", budgets=Budgets(calls=1))
        sub.complete("worker", "first")
        with pytest.raises(BudgetExceeded, match="node n1"):
            sub.complete("worker", "second")
        camp.complete("worker", "second")
        assert camp.spent().calls == 2 and sub.spent().calls == 1
    finally:
        w.close()


def test_concurrent_calls_cannot_overrun_a_budget(tmp_path, llm_server):
    llm_server.default("slow", delay_s=0.05)
    w = _open(tmp_path, llm_server, budgets={"calls": 5})
    try:
        results = asyncio.run(w.llm.abatch("worker", [f"q{i}" for i in range(12)]))
        refused = [r for r in results if isinstance(r, BudgetExceeded)]
        assert len(refused) == 7 and llm_server.count() == 5
    finally:
        w.close()


def test_budget_kind_survives_pickling_and_spend_has_arithmetic():
    import pickle

    from sro.campaign.budget import budget_reason
    from sro.llm.types import Spend

    again = pickle.loads(pickle.dumps(BudgetExceeded("0.5 of 0.5 USD spent", kind="usd")))
    assert again.kind == "usd" and str(again) == "0.5 of 0.5 USD spent" and budget_reason(again) == "budget_usd"
    assert budget_reason(BudgetExceeded("refused")) == "budget"
    assert Spend(3, 30, 0.3) - Spend(1, 10, 0.1) + Spend(1, 1, 0.0) == Spend(3, 21, 0.3 - 0.1)
