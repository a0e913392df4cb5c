"""Check a campaign report against issue 17's targets, and optionally screenshot it.

    python experiments/check_report.py WORKSPACE CAMPAIGN [--before N] [--screenshot PNG]

Targets: the answer has >= 200 characters, states a figure with its unit and cites >= 3 facts; every [n] of
the answer is a listed citation whose quote is the document's text at the cited offsets; facts_total >= N
(the facts accepted before the campaign, e.g. `sro extract`'s new_facts); in headless Chromium every [n] of
the HTML is an in-page link that lands on its citation. Prints a JSON verdict; exit code 1 if a target fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

UNIT_RE = re.compile(r"\$\d|\d (?:years?|kWh|kW|months?)\b|\d%")


def check_json(ws, report: dict, before: int) -> dict:
    text = report["answer"]["text"]
    cites = {c["n"]: c for c in report["citations"]}
    marks = {int(m) for m in re.findall(r"\[(\d+)\]", text)}
    verbatim = all(ws.datasets.document(c["doc_id"]).text[c["start"]:c["end"]] == c["quote"] for c in cites.values())
    return {"answer_chars": len(text), "figure_with_unit": bool(UNIT_RE.search(text)), "cited_facts": len(marks),
            "markers_listed": marks <= set(cites), "quotes_verbatim_at_offsets": verbatim,
            "facts_total": report["facts_total"], "facts_before": before}


def check_html(path: str, screenshot: str | None) -> dict:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        page.goto(Path(path).resolve().as_uri())
        if screenshot:
            page.screenshot(path=screenshot)
        text_marks = page.evaluate("""() => { const t = document.body.cloneNode(true);
            t.querySelectorAll('ol.cites').forEach(e => e.remove());
            return (t.innerText.match(/\\[\\d+\\]/g) || []).length; }""")
        links = page.locator("a.cite")
        count, working = links.count(), 0
        for i in range(count):
            n = links.nth(i).inner_text().strip("[]")
            links.nth(i).click()
            working += page.locator(f"#cite-{n}").evaluate("e => e.matches(':target')")
        browser.close()
    return {"html_markers": text_marks, "html_links": count, "html_links_landing": working}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace")
    ap.add_argument("campaign")
    ap.add_argument("--before", type=int, default=0, help="facts accepted before the campaign")
    ap.add_argument("--screenshot", help="PNG of the report's first screen")
    args = ap.parse_args(argv)
    from sro.campaign.report import write_report
    from sro.workspace import Workspace

    with Workspace.open(args.workspace) as ws:
        report = asyncio.run(write_report(ws, args.campaign))
        result = check_json(ws, report, args.before)
    result.update(check_html(report["paths"]["html"], args.screenshot))
    ok = (result["answer_chars"] >= 200 and result["figure_with_unit"] and result["cited_facts"] >= 3
          and result["markers_listed"] and result["quotes_verbatim_at_offsets"]
          and result["facts_total"] >= result["facts_before"]
          and result["html_links_landing"] == result["html_links"] == result["html_markers"])
    print(json.dumps({**result, "targets_met": ok}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
