"""`sro extract --strategy rlm`: per-document RLM partition-and-map through the loopback server.

A scripted CEO (served by the loopback OpenAI-compatible server) reads each document's chunks with
dataset(...).sql, partitions them by their numbered headings and maps extract_triples over the parts; a
scripted worker returns extraction JSON for the passages it is shown. The contracts are short synthetic
texts written for this test (labelled synthetic in their metadata)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from sro.commands.cli import app
from sro.data.models import Document
from sro.errors import SROError
from sro.workspace import Workspace

runner = CliRunner()

CONTRACTS = {
    "contract:001": ("Master Supply Agreement", """MASTER SUPPLY AGREEMENT

1. Parties. This Master Supply Agreement is entered into by and between Alderbrook Metals Inc. and Corvid Tooling LLC.

2. Term. The parties agree that the supply schedule in Exhibit A applies to all orders placed under it.

3. Governing Law. This Agreement shall be governed by the laws of the State of Delaware."""),
    "contract:002": ("Software License Agreement", """SOFTWARE LICENSE AGREEMENT

1. Parties. This Software License Agreement is entered into by and between Brightwater Analytics Ltd. and Fenwick Logistics GmbH.

2. Fees. The licensee pays the fees listed in the order form within thirty days of each invoice.

3. Governing Law. This Agreement shall be governed by the laws of the State of New York."""),
    "contract:003": ("Consulting Services Agreement", """CONSULTING SERVICES AGREEMENT

1. Parties. This Consulting Services Agreement is entered into by and between Harbor Point Advisors LLC and Quillon Foods Corp.

2. Governing Law. This Agreement shall be governed by the laws of the State of Texas."""),
}

PARTIES = re.compile(r"(This [A-Z][\w ]+ Agreement) is entered into by and between (.+?) and (.+?)\.(?:\s|$)")
LAW = re.compile(r"This Agreement shall be governed by the laws of the (State of [A-Z][a-z]+(?: [A-Z][a-z]+)?)\.")


def worker(request: dict) -> str:
    """Extraction JSON for the passages in the prompt, each with the verbatim sentence as quote: parties
    (subject "this ... Agreement") and governing law (subject: the document's title, which its quote does not
    contain: only treating it as the document entity lets grounding accept it)."""
    user = request["messages"][-1]["content"]
    triples = []
    titles = re.findall(r"\[passage \d+\] \(document: ([^)]*)\)", user)
    for i, passage in enumerate(re.split(r"\[passage \d+\][^\n]*\n", user)[1:]):
        if m := PARTIES.search(passage):
            for party in (m.group(2), m.group(3)):
                triples.append({"chunk": i, "subject": m.group(1), "predicate": "hasParty", "object": party,
                                "object_class": "Party", "quote": m.group(0).strip()})
        if m := LAW.search(passage):
            triples.append({"chunk": i, "subject": titles[i], "predicate": "governingLaw",
                            "object": m.group(1), "object_class": "Jurisdiction", "quote": m.group(0)})
    return json.dumps({"triples": triples})


PARTITION = """rows = dataset('contracts').sql("SELECT id, ordinal, text FROM chunks WHERE doc_id = ? ORDER BY ordinal", [DOC])
parts = {}
section = 'preamble'
for r in rows:
    for line in r['text'].split('\\n'):
        m = re.match(r'(\\d+)\\. (\\w[\\w ]*)\\.', line)
        if m:
            section = m.group(2)
    parts[section] = parts.get(section, []) + [r['id']]
print(len(rows), 'chunks;', {k: len(v) for k, v in parts.items()})"""

MAP = """found = []
for name in ['Parties', 'Governing Law']:
    if name in parts:
        res = extract_triples(parts[name])
        found = found + [f"{a['predicate']}: {a['object']}" for a in res['accepted']]
FINAL(f"{DOC}: parts {sorted(parts)}; accepted {found}")"""


def ceo(request: dict) -> str:
    """Turn 0 partitions the document's chunks by their numbered headings; turn 1 maps extraction, FINAL."""
    messages = request["messages"]
    doc = re.search(r"Document id: (\S+)", messages[1]["content"]).group(1)
    if "Give your final answer now" in messages[-1]["content"]:
        return f"```repl\nFINAL('forced {doc}')\n```"
    turn = sum(1 for m in messages if m["role"] == "assistant")
    block = f"import re\nDOC = {doc!r}\n{PARTITION}" if turn == 0 else MAP
    return f"I will partition, then map.\n```repl\n{block}\n```"


