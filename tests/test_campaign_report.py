"""The campaign report: every accepted fact about the campaign's datasets whatever the run order, a computed
answer with units and named rules, `[n]` markers that are links to listed citations whose quotes are the
document's text at the cited offsets, a model's answer with its unknown markers removed."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

from sro.campaign.answer import check_markers
from sro.campaign.report import build_report, write_report
from tests.support import report_ws


def test_facts_found_before_the_campaign_are_in_its_report(workspace):
    report_ws.build(workspace)
    result = asyncio.run(write_report(workspace, "c1"))
    assert result["facts_total"] == 13  # 12 named facts + 1 raw verb relation, 11 of them stored by an earlier run
    assert result["answer"]["mode"] == "computed"
    text = result["answer"]["text"]
    assert text.startswith("Leaning yes") and "5 of 6 reports of a payback period" in text
    assert "median 8.5 years" in text and "$" in text and "no model wrote this text" in text
    md = open(result["paths"]["markdown"], encoding="utf-8").read()
    assert "R2 verdict" in md and "Appendix: raw verb relations" in md and "went" in md
    assert "SYNTHETIC" in md and "offline (no model)" in md


def test_every_marker_is_a_listed_citation_with_its_verbatim_sentence(workspace):
    report_ws.build(workspace)
    result = asyncio.run(write_report(workspace, "c1"))
    numbers = {c["n"] for c in result["citations"]}
    marks = {int(m) for m in re.findall(r"\[(\d+)\]", result["answer"]["text"])}
    assert marks and marks <= numbers and numbers == set(range(1, len(numbers) + 1))
    for c in result["citations"]:
        doc = workspace.datasets.document(c["doc_id"])
        assert doc.text[c["start"]:c["end"]] == c["quote"] and c["source_uri"] == doc.source_uri
    html = open(result["paths"]["html"], encoding="utf-8").read()
    links = re.findall(r'<a class=cite href="#cite-(\d+)">\[(\d+)\]</a>', html)
    assert links and all(a == b and f'id="cite-{a}"' in html for a, b in links)
    assert len(links) == len(re.findall(r"\[\d+\]", re.sub(r"<[^>]+>", "", html.split("<h2>Citations")[0])))
    assert "<mark>8</mark>" in html or "<mark>" in html  # the stated value is highlighted in its quote


def test_own_findings_are_marked_and_other_datasets_left_out(workspace):
    report_ws.build(workspace)
    data = asyncio.run(build_report(workspace, "c1"))
    own = [f for f in data.facts if f.own]
    assert [f.object for f in own] == ["6"]  # the one fact whose evidence the campaign wrote
    assert data.stats["facts_own"] == 1 and data.stats["facts_named"] == 12
    assert not [f for f in data.facts if f.predicate == "went" and f.named]


def test_unknown_markers_from_a_model_are_removed_and_said():
    text, notes = check_markers("Payback is 8 years [1]. Costs are high [7]. Both [2][9].", 3)
    assert text == "Payback is 8 years [1]. Both [2]." and len(notes) == 2
    assert "Costs are high" in notes[0]


def test_the_model_writes_from_the_aggregates_and_is_checked(workspace):
    report_ws.build(workspace)
    prompts = []

    class Client:
        def is_offline(self, role):
            return False

        def spent(self):  # the ledger's spend of the campaign
            return SimpleNamespace(calls=len(prompts), tokens=120 * len(prompts), cost_usd=0.001 * len(prompts))

        async def acomplete(self, role, messages, namespace):
            prompts.append(messages[0]["content"])
            return SimpleNamespace(text="Mostly yes: median payback 8.5 years [1]. Invented claim [99].")

    data = asyncio.run(build_report(workspace, "c1", llm=Client()))
    assert data.answer.mode == "model" and data.answer.text == "Mostly yes: median payback 8.5 years [1]."
    assert data.answer.notes and "payback period: median 8.5 years" in prompts[0]
    assert (data.stats["llm_calls"], data.stats["tokens"], data.header["cost_usd"]) == (1, 120, 0.001)
