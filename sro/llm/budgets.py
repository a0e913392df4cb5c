"""Budgets in USD, tokens and calls, enforced BEFORE a call is sent.

A `BudgetScope` is one accounting bucket (a campaign, a node, an rlm_query sub-budget, or the process)
with an overall limit and optional per-role limits. A call is checked against every scope in the view's
chain; its estimate is reserved while it is in flight (so 32 concurrent calls cannot all squeeze under
the same remaining budget) and replaced by the actual spend when it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sro.config import Budgets
from sro.errors import BudgetExceeded
from sro.llm.types import Spend


@dataclass
class Estimate:
    tokens: int
    cost_usd: float


@dataclass
class BudgetScope:
    name: str
    limits: Budgets = field(default_factory=Budgets)
    role_limits: dict[str, Budgets] = field(default_factory=dict)
    spent: Spend = field(default_factory=Spend)
    role_spent: dict[str, Spend] = field(default_factory=dict)
    reserved: Spend = field(default_factory=Spend)
    role_reserved: dict[str, Spend] = field(default_factory=dict)

    @property
    def limited(self) -> bool:
        return _any(self.limits) or any(_any(b) for b in self.role_limits.values())

    def check(self, role: str, est: Estimate) -> None:
        _check(f"{self.name} budget", self.limits, self.spent, self.reserved, est)
        if role in self.role_limits:
            _check(f"{self.name} budget for role {role}", self.role_limits[role],
                   self.role_spent.get(role, Spend()), self.role_reserved.get(role, Spend()), est)

    def reserve(self, role: str, est: Estimate, sign: int = 1) -> None:
        for bucket in (self.reserved, self.role_reserved.setdefault(role, Spend())):
            bucket.add(sign, sign * est.tokens, sign * est.cost_usd)

    def commit(self, role: str, tokens: int, cost_usd: float) -> None:
        for bucket in (self.spent, self.role_spent.setdefault(role, Spend())):
            bucket.add(1, tokens, cost_usd)


def _any(b: Budgets) -> bool:
    return b.usd is not None or b.tokens is not None or b.calls is not None


def _check(what: str, limit: Budgets, spent: Spend, reserved: Spend, est: Estimate) -> None:
    if limit.calls is not None and spent.calls + reserved.calls + 1 > limit.calls:
        raise BudgetExceeded(f"{what} exhausted: {spent.calls} of {limit.calls} calls used", "calls")
    if limit.tokens is not None and spent.tokens + reserved.tokens + est.tokens > limit.tokens:
        raise BudgetExceeded(
            f"{what} would be exceeded: {spent.tokens} of {limit.tokens} tokens used, "
            f"this call needs about {est.tokens}", "tokens")
    if limit.usd is not None and spent.cost_usd + reserved.cost_usd + est.cost_usd > limit.usd:
        raise BudgetExceeded(
            f"{what} would be exceeded: {spent.cost_usd:.4f} of {limit.usd:.4f} USD spent, "
            f"this call may cost about {est.cost_usd:.4f} USD", "usd")


def check_and_reserve(chain: list[BudgetScope], role: str, est: Estimate) -> list[BudgetScope]:
    """Raise BudgetExceeded if any scope refuses; otherwise reserve in all and return the whole chain (released the same way)."""
    active = [s for s in chain if s.limited]
    for scope in active:
        scope.check(role, est)
    for scope in chain:
        scope.reserve(role, est)
    return chain