@pytest.fixture
def root(tmp_path, llm_server, monkeypatch):
    monkeypatch.setenv("SRO_TEST_KEY", "sk-test")
    path = tmp_path / "ws"
    ws = Workspace.open(path, {"chunk_size": 160, "chunk_overlap": 0})
    ws.datasets.add_documents("contracts", [
        Document(id=doc_id, dataset="contracts", source_uri=f"synthetic://{doc_id}", title=title, text=text,
                 metadata={"synthetic": True, "note": "written for tests/test_extract_partition_map.py"})
        for doc_id, (title, text) in CONTRACTS.items()])
    ws.close()
    return path


def _cli(root, llm_server, *args: str, ceo_model: bool = True):
    flags = ["--workspace", str(root), "--worker-model", "openai/test-worker"]
    if ceo_model:
        flags += ["--ceo-model", "openai/test-ceo"]
    return runner.invoke(app, [*flags, *args])


def test_rlm_strategy_extracts_per_document_resumably(root, llm_server, monkeypatch):
    for role in ("CEO", "WORKER"):
        monkeypatch.setenv(f"SRO_{role}_BASE_URL", llm_server.base_url)
        monkeypatch.setenv(f"SRO_{role}_API_KEY_ENV", "SRO_TEST_KEY")
    llm_server.add(r"Recursive Language Model", ceo)
    llm_server.add(r"extract knowledge-graph triples", worker)

    args = ["extract", "--pipeline", "legal_contracts", "--dataset", "contracts", "--strategy", "rlm", "--json"]
    out = _cli(root, llm_server, *args, "--parallel", "2", "--limit", "2")  # stopped after two documents
    assert out.exit_code == 0, out.output
    first = json.loads(out.stdout)
    assert first["strategy"] == "rlm" and first["sessions"] == 2 and first["finished"] == 2, first
    out = _cli(root, llm_server, *args)  # resumed: only the third document is left
    assert out.exit_code == 0, out.output
    second = json.loads(out.stdout)
    assert second["documents"] == 3 and second["skipped_done"] == 2 and second["sessions"] == 1, second
    assert second["finished"] == 1 and second["unfinished"] == 0 and second["errors"] == [], second
    assert first["accepted"] + second["accepted"] == 9, (first, second)
    assert second["calls"] > 0 and second["tokens"] > 0, second
    assert first["chunks_extracted"] > 0 and first["chunks_not_extracted"] > 0  # "Term"/"Fees" skipped
    requests = len(llm_server.requests)
    assert llm_server.count(r"Recursive Language Model") == 6  # two CEO turns per document

    ws = Workspace.open(root)
    try:
        rows = ws.db.execute("SELECT doc_id FROM candidates_docs_done WHERE pipeline = 'legal_contracts' "
                             "ORDER BY doc_id").fetchall()
        assert [r[0] for r in rows] == sorted(CONTRACTS)
        from sro.triples.store import TripleStore

        accepted = TripleStore(ws.db).triples(limit=100, pipeline="legal_contracts")
        docs = {d: text for d, (_, text) in CONTRACTS.items()}
        for t in accepted:  # exact quotes at exact offsets
            assert docs[t["doc_id"]][t["start_char"]:t["end_char"]] == t["quote"]
        law = {t["doc_id"]: t for t in accepted if t["predicate_iri"].endswith("governingLaw")}
        assert set(law) == set(CONTRACTS)
        assert law["contract:001"]["quote"] == "This Agreement shall be governed by the laws of the State of Delaware."
        assert law["contract:001"]["subject"] == "Master Supply Agreement"  # the document entity
        parties = {(t["doc_id"], t["object"]) for t in accepted if t["predicate_iri"].endswith("hasParty")}
        assert ("contract:002", "Fenwick Logistics GmbH") in parties and len(parties) == 6
    finally:
        ws.close()

    again = _cli(root, llm_server, *args)
    assert again.exit_code == 0, again.output
    rerun = json.loads(again.stdout)
    assert rerun["skipped_done"] == 3 and rerun["sessions"] == 0 and rerun["calls"] == 0
    assert len(llm_server.requests) == requests  # nothing new sent


