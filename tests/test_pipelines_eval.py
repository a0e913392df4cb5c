"""eval_cuad end to end on two tiny contracts: real ingest CLI, real TripleStage, scoring against a gold table.

Offline through the pattern engine and the judge; with a model through the LLM extractor, whose answers
come from the loopback server (no network, no key).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))

import eval_cuad  # noqa: E402

CONTRACT_A = (
    'This Supply Agreement (the "Agreement") is dated as of March 3, 2015 by and between Northwind Supply, Inc., '
    'a Delaware corporation ("Supplier"), and Helios Panels LLC, a California limited liability company '
    '("Buyer").\n\n1. Term. This Agreement shall automatically renew for successive one (1) year periods unless '
    "either party gives notice of non-renewal at least sixty (60) days prior to the end of the term.\n"
    "2. Governing Law. This Agreement shall be governed by and construed in accordance with the laws of the "
    "State of Texas.\n3. Assignment. Buyer shall not assign this Agreement without the prior written consent "
    "of Supplier.\n")
CONTRACT_B = (
    'This License Agreement is made and entered into this 14th day of June, 2006, by and between Voltaic Labs '
    'Corp. ("Licensor") and Cardinal Apps Ltd. ("Licensee").\n\nThis Agreement shall be governed by the laws of '
    "England and Wales.\n")
GOLD_COLUMNS = [c for c, *_ in eval_cuad.VALUE_CATEGORIES.values()] + [c for c, _ in eval_cuad.YES_NO_CATEGORIES.values()]


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "cuad"
    (data / "contracts").mkdir(parents=True)
    (data / "contracts" / "a.txt").write_text(CONTRACT_A, encoding="utf-8")
    (data / "contracts" / "b.txt").write_text(CONTRACT_B, encoding="utf-8")
    rows = [
        {"Filename": "a.pdf", "Parties-Answer": 'Northwind Supply, Inc. ("Supplier"); Helios Panels LLC ("Buyer")',
         "Agreement Date-Answer": "3/3/15", "Renewal Term-Answer": "successive 1 year",
         "Notice Period To Terminate Renewal- Answer": "60 days", "Governing Law-Answer": "Texas",
         "Anti-Assignment-Answer": "Yes"},
        {"Filename": "b.pdf", "Parties-Answer": 'Voltaic Labs Corp. ("Licensor"); Cardinal Apps Ltd. ("Licensee")',
         "Agreement Date-Answer": "6/14/06", "Governing Law-Answer": "England", "Anti-Assignment-Answer": "No"},
    ]
    with open(data / "gold_master_clauses.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["Filename", *GOLD_COLUMNS])
        w.writeheader()
        for row in rows:
            w.writerow({c: row.get(c, "No" if c in [y for y, _ in eval_cuad.YES_NO_CATEGORIES.values()] else "")
                        for c in ["Filename", *GOLD_COLUMNS]})
    return data


def test_offline_eval_scores_the_accepted_facts(tmp_path: Path) -> None:
    result = eval_cuad.run_mode(_data(tmp_path), tmp_path / "ws", True, None)
    cats = result["categories"]
    assert result["n_contracts"] == 2
    for name in ("governing_law", "agreement_date", "parties", "renewal_term",
                 "notice_period_to_terminate_renewal", "anti_assignment"):
        assert cats[name]["accuracy"] == 1.0, (name, cats[name])
    assert cats["governing_law"]["precision"] == 1.0 and cats["governing_law"]["recall"] == 1.0
    assert result["stage"]["accepted"] > 0 and result["stage"]["calls"] == 0


def test_gold_parsing_rules() -> None:
    assert eval_cuad.gold_parties('ACCURAY INCORPORATED, ("Accuray"); SIEMENS AG ("Siemens")') == [
        ["accuray"], ["siemens"]]
    assert eval_cuad.party_match("ntl", [eval_cuad.party_key("Northern Telecom Limited"), "ntl"])
    assert eval_cuad.norm("date", "[]/[]/2004") == "2004"
    assert eval_cuad.norm("duration", "successive 1 year") == "P12M"
    assert eval_cuad.norm("expiration", "Perpetual") == "perpetual"


def test_model_mode_uses_the_llm_extractor(tmp_path: Path, llm_server, monkeypatch) -> None:
    def answer(request: dict) -> str:
        text = "\n".join(m["content"] for m in request["messages"] if isinstance(m.get("content"), str))
        triples = []
        if "laws of the State of Texas" in text:
            triples.append({"chunk": 0, "subject": "a.txt", "predicate": "governingLaw", "object": "Texas",
                            "object_type": "entity", "object_class": "Jurisdiction",
                            "quote": "This Agreement shall be governed by and construed in accordance with the "
                                     "laws of the State of Texas."})
        return json.dumps({"triples": triples})

    llm_server.default(answer)
    monkeypatch.setenv("SRO_WORKER_MODEL", "openai/test-worker")
    monkeypatch.setenv("SRO_WORKER_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("SRO_WORKER_API_KEY_ENV", "SRO_TEST_KEY")
    monkeypatch.setenv("SRO_TEST_KEY", "test")
    result = eval_cuad.run_mode(_data(tmp_path), tmp_path / "ws-model", False, None)
    assert llm_server.count() >= 1
    assert result["stage"]["calls"] >= 1 and result["stage"]["extractor"] == "llm"
    assert result["stage"]["candidates"] == 1  # the model's one triple reached the judge and was scored
    assert set(result["categories"]) == set(eval_cuad.VALUE_CATEGORIES) | set(eval_cuad.YES_NO_CATEGORIES)
    # Known limit (see README.md, "Pipelines"): a contract-level fact from the LLM extractor names the
    # contract as its subject, which its quote does not mention, so grounding rejects it; patterns use the
    # "@document" subject instead. The score is therefore not asserted here.
