"""A small hand-written corpus of solar experience posts for campaign tests (not real data: written for
the tests so that offline extraction finds costs, sizes, batteries and inverters in it)."""

from __future__ import annotations

from sro.data.models import Document

POSTS = [
    ("Paid $18,500 for a 7.6 kW system", "We paid $18,500 for a 7.6 kW system in San Diego. Enphase IQ8 microinverters "
     "and 20 panels. Payback looks like 7 years with NEM 2.0. SDG&E gave permission to operate after 5 weeks."),
    ("Powerwall 3 after one year", "I installed two Powerwall 3 units with a 10 kW solar array. The battery covered "
     "every outage. SolarEdge inverter on the old roof still works. My electric bill dropped to $15 a month."),
    ("Was solar worth it in Texas?", "Our 12 kW system cost $26,000 before the federal tax credit. Oncor is the "
     "utility. Savings are about $140 a month, so the payback is roughly 12 years. Enphase support was slow."),
    ("Inverter failed after 3 years", "The SolarEdge inverter failed after 3 years. The warranty covered the "
     "replacement but the installer took 6 weeks. We lost production in summer. The 24 panels are fine."),
    ("Quote comparison", "Tesla quoted $21,000 for an 8.4 kW system. A local installer quoted $24,500 for the same "
     "size with Enphase microinverters. I went with the local installer because of the warranty."),
    ("Net metering changed everything", "Under NEM 3.0 the export credit is tiny, so we added a Powerwall 3. "
     "Without the battery the payback would have been 14 years. PG&E took 3 weeks for permission to operate."),
    ("Roof leak after install", "Tesla installed 18 panels and the roof leaked after the first storm. They fixed "
     "it within two weeks. The 6.8 kW system produces 9,800 kWh per year in Arizona."),
    ("Small system, big savings", "A 5 kW system for $11,000 in Florida. FPL net metering is still good. "
     "Our electric bill went from $180 to $25 a month. Payback about 6 years."),
    ("Battery only", "We bought a Franklin WH battery without solar to shift time-of-use rates. It saves $35 "
     "a month with SCE, so the payback is long. Enphase IQ Battery was more expensive."),
    ("Ten years of data", "Our 9 kW system from 2014 still makes 93 percent of its first-year production. The "
     "SMA inverter was replaced once under warranty. Total savings so far are $21,000."),
    ("Permission to operate delays", "SCE took 9 weeks for permission to operate on our 11 kW system. The "
     "installer blamed the utility. Enphase monitoring showed the system ready the whole time."),
    ("Is solar economical without incentives?", "Without the tax credit our $30,000 system for a 10 kW array "
     "would pay back in 15 years. With the credit it is about 10 years. Electricity rates rose 8 percent."),
]


def solar_documents(dataset: str = "solar") -> list[Document]:
    return [Document(id=f"{dataset}:p{i:02d}", dataset=dataset, source_uri=f"https://www.reddit.com/r/test/p{i:02d}",
                     title=title, text=text, kind="submission") for i, (title, text) in enumerate(POSTS)]


def ingest_solar(ws, dataset: str = "solar") -> None:
    ws.datasets.add_documents(dataset, solar_documents(dataset))


def offline_campaign(ws_path, executor: dict | None = None, parallel: int = 1, name: str = "c"):
    """An offline campaign over the corpus (solar_reddit, 3 nodes) in a fresh workspace at `ws_path`, run by the
    real runner, RLM sessions and triples stage; `executor`: the spec's `executor:`. Returns its summary."""
    import asyncio

    from sro.campaign.runner import CampaignRunner
    from sro.campaign.spec import parse_spec
    from sro.workspace import Workspace

    spec = parse_spec({"name": name, "question": "Is home solar economical?", "datasets": ["solar"],
                       "pipeline": "solar_reddit", "offline": True, "budgets": {"max_nodes": 3, "max_depth": 2},
                       "mcts": {"parallel": parallel, "children": 3}, "outputs": {"report": False},
                       **({"executor": executor} if executor is not None else {})})
    with Workspace.open(ws_path) as ws:
        ingest_solar(ws)
        return asyncio.run(CampaignRunner(ws, spec, handle_signals=False).run())


def stored_facts(ws_path) -> dict:
    """What a campaign stored: candidates with their verdicts, scores and campaign/node tags, finished chunks, the
    graph's quads (but for prov:generatedAtTime, the wall-clock time of storing)."""
    from sro.workspace import Workspace

    with Workspace.open(ws_path) as ws:
        judged = ws.db.execute("SELECT c.id, j.verdict, round(j.total, 9), c.subject_iri, c.predicate_iri, "
                               "c.object_iri, c.campaign, c.node FROM candidates c JOIN judgments j "
                               "ON j.candidate_id = c.id ORDER BY c.id").fetchall()
        done = ws.db.execute("SELECT chunk_id, candidates FROM candidates_done ORDER BY 1").fetchall()
        quads = sorted(str(q) for q in ws.graph.iter_quads() if "generatedAtTime" not in str(q.predicate))
    return {"judged": judged, "done": done, "graph": quads}