def test_rlm_strategy_without_ceo_model_is_a_clear_error(root, llm_server, monkeypatch):
    monkeypatch.setenv("SRO_WORKER_BASE_URL", llm_server.base_url)
    out = _cli(root, llm_server, "extract", "--pipeline", "legal_contracts", "--dataset", "contracts",
               "--strategy", "rlm", ceo_model=False)
    assert out.exit_code != 0
    assert isinstance(out.exception, SROError)  # `sro` prints it as "error: ..." without a traceback
    assert "--strategy rlm needs a CEO model" in str(out.exception)
    assert not llm_server.requests


def test_document_self_references_become_the_document_entity():
    from sro.extract.llm_extractor import is_document_subject

    doc = Document(id="c:1", dataset="c", source_uri="synthetic://c/1", text="(synthetic)",
                   title="MASTER SUPPLY AGREEMENT")
    for subject in ("this Agreement", "This Master Supply Agreement", "the Agreement", "Master Supply Agreement",
                    "the master supply agreement"):
        assert is_document_subject(subject, doc), subject
    for subject in ("Acme Corp", "the Master Agreement", "this clause", "Supply"):
        assert not is_document_subject(subject, doc), subject
    post = doc.model_copy(update={"kind": "comment", "title": "Our solar lease"})
    assert not is_document_subject("the contract", post) and is_document_subject("our solar lease", post)


def _offline_worker_rlm(root, llm_server, monkeypatch, *flags: str) -> dict:
    """`--strategy rlm` with a scripted CEO and the offline worker (no worker model): what it stored."""
    monkeypatch.setenv("SRO_CEO_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("SRO_CEO_API_KEY_ENV", "SRO_TEST_KEY")
    out = runner.invoke(app, ["--workspace", str(root), "--ceo-model", "openai/test-ceo", "extract", "--pipeline",
                              "legal_contracts", "--dataset", "contracts", "--strategy", "rlm", "--json", *flags])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["finished"] == 3
    with Workspace.open(root) as ws:
        return {"judged": ws.db.execute("SELECT c.id, j.verdict, round(j.total, 9), c.campaign, c.node FROM "
                                        "candidates c JOIN judgments j ON j.candidate_id = c.id ORDER BY 1").fetchall(),
                "done": ws.db.execute("SELECT chunk_id, candidates FROM candidates_done ORDER BY 1").fetchall()}


def test_rlm_strategy_on_worker_processes_stores_what_local_stores(root, tmp_path, llm_server, monkeypatch):
    """--executor processes: the sessions' extract_triples calls go to one pool of processes (1-chunk
    batches), the facts and their campaign/node (document) tags are the local executor's."""
    import shutil

    from sro.triples import executors

    llm_server.add(r"Recursive Language Model", ceo)
    shutil.copytree(root, tmp_path / "procs")
    local = _offline_worker_rlm(root, llm_server, monkeypatch)
    assert any(v == "accepted" for _, v, *_ in local["judged"]) and all(n for *_, n in local["judged"])
    sizes, store = [], executors.PreparedStage.run_prepared

    async def run_prepared(self, chunks, records, **tags):
        sizes.append(len(chunks))
        return await store(self, chunks, records, **tags)

    monkeypatch.setattr(executors.PreparedStage, "run_prepared", run_prepared)
    procs = _offline_worker_rlm(tmp_path / "procs", llm_server, monkeypatch, "--executor", "processes",
                                "--batch-chunks", "1")
    assert procs == local and sizes and set(sizes) == {1}


def test_rlm_strategy_with_a_worker_model_refuses_worker_processes(root, llm_server, monkeypatch):
    monkeypatch.setenv("SRO_CEO_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("SRO_WORKER_BASE_URL", llm_server.base_url)
    out = _cli(root, llm_server, "extract", "--pipeline", "legal_contracts", "--dataset", "contracts",
               "--strategy", "rlm", "--executor", "processes")
    assert isinstance(out.exception, SROError) and "offline only" in str(out.exception)
    assert not llm_server.requests
