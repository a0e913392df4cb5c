"""Synthesis over a real embedded Oxigraph store: the campaign is a SPARQL binding, facts are ranked and
merged, the offline summary says what it is and gives counts, numbers and citations."""

from __future__ import annotations

import asyncio

import pytest

from graph_store.model import Fact, Lit, Provenance
from sro.campaign.synthesis import OFFLINE_LABEL, campaign_facts, offline_summary, synthesize

NS = "https://sro.dev/ns/solar#"


def fact(subject: str, predicate: str, value: str, campaign: str, doc: str, quote: str, unit: str | None = None,
         score: float = 0.9) -> Fact:
    return Fact(subject=f"https://sro.dev/id/{subject}", predicate=NS + predicate,
                object=Lit(value=value, datatype="decimal"), qualifiers={"unit": unit} if unit else {},
                provenance=Provenance(source=f"https://www.reddit.com/r/solar/{doc}", quote=quote,
                                      campaign=campaign, node="n1", score=score))


FACTS = [
    fact("post1", "systemCost", "18500", "c1", "p1", "We paid $18,500 for the system."),
    fact("post2", "systemCost", "26000", "c1", "p2", "Our system cost $26,000."),
    fact("post3", "systemCost", "11000", "c1", "p3", "A 5 kW system for $11,000."),
    fact("post1", "paybackPeriod", "7", "c1", "p1", "Payback looks like 7 years.", unit="year"),
    fact("post1", "paybackPeriod", "7", "c1", "p4", "Payback looks like 7 years.", score=0.8),
    fact("other", "systemCost", "99999", "c2", "p9", "Another campaign's fact."),
]


@pytest.fixture
def graph(workspace):
    """The workspace's own embedded Oxigraph store, holding two campaigns' facts."""
    workspace.graph.add_facts(FACTS)
    return workspace.graph


def test_facts_of_one_campaign_ranked_and_merged(graph):
    facts = campaign_facts(graph, "c1", "What is the payback period?")
    assert all("other" not in f.subject for f in facts)
    assert facts[0].predicate == "paybackPeriod"  # the question's terms rank it first
    assert set(facts[0].sources) == {"https://www.reddit.com/r/solar/p1", "https://www.reddit.com/r/solar/p4"}
    assert len(facts) == 4 and {f.object for f in facts if f.predicate == "systemCost"} == {"18500", "26000", "11000"}


def test_campaign_value_is_bound_not_spliced(graph):
    assert campaign_facts(graph, 'c1" } } ; DROP ALL ; #', "q") == []


def test_offline_summary_is_labelled_with_counts_numbers_and_citations(graph):
    syn = offline_summary("Is solar worth it?", campaign_facts(graph, "c1", "Is solar worth it?"))
    assert syn.mode == "offline" and syn.answer.startswith(OFFLINE_LABEL)
    assert "**systemCost** (3 facts): min 11000, median 18500, max 26000" in syn.answer
    assert "[1]" in syn.answer and syn.by_predicate == {"systemCost": 3, "paybackPeriod": 1}
    empty = offline_summary("q", [])
    assert empty.mode == "empty" and "not accepted any fact" in empty.answer


def test_synthesize_without_a_ceo_is_offline(workspace, graph):
    syn = asyncio.run(synthesize(workspace, "c1", "Is solar worth it?", llm=workspace.llm.scoped(campaign="c1")))
    assert syn.mode == "offline" and len(syn.facts) == 4  # no CEO model configured: no prose invented


def test_html_report_escapes_hostile_text_and_links_only_safe_urls():
    from sro.campaign.report import ReportData, render_markdown
    from sro.campaign.report_html import render_html
    from sro.campaign.synthesis import KeyFact, Synthesis
    from sro.mcts.tree import ResearchNode, Tree

    tree = Tree("x")
    tree.add(ResearchNode(id="r", parent=None, question="<img src=x onerror=alert(1)>?", depth=0))
    evil = KeyFact(assertion="a", subject="<script>alert(1)</script>", predicate="p", object="o", score=0.9,
                   quotes=['"</td><script>x()</script>'], sources=["javascript:alert(1)", "https://ok.example/p?a=1&b=2"])
    data = ReportData(campaign={"name": "x", "question": "<b>q</b>", "pipeline": "generic"}, tree=tree,
                      synthesis=Synthesis("**bold** <script>no()</script>", "offline", [evil]),
                      stats={"stopped_reason": "max_nodes", "rejected_by_axiom": {"<x>": 1},
                             "errors": ["<script>e()</script>"]})
    html = render_html(data, key_facts=5)
    assert "<script" not in html and "onerror=alert(1)>" not in html
    assert 'href="javascript:' not in html and 'href="https://ok.example/p?a=1&amp;b=2"' in html
    assert "<b>bold</b>" in html  # the one markup the answer may carry
    assert "Key facts" in render_markdown(data, key_facts=5)
