"""The research tree as nested JSON and as GraphML (via networkx), for reports and other tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sro.mcts.tree import ResearchNode, Tree


def node_dict(node: ResearchNode) -> dict[str, Any]:
    return {
        "id": node.id, "parent": node.parent, "question": node.question, "depth": node.depth,
        "status": node.status, "source": node.source, "prior": node.prior,
        "reward": None if node.reward is None else round(node.reward, 4),
        "visits": node.visits, "mean": round(node.mean, 4), "accepted": node.accepted, "novel": node.novel,
        "rejected": node.rejected, "candidates": node.candidates, "cost_usd": round(node.cost_usd, 6),
        "tokens": node.tokens, "calls": node.calls, "answer": node.answer, "error": node.error,
        "duration_s": round(node.duration_s, 3), "findings": node.findings,
    }


def tree_dict(tree: Tree) -> dict[str, Any]:
    """Nested: each node with its children (ordered by creation)."""
    def build(node_id: str) -> dict[str, Any]:
        node = tree.nodes[node_id]
        kids = sorted(node.children, key=lambda c: tree.nodes[c].seq)
        return {**node_dict(node), "children": [build(c) for c in kids]}

    return {"campaign": tree.campaign, "nodes": len(tree),
            "root": build(tree.root_id) if tree.root_id else None}


def write_json(tree: Tree, path: Path) -> Path:
    path.write_text(json.dumps(tree_dict(tree), indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    return path


def to_networkx(tree: Tree) -> Any:
    import networkx as nx

    graph = nx.DiGraph(campaign=tree.campaign)
    for node in tree:
        # GraphML holds str/int/float/bool only: None becomes "" (or -1 for numbers), findings are dropped.
        attrs = {k: v for k, v in node_dict(node).items() if k not in ("findings", "parent")}
        graph.add_node(node.id, **{k: _graphml_value(k, v) for k, v in attrs.items() if k != "id"})
        if node.parent is not None:
            graph.add_edge(node.parent, node.id)
    return graph


def write_graphml(tree: Tree, path: Path) -> Path:
    import networkx as nx

    nx.write_graphml(to_networkx(tree), str(path))
    return path


def _graphml_value(key: str, value: object) -> Any:
    if value is None:
        return -1.0 if key in ("prior", "reward") else ""
    return value
