"""Budgets of a running campaign: which one (if any) is used up. LLM spend comes from the cost ledger
(through the campaign's scoped client) so calls made by a run that was killed still count on resume."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sro.campaign.spec import Effective


@dataclass
class Spend:
    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0


def spend_of(client: Any) -> Spend:
    """Spend of an LLMClient view (sro.llm Spend has calls, tokens, cost_usd)."""
    raw = client.spent()
    return Spend(int(getattr(raw, "calls", 0) or 0), int(getattr(raw, "tokens", 0) or 0),
                 float(getattr(raw, "cost_usd", 0.0) or 0.0))


class BudgetGuard:
    def __init__(self, eff: Effective, spend: Callable[[], Spend], elapsed: Callable[[], float]):
        self.eff, self._spend, self._elapsed = eff, spend, elapsed

    def spend(self) -> Spend:
        return self._spend()

    def remaining_wall_s(self) -> float | None:
        if self.eff.wall_time_s is None:
            return None
        return max(0.0, self.eff.wall_time_s - self._elapsed())

    def exhausted(self, expanded: int, in_flight: int = 0) -> str | None:
        """The stop reason if a new expansion must not start, else None."""
        eff = self.eff
        if expanded + in_flight >= eff.max_nodes:
            return "max_nodes"
        if eff.wall_time_s is not None and self._elapsed() >= eff.wall_time_s:
            return "wall_time"
        spent = self._spend()
        if eff.usd is not None and spent.cost_usd >= eff.usd:
            return "budget_usd"
        if eff.tokens is not None and spent.tokens >= eff.tokens:
            return "budget_tokens"
        if eff.calls is not None and spent.calls >= eff.calls:
            return "budget_calls"
        return None

    def limits(self) -> dict[str, float | int | None]:
        eff = self.eff
        return {"usd": eff.usd, "tokens": eff.tokens, "calls": eff.calls, "wall_time_s": eff.wall_time_s,
                "max_nodes": eff.max_nodes, "max_depth": eff.max_depth}


def budget_reason(message: str) -> str:
    """Map a BudgetExceeded message onto a stop reason (the LLM layer names the exhausted budget)."""
    low = message.lower()
    for key, reason in (("usd", "budget_usd"), ("cost", "budget_usd"), ("token", "budget_tokens"),
                        ("call", "budget_calls")):
        if key in low:
            return reason
    return "budget"
