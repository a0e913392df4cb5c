"""What the Markdown and the HTML report both say, as plain text: the header line, how to read a fact's
object (units, periods), the method and its identities (every number the report prints adds up), the tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sro.campaign.aggregate import PERIODS, fmt, humanize
from sro.campaign.facts import KeyFact
from sro.mcts.select import best_path

if TYPE_CHECKING:
    from sro.campaign.report import ReportData
    from sro.mcts.tree import ResearchNode


def display_object(fact: KeyFact) -> str:
    """"28100" with currency USD -> "$28,100"; "10" with unit year -> "10 years"; P10Y -> "10 years"."""
    q, value = fact.qualifiers, fact.number
    if value is None:
        text = humanize(fact.object)
    elif q.get("currency") == "USD":
        text = fmt(value, "$") + (f" per {q['unit']}" if q.get("unit") else "")
    else:
        unit = q.get("unit", "")
        text = fmt(value, f"{unit}s" if unit in ("year", "month") and value != 1 else unit)
    period = PERIODS.get(q.get("period", "").lower())
    extra = [f"for {q['system_size_kw']} kW"] if q.get("system_size_kw") else []
    return " ".join([text] + ([f"per {period}"] if period else []) + extra)


def dataset_line(h: dict[str, Any]) -> str:
    parts = []
    for d in h["datasets"]:
        tag = "SYNTHETIC, " if d["synthetic"] else ""
        about = f"; {d['description']}" if d["description"] else ""
        parts.append(f"{d['name']} ({tag}{d['documents']} documents{about})")
    return "; ".join(parts) or "none"


def models_line(h: dict[str, Any]) -> str:
    if not h["models"]:
        return "offline (no model)"
    return ", ".join(f"{role}: {model}" for role, model in h["models"].items())


def method_lines(data: "ReportData") -> list[str]:
    st, names = data.stats, ", ".join(d["name"] for d in data.header["datasets"])
    lines = [
        f"The research tree has {st['nodes_total']} nodes, {st['nodes_expanded']} expanded "
        f"({st['nodes_failed']} failed), depth up to {st['max_depth']}; the run stopped on "
        f"'{st['stopped_reason'] or 'running'}' after {st['elapsed_s']} s in {st['runs']} run(s).",
        f"Its nodes judged {st['candidates']} candidate facts: {st['accepted']} accepted + {st['rejected']} "
        f"rejected + {st['conflicts']} conflicts (a chunk read by several nodes is judged again each time).",
        f"The {st['accepted']} accepted candidates state {st['campaign_facts']} distinct facts new to this "
        f"campaign; the other {st['repeats']} restate a fact it already had.",
        f"The report draws on all {st['facts_total']} accepted facts (graph assertions) about documents of "
        f"{names}, whichever run found them: {st['facts_named']} under the pipeline's named predicates and "
        f"{st['facts_total'] - st['facts_named']} raw verb relations (appendix). {st['facts_own']} of them are "
        f"among this campaign's {st['campaign_facts']} findings (marked ★); the others were accepted by "
        "`sro extract` or another campaign and not met by this one.",
        f"The answer uses {data.answer.facts_used} of these facts from {data.answer.posts_used} documents; "
        f"{len(data.answer.citations.items)} are cited.",
        f"Models: {models_line(data.header)}; {st['llm_calls']} LLM calls, {st['tokens']} tokens, "
        f"${st['cost_usd']:.4f}.",
    ]
    if st["rejected_by_axiom"]:
        lines.append("Rejections by axiom (a candidate can fail several): "
                     + ", ".join(f"{a} {n}" for a, n in st["rejected_by_axiom"].items()) + ".")
    return lines + data.answer.rules


def tree_rows(data: "ReportData") -> list[tuple[int, Any, bool]]:
    """(depth, node, on the best path) in outline order."""
    tree = data.tree
    if tree.root_id is None:
        return []
    best = {n.id for n in best_path(tree) if n.visits}
    out: list[tuple[int, Any, bool]] = []

    def walk(node_id: str, depth: int) -> None:
        node = tree.nodes[node_id]
        out.append((depth, node, node.id in best))
        for child in sorted(node.children, key=lambda c: tree.nodes[c].seq):
            walk(child, depth + 1)

    walk(tree.root_id, 0)
    return out


def node_summary(node: ResearchNode, found: dict[str, str]) -> str:
    """A node's reward and what it found: the predicates of the facts it was first to find."""
    if node.status == "new":
        return "not explored"
    reward = "—" if node.reward is None else f"{node.reward:.2f}"
    if not node.accepted:
        return f"reward {reward}; no fact accepted" + ("; failed" if node.status == "failed" else "")
    new = f": {found[node.id]}" if node.id in found else ""
    return f"reward {reward}; {node.accepted} facts accepted, {node.novel} new{new}"
