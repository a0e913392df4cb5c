"""Budgets of a running campaign: which one (if any) is used up. LLM spend comes from the cost ledger
(through the campaign's scoped client) so calls made by a run that was killed still count on resume."""

from __future__ import annotations

from typing import Callable

from sro.campaign.spec import Effective
from sro.errors import BudgetExceeded
from sro.llm.types import Spend


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


def budget_reason(exc: BudgetExceeded) -> str:
    """The campaign's stop reason for a refused call: budget_usd, budget_tokens, budget_calls."""
    return f"budget_{exc.kind}" if exc.kind else "budget"
