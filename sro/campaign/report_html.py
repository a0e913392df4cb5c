"""The HTML report: one self-contained file (inline CSS, no scripts, no external assets). Every value
from the corpus or a model is HTML-escaped; links are only emitted for http(s) and file URLs."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from sro.mcts.select import best_path

if TYPE_CHECKING:
    from sro.campaign.report import ReportData

CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{border:1px solid #ddd;padding:4px 6px;
vertical-align:top}th{background:#f4f4f4}.answer{white-space:pre-wrap;background:#fafafa;padding:1em;
border-left:4px solid #4a7}.note{color:#a60}.q{color:#555;font-style:italic}ul.tree{list-style:none;
padding-left:1.2em}ul.tree li{margin:.2em 0}.best{font-weight:600}.failed{color:#b33}.new{color:#888}
.stats td:first-child{width:14em;color:#555}
"""
SAFE_LINK = re.compile(r"^(https?|file)://", re.I)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _link(url: str, text: str) -> str:
    """Links for web and file URLs and for plain document paths; anything with another scheme
    (javascript:, data:, ...) is shown as text only."""
    if SAFE_LINK.match(url):
        return f'<a href="{escape(url, quote=True)}">{escape(text)}</a>'
    if url and not SCHEME.match(url):
        href = Path(url).as_uri() if url.startswith("/") else url
        return f'<a href="{escape(href, quote=True)}">{escape(text)}</a>'
    return f'{escape(text)} <small>{escape(url)}</small>'



def _answer_html(text: str) -> str:
    # The answer is markdown-ish; only **bold** is rendered, everything else stays as escaped text.
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(text))


def _facts(data: "ReportData", key_facts: int) -> str:
    if not data.synthesis.facts:
        return "<p>No accepted facts yet.</p>"
    rows = []
    for i, fact in enumerate(data.synthesis.facts[:key_facts], 1):
        quote = escape((fact.quotes or [""])[0][:300])
        links = " ".join(_link(data.links.get(s, s), f"[{k + 1}]") for k, s in enumerate(fact.sources[:3]))
        rows.append(f"<tr><td>{i}</td><td>{escape(fact.subject)}</td><td>{escape(fact.predicate)}</td>"
                    f"<td>{escape(fact.object)}</td><td>{fact.score:.2f}</td><td class=q>&ldquo;{quote}&rdquo;</td>"
                    f"<td>{links}</td></tr>")
    head = "<tr><th>#</th><th>subject</th><th>predicate</th><th>object</th><th>score</th><th>quote</th><th>source</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _tree(data: "ReportData") -> str:
    tree = data.tree
    if tree.root_id is None:
        return "<p>(empty)</p>"
    best = {n.id for n in best_path(tree) if n.visits}

    def walk(node_id: str) -> str:
        node = tree.nodes[node_id]
        reward = "—" if node.reward is None else f"{node.reward:.2f}"
        cls = " ".join(c for c in ("best" if node.id in best else "", node.status) if c)
        kids = sorted(node.children, key=lambda c: tree.nodes[c].seq)
        inner = f"<ul class=tree>{''.join(walk(c) for c in kids)}</ul>" if kids else ""
        detail = f" <span class=q>{escape(node.answer[:200])}</span>" if node.answer else ""
        return (f"<li class='{cls}'>{escape(node.question)} <small>[{escape(node.status)}, reward {reward}, "
                f"visits {node.visits}, accepted {node.accepted}, new {node.novel}]</small>{detail}{inner}</li>")

    return f"<ul class=tree>{walk(tree.root_id)}</ul>"


def _stats(data: "ReportData") -> str:
    rows = []
    for key, value in data.stats.items():
        if key == "errors":
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "—"
        rows.append(f"<tr><td>{escape(key.replace('_', ' '))}</td><td>{escape(str(value))}</td></tr>")
    return f"<table class=stats>{''.join(rows)}</table>"


def render_html(data: "ReportData", key_facts: int) -> str:
    row, syn = data.campaign, data.synthesis
    note = f"<p class=note>{escape(syn.error)}</p>" if syn.error else ""
    errors = "".join(f"<li>{escape(e)}</li>" for e in data.stats.get("errors") or [])
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>SRO campaign {escape(row['name'])}</title><style>{CSS}</style></head><body>"
        f"<h1>Campaign {escape(row['name'])}</h1><p><b>Question:</b> {escape(row['question'])}</p>"
        f"<p>Pipeline <code>{escape(str(row['pipeline']))}</code> · stopped: "
        f"<b>{escape(data.stats.get('stopped_reason') or 'running')}</b></p>"
        f"<h2>Answer</h2>{note}<div class=answer>{_answer_html(syn.answer)}</div>"
        f"<h2>Key facts</h2>{_facts(data, key_facts)}<h2>Research tree</h2>{_tree(data)}"
        f"<h2>Stats</h2>{_stats(data)}" + (f"<h2>Errors</h2><ul>{errors}</ul>" if errors else "")
        + "</body></html>\n"
    )
