"""Campaign report: runs/<campaign>/report.md, report.html (self-contained), report.json, tree.json, tree.graphml.

`build_report` gathers everything from the workspace (tree and campaign row in DuckDB, every accepted fact
about the campaign's datasets in the graph, spend in the ledger when the LLM layer is there), so
`sro report CAMPAIGN` can rebuild it at any time, also for a campaign whose run was killed and whatever ran
before it. The answer comes first (sro/campaign/answer.py); every `[n]` is a listed citation.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sro.campaign.answer import Answer, compute_answer, model_answer
from sro.llm.types import Spend
from sro.campaign.facts import KeyFact, gather_facts
from sro.errors import CampaignError
from sro.mcts.export import write_graphml, write_json
from sro.mcts.store import TreeStore
from sro.mcts.tree import Tree

if TYPE_CHECKING:
    from sro.campaign.runner import RunSummary
    from sro.llm.client import LLMClient
    from sro.workspace import Workspace


@dataclass
class ReportData:
    campaign: dict[str, Any]
    tree: Tree
    answer: Answer
    facts: list[KeyFact]  # every accepted fact about the campaign's datasets
    stats: dict[str, Any]
    header: dict[str, Any]  # question, datasets, date, version, models, cost
    node_found: dict[str, str]  # node id -> what its new facts are about ("payback period 5, utility 2")

    @property
    def raw(self) -> list[KeyFact]:
        """Raw verb relations (not one of the pipeline's named predicates): the appendix."""
        return [f for f in self.facts if not f.named]


def gather_stats(tree: Tree, row: dict[str, Any], seen: int, summary: RunSummary | None, facts: list[KeyFact],
                 spend: Spend | None = None) -> dict:
    """The campaign's counts; the identities they satisfy are stated in the report (see `method_lines`).
    LLM spend: the run's summary, else the ledger's spend of the campaign (`spend`), else the nodes' own
    counters (which also count the turns of the offline policy)."""
    nodes = tree.expanded()
    if summary is not None:
        spend = Spend(summary.llm_calls, summary.tokens, summary.cost_usd)
    elif spend is None:
        spend = Spend(sum(n.calls for n in nodes), sum(n.tokens for n in nodes), sum(n.cost_usd for n in nodes))
    per_axiom: Counter[str] = Counter()
    for node in nodes:
        per_axiom.update(node.findings.get("rejected_by_axiom") or {})
    candidates, accepted = sum(n.candidates for n in nodes), sum(n.accepted for n in nodes)
    rejected = sum(n.rejected for n in nodes)
    return {
        "nodes_total": len(tree), "nodes_expanded": len(nodes),
        "nodes_failed": sum(1 for n in nodes if n.status == "failed"),
        "max_depth": max((n.depth for n in tree), default=0),
        "llm_calls": spend.calls, "tokens": spend.tokens, "cost_usd": round(spend.cost_usd, 6),
        "candidates": candidates, "accepted": accepted, "rejected": rejected,
        "conflicts": candidates - accepted - rejected,
        "campaign_facts": seen, "repeats": accepted - seen,
        "facts_total": sum(len(f.assertions) for f in facts),
        "facts_named": sum(len(f.assertions) for f in facts if f.named),
        "facts_own": sum(len(f.assertions) for f in facts if f.own),
        "rejected_by_axiom": dict(per_axiom.most_common()),
        "elapsed_s": round(float(row.get("elapsed_s") or 0.0), 2), "runs": row.get("runs"),
        "stopped_reason": (summary.stopped_reason if summary else row.get("stopped_reason")) or "",
        "errors": (summary.errors if summary else json.loads(row.get("errors_json") or "[]"))[-20:],
    }


def header(ws: Workspace, row: dict[str, Any], datasets: list[str], llm: LLMClient | None,
           cost: float) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    info = {d.name: d for d in ws.datasets.list()}
    try:
        sro_version = version("sro")
    except PackageNotFoundError:
        sro_version = "unknown"
    models = {r: ws.settings.role(r).model for r in ("ceo", "worker", "judge") if ws.settings.role(r).model}
    return {
        "question": row["question"], "campaign": row["name"], "pipeline": row["pipeline"],
        "datasets": [{"name": d, "synthetic": bool(info[d].synthetic) if d in info else False,
                      "description": (info[d].description or "") if d in info else "",
                      "documents": info[d].documents if d in info else 0} for d in datasets],
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "version": sro_version,
        "models": models if (llm is not None and models) else {}, "cost_usd": cost,
    }


async def build_report(ws: Workspace, name: str, *, summary: RunSummary | None = None, llm: LLMClient | None = None,
                       key_facts: int = 25) -> ReportData:
    store = TreeStore(ws.db)
    row = store.campaign(name)
    if row is None:
        known = ", ".join(c["name"] for c in store.campaigns()) or "none"
        raise CampaignError(f"unknown campaign {name!r}; campaigns in this workspace: {known}")
    tree = store.load(name)
    spec = json.loads(row.get("spec_json") or "{}")
    datasets = list(spec.get("datasets") or [])
    pipeline = ws.pipeline(row["pipeline"])
    seen = store.seen_keys(name)
    facts = gather_facts(ws, name, datasets, pipeline, seen)
    labels = {p.name: p.label or p.name for p in pipeline.predicates}
    answer = compute_answer(facts, pipeline.report, datasets, labels)
    answer = await _with_model(answer, llm, row["question"], name)
    _more_facts(answer, facts, key_facts)
    stats = gather_stats(tree, row, len(seen), summary, facts, _ledger_spend(llm))
    return ReportData(row, tree, answer, facts, stats, header(ws, row, datasets, llm, stats["cost_usd"]),
                      node_found(store.seen_rows(name), labels))


def node_found(seen_rows: list[dict[str, Any]], labels: dict[str, str]) -> dict[str, str]:
    """Per node, the (named) predicates of the facts it was first to find, most frequent first."""
    per_node: dict[str, Counter[str]] = {}
    for row in seen_rows:
        if row["predicate"] in labels:  # the pipeline's named predicates; raw verbs are not findings to show
            per_node.setdefault(row["node"], Counter())[labels[row["predicate"]]] += 1
    return {node: ", ".join(f"{p} {n}" for p, n in sorted(c.items(), key=lambda pn: (-pn[1], pn[0]))[:5])
            for node, c in per_node.items()}


def _ledger_spend(llm: LLMClient | None) -> Spend | None:
    return llm.spent() if llm is not None else None


async def _with_model(computed: Answer, llm: LLMClient | None, question: str, name: str) -> Answer:
    """The CEO's answer when a CEO model is configured; the computed one (saying why) if it fails."""
    if llm is None or llm.is_offline("ceo") or not computed.citations.items:
        return computed
    try:
        return await model_answer(llm, question, computed, namespace=f"{name}:synthesis")
    except Exception as exc:  # noqa: BLE001 - the report must still be written; say why
        computed.notes.append(f"CEO answer failed ({type(exc).__name__}: {exc}); computed answer instead")
        return computed


def _more_facts(answer: Answer, facts: list[KeyFact], key_facts: int) -> None:
    """Besides what the answer and the findings cite, list up to `key_facts` more of the best-scored named
    facts (the campaign's own first) as citations, so a reader sees the evidence behind the aggregates."""
    answer.cited_in_text = len(answer.citations.items)
    extra = [f for f in sorted(facts, key=lambda f: (not f.own, -f.score)) if f.named]
    for fact in extra:
        if len(answer.citations.items) - answer.cited_in_text >= key_facts:
            break
        answer.citations.cite(fact)


def report_json(data: ReportData, paths: dict[str, str]) -> dict[str, Any]:
    """What `sro report NAME --json` prints."""
    from sro.campaign.aggregate import humanize

    citations = []
    for n, fact in enumerate(data.answer.citations.items, 1):
        ev = fact.evidence[0]
        citations.append({"n": n, "subject": fact.subject, "predicate": fact.predicate,
                          "object": humanize(fact.object), "quote": ev.quote, "doc_id": ev.doc_id,
                          "source_uri": ev.source_uri, "start": ev.start, "end": ev.end, "score": fact.score})
    return {"question": data.campaign["question"], "campaign": data.campaign["name"],
            "answer": {"text": data.answer.text, "mode": data.answer.mode, "notes": data.answer.notes},
            "citations": citations, "facts_total": data.stats["facts_total"], "paths": paths}


async def write_report(ws: Workspace, name: str, *, summary: RunSummary | None = None, llm: LLMClient | None = None,
                       key_facts: int = 25, html: bool = True, tree_json: bool = True,
                       graphml: bool = True) -> dict[str, Any]:
    """Write the report files; returns `report_json` (the paths included)."""
    from sro.campaign.report_html import render_html
    from sro.campaign.report_md import render_markdown

    data = await build_report(ws, name, summary=summary, llm=llm, key_facts=key_facts)
    out = ws.run_dir(name)
    paths = {"markdown": str(out / "report.md")}
    (out / "report.md").write_text(render_markdown(data), encoding="utf-8")
    if html:
        paths["html"] = str(out / "report.html")
        (out / "report.html").write_text(render_html(data), encoding="utf-8")
    if tree_json:
        write_json(data.tree, out / "tree.json")
    if graphml:
        write_graphml(data.tree, out / "tree.graphml")
    result = report_json(data, paths)
    (out / "report.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return result
