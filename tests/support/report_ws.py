"""A workspace with one small dataset, facts about its documents in the graph (most written by a run
before the campaign, as `sro extract` does) and a campaign that has not found them itself."""

from __future__ import annotations

import json

from graph_store.model import Fact, Iri, Lit, Provenance
from sro.data.models import Document
from sro.nlp.keys import document_iri
from sro.mcts.store import TreeStore
from sro.mcts.tree import ResearchNode, node_id

SOL = "https://sro.dev/ontology/solar#"
QUESTION = "Is a home solar installation economical?"
PAYBACKS = [6, 7, 8, 9, 12, 10]  # 5 of 6 within 10 years
TEXTS = [f"We went solar in 2021. The payback period is about {y} years. Paid $2{i}000 for it." for i, y in
         enumerate(PAYBACKS)]


def _fact(ws, doc: int, predicate: str, obj, quote: str, campaign: str | None, qualifiers: dict) -> Fact:
    start = TEXTS[doc].index(quote)
    return Fact(subject=f"{ws.settings.base_iri}post{doc}", predicate=SOL + predicate, object=obj,
                qualifiers=qualifiers, provenance=Provenance(
                    source=document_iri(ws.settings.base_iri, f"t:{doc}"), quote=quote, char_start=start,
                    char_end=start + len(quote), campaign=campaign, score=0.9))


def build(ws, campaign: str = "c1") -> None:
    ws.datasets.ensure_dataset("solar", synthetic=True, description="test posts")
    ws.datasets.add_documents("solar", [
        Document(id=f"t:{i}", dataset="solar", source_uri=f"https://www.reddit.com/r/solar/comments/{i}/",
                 text=text, kind="submission") for i, text in enumerate(TEXTS)])
    facts = []
    for i, years in enumerate(PAYBACKS):
        quote = f"The payback period is about {years} years."
        facts.append(_fact(ws, i, "paybackPeriod", Lit(value=str(years), datatype="decimal"), quote,
                           campaign if i == 0 else None, {"unit": "year"}))
        facts.append(_fact(ws, i, "systemCost", Lit(value=f"2{i}000", datatype="decimal"), f"Paid $2{i}000 for it.",
                           None, {"currency": "USD"}))
    facts.append(_fact(ws, 0, "went", Iri(value=f"{ws.settings.base_iri}solar"), "We went solar in 2021.", None, {}))
    ws.graph.add_facts(facts)
    root = ResearchNode(id=node_id(campaign, None, QUESTION), parent=None, question=QUESTION, depth=0, seq=1)
    TreeStore(ws.db).create_campaign(campaign, QUESTION, "solar_reddit", json.dumps({"datasets": ["solar"]}), root)
