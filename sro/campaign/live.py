"""Live view of a running campaign (rich, on stderr): nodes, best branch, triples, spend against budgets.

The runner calls `LiveView.update(runner)` after every launch and every commit; rendering reads only
in-memory state, so the view costs nothing measurable per node.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from sro.console import err_console, plain_period_s

if TYPE_CHECKING:
    from sro.campaign.runner import CampaignRunner
    from sro.mcts.tree import Tree


def _budget_row(table: Table, label: str, used: float, limit: float | None, fmt: str) -> None:
    if limit is None:
        table.add_row(label, fmt.format(used), "unlimited", "")
        return
    share = min(1.0, used / limit) if limit else 1.0
    bar = "█" * int(share * 20) + "░" * (20 - int(share * 20))
    table.add_row(label, fmt.format(used), fmt.format(limit), f"{bar} {share:.0%}")


def render(runner: "CampaignRunner") -> Group:
    planner = runner.planner
    nodes = planner.tree.expanded()
    spend = runner.guard.spend()
    eff = runner.eff
    head = Text.assemble(
        ("campaign ", "bold"), (runner.name, "cyan"), "  ",
        f"expanded {len(nodes)}  in flight {len(runner.in_flight)}  total {len(planner.tree)}  ",
        f"accepted {len(planner.seen)}  rejected {sum(n.rejected for n in nodes)}  ",
        (f"errors {len(runner.errors)}" if runner.errors else "", "red"))
    budgets = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("budget", "used", "limit", ""):
        budgets.add_column(col)
    _budget_row(budgets, "nodes", len(nodes), eff.max_nodes, "{:.0f}")
    _budget_row(budgets, "calls", spend.calls, eff.calls, "{:.0f}")
    _budget_row(budgets, "tokens", spend.tokens, eff.tokens, "{:.0f}")
    _budget_row(budgets, "usd", spend.cost_usd, eff.usd, "{:.4f}")
    _budget_row(budgets, "seconds", planner.elapsed(), eff.wall_time_s, "{:.0f}")
    branch = Table(title="best branch", show_header=True, header_style="bold", box=None, title_justify="left")
    for col in ("depth", "question", "visits", "mean", "accepted"):
        branch.add_column(col, overflow="fold")
    for node in planner.best_branch():
        branch.add_row(str(node.depth), node.question[:90], str(node.visits), f"{node.mean:.2f}", str(node.accepted))
    tops = Table(title="top branches", show_header=True, header_style="bold", box=None, title_justify="left")
    for col in ("question", "visits", "mean", "accepted below"):
        tops.add_column(col, overflow="fold")
    tree = planner.tree
    if tree.root_id is not None:
        kids = sorted((tree.nodes[c] for c in tree.root.children), key=lambda n: (-n.visits, -n.mean, n.seq))
        for node in kids[:5]:
            tops.add_row(node.question[:90], str(node.visits), f"{node.mean:.2f}", str(_accepted_below(tree, node.id)))
    flying = [f"… {n.question[:100]}" for n in runner.in_flight.values()]
    return Group(head, budgets, branch, tops, Text("\n".join(flying), style="dim"))


def _accepted_below(tree: Tree, node_id: str) -> int:
    total, stack = 0, [node_id]
    while stack:
        node = tree.nodes[stack.pop()]
        total += node.novel
        stack.extend(node.children)
    return total


class LiveView:
    """Context manager; pass `view.update` as the runner's observer."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and err_console.is_terminal
        self.plain = enabled and not err_console.is_terminal  # logs and pipes: a plain line now and then
        self._live: Live | None = None
        self._last = time.monotonic()
        self._period = plain_period_s()

    def __enter__(self) -> "LiveView":
        if self.enabled:
            self._live = Live(Text("starting…"), console=err_console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)
            self._live = None

    def update(self, runner: "CampaignRunner") -> None:
        if self._live is not None and hasattr(runner, "planner"):
            self._live.update(render(runner))
        elif self.plain and hasattr(runner, "planner") and time.monotonic() - self._last >= self._period:
            self._last = time.monotonic()
            nodes = runner.planner.tree.expanded()
            spend = runner.guard.spend()
            sys.stderr.write(f"campaign {runner.name}: expanded {len(nodes)}, in flight {len(runner.in_flight)}, "
                             f"accepted {len(runner.planner.seen)}, errors {len(runner.errors)}, "
                             f"{spend.calls} calls, ${spend.cost_usd:.4f}, {runner.planner.elapsed():.0f}s\n")
            sys.stderr.flush()
