"""Campaign report: runs/<campaign>/report.md, report.html (self-contained), tree.json, tree.graphml.

`write_report` gathers everything from the workspace (tree and campaign row in DuckDB, facts in the graph,
spend in the ledger when the LLM layer is there), so `sro report CAMPAIGN` can rebuild it at any time,
including for a campaign whose run was killed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sro.campaign.synthesis import KeyFact, Synthesis, synthesize
from sro.errors import CampaignError
from sro.mcts.export import write_graphml, write_json
from sro.mcts.select import best_path
from sro.mcts.store import TreeStore
from sro.mcts.tree import Tree


@dataclass
class ReportData:
    campaign: dict[str, Any]
    tree: Tree
    synthesis: Synthesis
    stats: dict[str, Any]
    links: dict[str, str] = field(default_factory=dict)  # source IRI -> link (permalink / path)


def gather_stats(tree: Tree, row: dict[str, Any], seen: int, summary: Any | None, graph_facts: int) -> dict:
    nodes = tree.expanded()
    per_axiom: Counter[str] = Counter()
    for node in nodes:
        per_axiom.update(node.findings.get("rejected_by_axiom") or {})
    return {
        "nodes_total": len(tree), "nodes_expanded": len(nodes),
        "nodes_failed": sum(1 for n in nodes if n.status == "failed"),
        "max_depth": max((n.depth for n in tree), default=0),
        "llm_calls": summary.llm_calls if summary else sum(n.calls for n in nodes),
        "tokens": summary.tokens if summary else sum(n.tokens for n in nodes),
        "cost_usd": round(summary.cost_usd if summary else sum(n.cost_usd for n in nodes), 6),
        "accepted": seen, "graph_facts": graph_facts,
        "candidates": sum(n.candidates for n in nodes), "rejected": sum(n.rejected for n in nodes),
        "rejected_by_axiom": dict(per_axiom.most_common()),
        "elapsed_s": round(float(row.get("elapsed_s") or 0.0), 2), "runs": row.get("runs"),
        "stopped_reason": (summary.stopped_reason if summary else row.get("stopped_reason")) or "",
        "errors": (summary.errors if summary else json.loads(row.get("errors_json") or "[]"))[-20:],
    }


def source_links(ws: Any, facts: list[KeyFact]) -> dict[str, str]:
    """Map document IRIs to what a reader can open: Reddit permalinks and URLs as they are, internal
    document IRIs through the dataset store's source_uri when the document id can be recovered."""
    links: dict[str, str] = {}
    for fact in facts:
        for iri in fact.sources:
            if iri not in links:
                links[iri] = _link_for(ws, iri)
    return links


def _link_for(ws: Any, iri: str) -> str:
    if iri.startswith("https://sro.dev/"):
        from urllib.parse import unquote

        doc_id = unquote(iri.rstrip("/").rsplit("/", 1)[-1])
        try:
            return ws.datasets.document(doc_id).source_uri
        except Exception:  # noqa: BLE001 - not a document id we know: keep the IRI
            return iri
    return iri


async def build_report(ws: Any, name: str, *, summary: Any | None = None, llm: Any | None = None) -> ReportData:
    store = TreeStore(ws.db)
    row = store.campaign(name)
    if row is None:
        known = ", ".join(c["name"] for c in store.campaigns()) or "none"
        raise CampaignError(f"unknown campaign {name!r}; campaigns in this workspace: {known}")
    tree = store.load(name)
    synthesis = await synthesize(ws, name, row["question"], llm=llm)
    stats = gather_stats(tree, row, len(store.seen_keys(name)), summary, len(synthesis.facts))
    return ReportData(row, tree, synthesis, stats, source_links(ws, synthesis.facts))


async def write_report(ws: Any, name: str, *, summary: Any | None = None, llm: Any | None = None,
                       key_facts: int = 25, html: bool = True, tree_json: bool = True,
                       graphml: bool = True) -> Path:
    from sro.campaign.report_html import render_html

    data = await build_report(ws, name, summary=summary, llm=llm)
    out = ws.run_dir(name)
    (out / "report.md").write_text(render_markdown(data, key_facts), encoding="utf-8")
    if html:
        (out / "report.html").write_text(render_html(data, key_facts), encoding="utf-8")
    if tree_json:
        write_json(data.tree, out / "tree.json")
    if graphml:
        write_graphml(data.tree, out / "tree.graphml")
    return out / "report.md"


def render_markdown(data: ReportData, key_facts: int) -> str:
    row, syn, st = data.campaign, data.synthesis, data.stats
    lines = [f"# Campaign {row['name']}", "", f"**Question:** {row['question']}", "",
             f"Pipeline `{row['pipeline']}` · stopped: **{st['stopped_reason'] or 'running'}**", "",
             "## Answer", ""]
    if syn.error:
        lines += [f"> {syn.error}", ""]
    lines += [syn.answer, "", "## Key facts", ""]
    if syn.facts:
        lines += ["| # | subject | predicate | object | score | quote | source |", "|---|---|---|---|---|---|---|"]
        for i, fact in enumerate(syn.facts[:key_facts], 1):
            quote = (fact.quotes or [""])[0].replace("|", "\\|").replace("\n", " ")[:200]
            src = ", ".join(f"[{k + 1}]({data.links.get(s, s)})" for k, s in enumerate(fact.sources[:3]))
            lines.append(f"| {i} | {_md(fact.subject)} | {_md(fact.predicate)} | {_md(fact.object)} | "
                         f"{fact.score:.2f} | \"{quote}\" | {src} |")
    else:
        lines.append("No accepted facts yet.")
    lines += ["", "## Research tree", ""] + tree_lines(data.tree) + ["", "## Stats", ""]
    lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in st.items() if k not in ("errors", "rejected_by_axiom")]
    if st["rejected_by_axiom"]:
        lines.append("- rejected by axiom: " + ", ".join(f"{a} {n}" for a, n in st["rejected_by_axiom"].items()))
    if st["errors"]:
        lines += ["", "## Errors", ""] + [f"- {e}" for e in st["errors"]]
    return "\n".join(lines) + "\n"


def tree_lines(tree: Tree) -> list[str]:
    if tree.root_id is None:
        return []
    best = {n.id for n in best_path(tree)}
    out: list[str] = []

    def walk(node_id: str, indent: int) -> None:
        node = tree.nodes[node_id]
        reward = "—" if node.reward is None else f"{node.reward:.2f}"
        mark = " ★" if node.id in best and node.visits else ""
        out.append(f"{'  ' * indent}- {node.question} — {node.status}, reward {reward}, visits {node.visits}, "
                   f"accepted {node.accepted} (new {node.novel}){mark}")
        for child in sorted(node.children, key=lambda c: tree.nodes[c].seq):
            walk(child, indent + 1)

    walk(tree.root_id, 0)
    return out


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")[:120]
