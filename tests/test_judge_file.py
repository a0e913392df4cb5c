"""`sro judge FILE.jsonl`: triples from anywhere, judged by the pipeline's judge; and the score calibration."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines import load_pipeline
from sro.commands.cli import app
from sro.judge import calibration

TEXT = "Finally got PTO. We paid $32,000 for the 10 kW system before the tax credit. Would it be smart to add a " \
       "Powerwall 3 for $12k more?"
LINES = [
    {"id": "a", "subject": "this installation", "predicate": "systemCost", "object": "$32,000",
     "quote": "We paid $32,000 for the 10 kW system before the tax credit.", "text": TEXT, "title": "PTO at last"},
    {"id": "b", "subject": "this installation", "predicate": "systemCost", "object": "$12k",
     "quote": "Would it be smart to add a Powerwall 3 for $12k more?", "text": TEXT, "title": "PTO at last"},
    {"id": "c", "subject": "Tesla", "predicate": "installedBy", "object": "SolarCity",
     "quote": "a sentence that is not in the text", "text": TEXT},
]


def run(tmp_path: Path, lines: list, *args: str):
    path = tmp_path / "in.jsonl"
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return CliRunner().invoke(app, ["-w", str(tmp_path / "ws"), "judge", str(path), *args])


def test_judge_json_gives_a_verdict_score_axioms_and_reasons_per_line(tmp_path):
    out = run(tmp_path, LINES, "--pipeline", "solar_reddit", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output[out.output.index("{"):])
    assert (data["judged"], data["accepted"], data["rejected"]) == (3, 1, 2)
    by = {r["id"]: r for r in data["results"]}
    assert by["a"]["verdict"] == "accepted" and 0 < by["a"]["score"] <= 1 and by["a"]["reasons"] == []
    assert {"grounding", "assertion", "number_role", "schema"} <= set(by["a"]["axioms"])
    assert by["b"]["verdict"] == "rejected" and any(r.startswith("assertion: question") for r in by["b"]["reasons"])
    assert by["c"]["verdict"] == "rejected" and any(r.startswith("grounding") for r in by["c"]["reasons"])


def test_the_table_shows_gate_for_a_triple_a_gate_rejected(tmp_path):
    out = run(tmp_path, LINES, "--pipeline", "solar_reddit")
    assert out.exit_code == 0, out.output
    rows = {line.split("│")[1].strip(): line for line in out.output.splitlines() if line.count("│") >= 4}
    assert "gate" in rows["b"] and "gate" in rows["c"]
    assert "gate" not in rows["a"] and "accepted" in rows["a"]


def test_a_malformed_line_is_a_clean_error_naming_the_line(tmp_path):
    out = run(tmp_path, [LINES[0], '{"id": "x", "subject": "only a subject"}'], "--pipeline", "solar_reddit")
    assert out.exit_code != 0
    assert "in.jsonl:2" in str(out.exception or out.output)


def test_calibration_fit_orders_and_scales_probabilities(tmp_path):
    rows = [{"x": float(i % 2), "noise": (i * 7 % 5) / 5} for i in range(200)]
    labels = [bool(r["x"]) != (i % 10 in (0, 5)) for i, r in enumerate(rows)]  # 80% agree with x, each side
    cal = calibration.fit(rows, labels, l2=0.1)
    hi, lo = cal.probability({"x": 1.0, "noise": 0.4}), cal.probability({"x": 0.0, "noise": 0.4})
    assert 0.7 < hi < 0.9 and 0.1 < lo < 0.3
    cal.save(tmp_path / "calibration.json")
    again = json.loads((tmp_path / "calibration.json").read_text())
    assert math.isclose(again["bias"], cal.bias)


def test_the_judge_reports_the_calibrated_probability_when_a_pipeline_ships_one(tmp_path):
    pipeline = load_pipeline("solar_reddit")
    cal = calibration.load(pipeline)
    if cal is None:
        pytest.skip("solar_reddit ships no calibration.json")
    out = run(tmp_path, LINES[:1], "--pipeline", "solar_reddit", "--json")
    score = json.loads(out.output[out.output.index("{"):])["results"][0]["score"]
    assert 0 < score < 1 and score != 0.9357  # a probability from the fitted model, not the weighted mean
    assert set(cal.weights) == {"raw_total", "literal_object", "document_subject", "first_person", "title_question",
                                "sentence_length", "own_subject", "post_mentions"}


@pytest.mark.parametrize("subject", ["this installation", "the poster's installation", "OP's system", "my solar system",
                                     "PTO at last"])
def test_subjects_naming_the_authors_installation_or_the_title_become_the_document(subject):
    from sro.nlp.predicates import PredicateMapper
    from sro.triples.from_file import InputTriple, candidate_of, document_of

    pipeline = load_pipeline("solar_reddit")
    t = InputTriple.model_validate({**LINES[0], "subject": subject})
    c = candidate_of(t, document_of(t), PredicateMapper(pipeline), pipeline)
    assert c.subject.ref == "document" and c.subject.text == "PTO at last" and c.subject.type == "Installation"
    assert c.object.datatype == "money" and c.object.value == "32000"
