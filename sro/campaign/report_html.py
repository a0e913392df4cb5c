"""The HTML report: one self-contained file (inline CSS and SVG charts, no scripts, no external assets).
Every value from the corpus or a model is HTML-escaped; links out are only emitted for http(s) and file
URLs and plain paths. Every `[n]` is an in-page link to `#cite-n`, and each citation links to its source."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from sro.campaign.aggregate import Aggregate, fmt
from sro.campaign.answer import MARK_RE
from sro.campaign.facts import highlight
from sro.campaign.report_text import dataset_line, display_object, method_lines, models_line, node_summary, tree_rows

if TYPE_CHECKING:
    from sro.campaign.report import ReportData

CSS = """
body{font:15px/1.55 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
.meta{color:#555;font-size:.92em}.synthetic{background:#fde8c8;color:#8a4b00;padding:0 .3em;border-radius:3px}
.answer{background:#f6faf7;padding:.6em 1.2em;border-left:4px solid #4a7}.note{color:#a60}
a.cite{text-decoration:none;font-size:.85em;vertical-align:super}ol.cites li{margin:.5em 0}
ol.cites li:target{background:#fff6cc}.quote{color:#333;font-style:italic}mark{background:#ffe27a}
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{border:1px solid #ddd;padding:4px 6px;
vertical-align:top}th{background:#f4f4f4}details{margin:.15em 0 .15em 1.1em}summary{cursor:pointer}
.small{color:#666;font-size:.88em}.leaf{margin:.15em 0 .15em 2.2em}.best{font-weight:600}
figure{margin:.5em 0 1em}svg text{font-size:11px}
"""
SAFE_LINK = re.compile(r"^(https?|file)://", re.I)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _href(url: str) -> str | None:
    """Web and file URLs and plain document paths; anything with another scheme (javascript:, data:, ...)
    gets no link."""
    if SAFE_LINK.match(url):
        return url
    if url and not SCHEME.match(url):
        return Path(url).as_uri() if url.startswith("/") else url
    return None


def linked(text: str) -> str:
    """Escape, render **bold**, and turn each [n] into an in-page link to its citation."""
    html = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(text))
    return MARK_RE.sub(lambda m: f'<a class=cite href="#cite-{m.group(1)}">[{m.group(1)}]</a>', html)


def _header(data: "ReportData") -> str:
    h = data.header
    synthetic = "<span class=synthetic>synthetic data</span> " if any(d["synthetic"] for d in h["datasets"]) else ""
    return (f"<h1>{escape(h['question'])}</h1><p class=meta>{synthetic}Datasets: {escape(dataset_line(h))}<br>"
            f"Campaign <code>{escape(h['campaign'])}</code> · pipeline <code>{escape(str(h['pipeline']))}</code>"
            f" · {escape(h['date'])} · SRO {escape(h['version'])} · models: {escape(models_line(h))} · "
            f"cost ${h['cost_usd']:.4f} · stopped: <b>{escape(data.stats['stopped_reason'] or 'running')}</b></p>")


def _answer(data: "ReportData") -> str:
    a = data.answer
    how = "written by the CEO model from the aggregates below" if a.mode == "model" else "computed, no model"
    notes = "".join(f"<p class=note>{escape(n)}</p>" for n in a.notes)
    body = "".join(f"<p>{linked(p)}</p>" for p in a.text.split("\n\n"))
    return f"<h2>Answer <span class=small>({how})</span></h2>{notes}<div class=answer>{body}</div>"


def chart(agg: Aggregate, *, bins: int = 10, width: int = 460, height: int = 130) -> str:
    """A histogram of the values as inline SVG."""
    lo, hi = min(agg.values), max(agg.values)
    step = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in agg.values:
        counts[min(int((v - lo) / step), bins - 1)] += 1
    top, bar = max(counts), (width - 20) / bins
    rects = "".join(
        f'<rect x="{10 + i * bar:.1f}" y="{height - 25 - c / top * (height - 40):.1f}" width="{bar - 2:.1f}" '
        f'height="{c / top * (height - 40):.1f}" fill="#4a7"><title>{c} report(s) from '
        f'{escape(fmt(lo + i * step, agg.unit))}</title></rect>' for i, c in enumerate(counts) if c)
    axis = (f'<text x="10" y="{height - 8}">{escape(fmt(lo, agg.unit))}</text>'
            f'<text x="{width - 10}" y="{height - 8}" text-anchor="end">{escape(fmt(hi, agg.unit))}</text>')
    return (f'<figure><svg role="img" aria-label="{escape(agg.label)} distribution" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}">{rects}{axis}</svg><figcaption class=small>'
            f'{escape(agg.label)}: {agg.n} reports, median {escape(fmt(agg.median, agg.unit))}</figcaption></figure>')


def _findings(data: "ReportData") -> str:
    parts = ["<h2>Findings by theme</h2>"]
    for theme in data.answer.themes:
        items = "".join(f"<li>{linked(s)}</li>" for s in theme.sentences)
        charts = "".join(chart(a) for a in theme.aggregates if a.chart and len(a.values) >= 3)
        parts.append(f"<h3>{escape(theme.title)}</h3><ul>{items}</ul>{charts}")
    if data.answer.table:
        cols = data.answer.table_columns
        head = "<tr><th>document</th>" + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr>"
        rows = "".join(f"<tr><td>{escape(s)}</td>" + "".join(f"<td>{linked(cells.get(c, ''))}</td>" for c in cols)
                       + "</tr>" for s, cells in data.answer.table)
        parts.append(f"<h3>By document</h3><table>{head}{rows}</table>")
    return "".join(parts) if len(parts) > 1 else ""


def _quote(fact, quote: str) -> str:  # noqa: ANN001 - KeyFact
    span = highlight(fact, quote)
    if span is None:
        return escape(quote)
    a, b = span
    return f"{escape(quote[:a])}<mark>{escape(quote[a:b])}</mark>{escape(quote[b:])}"


def _citations(data: "ReportData") -> str:
    items = []
    for n, fact in enumerate(data.answer.citations.items, 1):
        ev = fact.evidence[0]
        where = f"{ev.doc_id}, characters {ev.start}–{ev.end}"
        href = _href(ev.source_uri)
        source = (f'<a class=source href="{escape(href, quote=True)}">{escape(where)}</a>' if href
                  else escape(f"{where} {ev.source_uri}"))
        more = f" <span class=small>(+{len(fact.docs) - 1} more documents)</span>" if len(fact.docs) > 1 else ""
        star = " ★" if fact.own else ""
        items.append(f'<li id="cite-{n}"><b>{escape(fact.subject)}</b> — {escape(fact.label or fact.predicate)} — '
                     f'<b>{escape(display_object(fact))}</b> <span class=small>score {fact.score:.2f}{star}</span>'
                     f'<br><span class=quote>&ldquo;{_quote(fact, ev.quote)}&rdquo;</span><br>{source}{more}</li>')
    k = data.answer.cited_in_text
    further = (f"<h3>Further evidence</h3><p class=small>The best-scored facts not cited above (★: found by this "
               f"campaign).</p><ol class=cites start={k + 1}>{''.join(items[k:])}</ol>" if items[k:] else "")
    return f"<h2>Citations</h2><ol class=cites>{''.join(items[:k])}</ol>{further}"


def _tree(data: "ReportData") -> str:
    """A collapsible outline: a node with children is a <details> (the root open), a leaf a line."""
    html, open_ = [], 0
    for depth, node, best in tree_rows(data):
        html.append("</details>" * max(open_ - depth, 0))
        open_ = min(open_, depth)
        label = (f"{'★ ' if best else ''}{escape(node.question)} <span class=small>— "
                 f"{escape(node_summary(node, data.node_found))}</span>")
        cls = " class=best" if best else ""
        if data.tree.nodes[node.id].children:
            html.append(f"<details{' open' if depth == 0 else ''}><summary{cls}>{label}</summary>")
            open_ += 1
        else:
            html.append(f"<div class=leaf><span{cls}>{label}</span></div>")
    html.append("</details>" * open_)
    return "<h2>Research tree</h2><p class=small>★ the best branch. Click a question to open it.</p>" + "".join(html)


def _appendix(data: "ReportData") -> str:
    rows = "".join(f"<tr><td>{escape(f.subject)}</td><td>{escape(f.predicate)}</td><td>{escape(f.object)}</td>"
                   f"<td>{escape(f.docs[0])}</td></tr>" for f in data.raw[:50])
    return (f"<h2>Appendix: raw verb relations</h2><p class=small>{len(data.raw)} facts whose relation is a verb of "
            "the text, not one of the pipeline's predicates (shown, not used in the answer).</p>"
            f"<table><tr><th>subject</th><th>verb</th><th>object</th><th>document</th></tr>{rows}</table>")


def render_html(data: "ReportData") -> str:
    method = "".join(f"<li>{escape(line)}</li>" for line in method_lines(data))
    errors = "".join(f"<li>{escape(e)}</li>" for e in data.stats.get("errors") or [])
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(data.header['question'])}</title><style>{CSS}</style></head><body>"
        f"{_header(data)}{_answer(data)}{_findings(data)}{_citations(data)}{_tree(data)}"
        f"<h2>Method and limits</h2><ul>{method}</ul>" + (f"<h2>Errors</h2><ul>{errors}</ul>" if errors else "")
        + _appendix(data) + "</body></html>\n"
    )
