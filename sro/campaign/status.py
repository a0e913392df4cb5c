"""Campaign status rows for `sro status` and the workspace API: progress, liveness, best branch."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sro.errors import CampaignError

if TYPE_CHECKING:
    from sro.mcts.tree import Tree
    from sro.workspace import Workspace


def status_rows(ws: Workspace, campaign: str | None) -> list[dict[str, Any]]:
    from sro.mcts.store import TreeStore

    store = TreeStore(ws.db)
    rows = store.campaigns() if campaign is None else [r for r in [store.campaign(campaign)] if r]
    if campaign is not None and not rows:
        known = ", ".join(c["name"] for c in store.campaigns()) or "none"
        raise CampaignError(f"unknown campaign {campaign!r}; campaigns in this workspace: {known}")
    out = []
    for row in rows:
        tree = store.load(row["name"])
        expanded = tree.expanded()
        out.append({
            "campaign": row["name"], "question": row["question"], "pipeline": row["pipeline"],
            "status": _status(row), "stopped_reason": row["stopped_reason"], "runs": row["runs"],
            "nodes_expanded": len(expanded), "nodes_total": len(tree),
            "accepted": len(store.seen_keys(row["name"])), "rejected": sum(n.rejected for n in expanded),
            "elapsed_s": round(float(row["elapsed_s"] or 0), 2),
            "best_branch": [n.question for n in _best(tree)],
            "errors": json.loads(row["errors_json"] or "[]")[-5:],
        })
    return out


def _status(row: dict[str, Any]) -> str:
    """'running' only while the process that runs it lives; a killed run says so."""
    if row["status"] != "running":
        return row["status"]
    import psutil

    pid = row.get("pid")
    return "running" if pid and psutil.pid_exists(pid) else "killed (continue with sro run SPEC --resume)"


def _best(tree: Tree) -> list[Any]:
    from sro.mcts.select import best_path

    return best_path(tree)
