"""TripleStage on a real workspace (DuckDB + embedded Oxigraph): storage, idempotence, conflicts, CLI."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import Pattern, Pipeline, PredicateDef
from sro.data.models import Document
from sro.triples.stage import TripleStage

TEXTS = [
    "Alan B. Miller Hall, in Virginia, was designed by Robert A.M. Stern. It was expensive.",
    "Tesla was founded by Martin Eberhard in 2003. The company is headquartered in Austin.",
]


def _add(ws, texts=TEXTS, dataset="t"):
    docs = [Document(id=f"{dataset}:{i}", dataset=dataset, source_uri=f"file:///{i}", text=t, kind="doc")
            for i, t in enumerate(texts)]
    ws.datasets.add_documents(dataset, docs)
    return [c for batch in ws.datasets.iter_chunks(dataset) for c in batch]


def _count(ws, table):
    return ws.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_stage_stores_judges_writes_graph_and_is_idempotent(workspace):
    chunks = _add(workspace)
    first = asyncio.run(TripleStage.for_workspace(workspace, "generic").run(chunks, campaign="c1", node="n1"))
    assert first.extractor == "nlp:spacy" and first.candidates == first.new_candidates > 0
    assert first.n_accepted > 0 and first.n_rejected > 0  # "It was expensive." has a pronoun subject
    assert first.rejected_by_axiom.get("specificity", 0) >= 1
    stored = _count(workspace, "candidates")
    assert stored == first.candidates == _count(workspace, "judgments")
    iris = {(t.subject_iri, t.predicate_iri) for t in first.accepted}
    assert ("https://sro.dev/id/alan-b-miller-hall", "https://sro.dev/ontology/generic#madeBy") in iris
    facts = workspace.graph.stats()["facts"]
    assert facts == first.new_facts > 0
    # provenance: the accepted triple's quote and offsets are in the graph
    rows = workspace.graph.query(
        "PREFIX sro: <https://sro.dev/ns#> SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    assert rows and rows[0]["n"] > facts
    second = asyncio.run(TripleStage.for_workspace(workspace, "generic").run(chunks, campaign="c1", node="n1"))
    assert second.new_candidates == 0 and second.new_facts == 0
    assert _count(workspace, "candidates") == stored and workspace.graph.stats()["facts"] == facts
    assert second.n_accepted == first.n_accepted
    rejected = workspace.db.execute("SELECT reasons FROM judgments WHERE verdict = 'rejected'").fetchall()
    assert rejected and all(json.loads(r[0]) for r in rejected)  # every rejection keeps its reasons


class RecordingGraph:
    """A graph_store.FactGraph that keeps what it is given: the stage needs no workspace and no real store."""

    def __init__(self):
        self.facts, self.entities = [], []

    def add_facts(self, facts, entities=()):
        from graph_store.model import AddResult

        facts = list(facts)
        self.facts += facts
        self.entities += list(entities)
        return AddResult(new_facts=len(facts), new_sources=len(facts))

    def add_entities(self, records):
        records = list(records)
        self.entities += records
        return len(records)

    def values(self, subject, predicate):
        return []

    def query(self, sparql, bindings=None, timeout_s=None, union_default_graph=True):
        raise AssertionError("the stage does not query the graph")


def test_stage_takes_what_it_uses_not_the_workspace(workspace):
    """Built from its parts (a connection, a client, a FactGraph, a document lookup, the base IRI, the pipeline),
    the stage stores and writes exactly what the workspace-built one does."""
    chunks = _add(workspace)
    docs = {d: workspace.datasets.document(d) for d in {c.doc_id for c in chunks}}
    graph = RecordingGraph()
    stage = TripleStage(con=workspace.db, client=workspace.llm, graph=graph, document=docs.__getitem__,
                        base_iri="https://example.org/id/", pipeline=workspace.pipeline("generic"))
    result = asyncio.run(stage.run(chunks, campaign="c1"))
    assert result.n_accepted > 0 and len(graph.facts) == result.n_accepted == result.new_facts
    assert graph.entities and all(f.subject.startswith("https://example.org/id/") for f in graph.facts)
    assert _count(workspace, "candidates") == result.candidates
    assert "graph" not in workspace.__dict__  # the workspace's own store was never opened


def test_functional_predicate_conflict_with_graph_is_not_overwritten(workspace):
    pipeline = Pipeline(name="lawtest", offline_svo=False, predicates=[
        PredicateDef(name="governingLaw", functional=True)], patterns=[Pattern(
            name="law", regex=r"(?P<s>Acme Corp) is governed by the laws of (?P<law>[A-Z]\w+)",
            subject="{s}", predicate="governingLaw", object="{law}")])
    one = _add(workspace, ["Acme Corp is governed by the laws of Delaware."], dataset="a")
    first = asyncio.run(TripleStage.for_workspace(workspace, pipeline).run(one))
    law = [t for t in first.accepted if t.predicate_iri.endswith("governingLaw")]
    assert law and law[0].object_iri.endswith("delaware")
    two = _add(workspace, ["Acme Corp is governed by the laws of Texas."], dataset="b")
    second = asyncio.run(TripleStage.for_workspace(workspace, pipeline).run(two))
    conflicts = [t for t in second.conflicts if t.predicate_iri.endswith("governingLaw")]
    assert conflicts and "delaware" in conflicts[0].judgment.reasons[0].lower()
    values = workspace.graph.values(law[0].subject_iri, law[0].predicate_iri)
    assert [v.value for v in values] == [law[0].object_iri]  # the graph still holds only Delaware
    assert workspace.db.execute("SELECT count(*) FROM judgments WHERE verdict = 'conflict'").fetchone()[0] >= 1


def _sro(ws_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRO_")}
    return subprocess.run([sys.executable, "-m", "sro.commands.cli", "-w", str(ws_path), *args], capture_output=True,
                          text=True, env=env, timeout=240, cwd=Path(__file__).resolve().parents[1])


def test_cli_extract_resumes_and_lists_triples(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(TEXTS):
        (folder / f"{i}.txt").write_text(text)
    ws_path = tmp_path / "ws"
    assert _sro(ws_path, "ingest", "docs", str(folder), "-d", "demo").returncode == 0
    first = _sro(ws_path, "extract", "-d", "demo", "-p", "generic", "--limit", "1", "--json")
    assert first.returncode == 0, first.stderr
    s1 = json.loads(first.stdout)
    assert s1["chunks"] == 1 and s1["extractor"] == "nlp:spacy"
    rest = json.loads(_sro(ws_path, "extract", "-d", "demo", "--json").stdout)
    assert rest["chunks"] == 1  # the finished chunk was skipped
    again = json.loads(_sro(ws_path, "extract", "-d", "demo", "--json").stdout)
    assert again["chunks"] == 0 and again["new_candidates"] == 0
    listed = json.loads(_sro(ws_path, "triples", "--json", "--limit", "50").stdout)
    assert listed and all(r["quote"] for r in listed)
    assert s1["accepted"] + rest["accepted"] == len(listed)
    rejected = json.loads(_sro(ws_path, "triples", "--rejected", "--json").stdout)
    assert rejected and all(r["reasons"] for r in rejected)
    unknown = _sro(ws_path, "extract", "-d", "nope", "--json")
    assert unknown.returncode != 0 and "Traceback" not in unknown.stderr
