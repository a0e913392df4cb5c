"""report.md: header, answer, findings by theme, citations, research tree, method and limits, appendix.
Every `[n]` is a link to its citation's anchor (`#cite-n`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sro.campaign.answer import MARK_RE
from sro.campaign.report_text import dataset_line, display_object, method_lines, models_line, node_summary, tree_rows

if TYPE_CHECKING:
    from sro.campaign.report import ReportData


def linked(text: str) -> str:
    return MARK_RE.sub(lambda m: f"[\\[{m.group(1)}\\]](#cite-{m.group(1)})", text)


def _md(text: str, size: int = 200) -> str:
    return re.sub(r"\s+", " ", str(text)).replace("|", "\\|")[:size]


def render_markdown(data: "ReportData") -> str:
    h, a = data.header, data.answer
    lines = [f"# {h['question']}", "",
             f"Campaign `{h['campaign']}` · pipeline `{h['pipeline']}` · datasets: {dataset_line(h)}", "",
             f"{h['date']} · SRO {h['version']} · models: {models_line(h)} · cost ${h['cost_usd']:.4f} · "
             f"stopped: **{data.stats['stopped_reason'] or 'running'}**", "",
             f"## Answer ({'written by the CEO model' if a.mode == 'model' else 'computed, no model'})", ""]
    lines += [f"> {note}" for note in a.notes] + ([""] if a.notes else [])
    lines += [linked(p) + "\n" for p in a.text.split("\n\n")]
    lines += ["## Findings by theme", ""]
    for theme in a.themes:
        lines += [f"### {theme.title}", ""] + [f"- {linked(s)}" for s in theme.sentences] + [""]
    lines += table_lines(data) + ["## Citations", ""]
    for n, fact in enumerate(a.citations.items, 1):
        if n == a.cited_in_text + 1:
            lines += ["", "### Further evidence (the best-scored facts not cited above)", ""]
        ev = fact.evidence[0]
        star = " ★" if fact.own else ""
        lines.append(f"{n}. <a id=\"cite-{n}\"></a>**{_md(fact.subject, 80)}** — {fact.label or fact.predicate} — "
                     f"**{_md(display_object(fact), 80)}** (score {fact.score:.2f}{star}): "
                     f"\"{_md(ev.quote, 400)}\" — [{ev.doc_id}, characters {ev.start}–{ev.end}]"
                     f"({ev.source_uri or '#'})")
    lines += ["", "## Research tree", ""]
    for depth, node, best in tree_rows(data):
        mark = "★ " if best else ""
        lines.append(f"{'  ' * depth}- {mark}{node.question} — {node_summary(node, data.node_found)}")
    lines += ["", "## Method and limits", ""] + [f"- {line}" for line in method_lines(data)]
    if data.stats["errors"]:
        lines += ["", "## Errors", ""] + [f"- {e}" for e in data.stats["errors"]]
    lines += ["", "## Appendix: raw verb relations", "",
              f"{len(data.raw)} facts whose relation is a verb of the text, not one of the pipeline's predicates "
              "(shown, not used in the answer):", ""]
    lines += [f"- {_md(f.subject, 60)} — {f.predicate} — {_md(f.object, 60)} ({f.docs[0]})" for f in data.raw[:50]]
    return "\n".join(lines) + "\n"


def table_lines(data: "ReportData") -> list[str]:
    rows, columns = data.answer.table, data.answer.table_columns
    if not rows:
        return []
    lines = ["### By document", "", "| document | " + " | ".join(columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    for subject, cells in rows:
        lines.append(f"| {_md(subject, 80)} | " + " | ".join(linked(_md(cells.get(c, ''), 120)) for c in columns)
                     + " |")
    return lines + [""]
