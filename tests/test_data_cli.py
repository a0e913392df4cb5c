"""The data CLI end to end on the bundled synthetic demo corpus: `sro ingest`, `datasets`, `search`, `grep`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "datasets" / "demo"
SRO = str(Path(sys.executable).parent / "sro")


def sro(ws: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRO_")}
    out = subprocess.run([SRO, "-w", str(ws), *args], capture_output=True, text=True, env=env, timeout=300)
    if ok:
        assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("ws")
    manifest = json.loads((DEMO / "manifest.json").read_text())
    out = sro(ws, "ingest", "reddit-dump", str(DEMO / "RS_demo.zst"), str(DEMO / "RC_demo.zst"),
              "--dataset", "solar_demo", "--synthetic", "--json")
    report = json.loads(out.stdout)
    skipped = manifest["removed_submissions"] + manifest["deleted_comments"]
    expected = manifest["files"]["RS_demo.zst"] + manifest["files"]["RC_demo.zst"] - skipped
    assert {"dataset", "documents_added", "chunks_added", "skipped", "errors"} <= set(report)
    assert (report["documents_added"], report["skipped"], report["errors"]) == (expected, skipped, [])
    return ws


def test_reingest_adds_nothing_and_datasets_lists_it(ws):
    again = json.loads(sro(ws, "ingest", "reddit-dump", str(DEMO / "RS_demo.zst"), "--dataset", "solar_demo",
                           "--json").stdout)
    assert again["documents_added"] == 0 and again["chunks_added"] == 0
    sro(ws, "ingest", "docs", str(DEMO / "contracts"), "--dataset", "contracts_demo", "--synthetic")
    infos = {d["name"]: d for d in json.loads(sro(ws, "datasets", "--json").stdout)}
    assert infos["solar_demo"]["synthetic"] and infos["contracts_demo"]["documents"] == 6
    assert set(infos["solar_demo"]["kinds"]) == {"comment", "submission"}


def test_search_and_grep_json_hits_are_citable(ws):
    hits = json.loads(sro(ws, "search", "solar_demo", "inverter died", "--limit", "5", "--json").stdout)
    assert len(hits) == 5 and all({"doc_id", "chunk_id", "start", "end", "text", "score"} <= set(h) for h in hits)
    assert hits[0]["score"] >= hits[-1]["score"] and "inverter" in hits[0]["text"].lower()
    grep = json.loads(sro(ws, "grep", "solar_demo", r"\$[0-9,]+ for [0-9.]+ kW", "-n", "3", "--json").stdout)
    assert len(grep) == 3 and all(h["score"] is None for h in grep)
    from sro.workspace import Workspace

    with Workspace.open(ws) as opened:  # offsets cite the stored document text exactly
        for hit in hits + grep:
            doc = opened.datasets.document(hit["doc_id"])
            assert doc.text[hit["start"] : hit["end"]] == hit["text"]
            assert doc.source_uri.startswith("https://www.reddit.com/r/SolarDemo/comments/")


def test_errors_are_clean(ws, tmp_path):
    out = sro(ws, "search", "nope", "x", ok=False)
    assert out.returncode != 0 and "unknown dataset 'nope'" in out.stderr and "Traceback" not in out.stderr
    bad = tmp_path / "RS_bad.ndjson"
    bad.write_text('{"id": "q1", "title": "ok", "selftext": "fine"}\n{broken\n')
    out = sro(ws, "ingest", "reddit-dump", str(bad), "--dataset", "broken", "--on-error", "stop", "--json", ok=False)
    report = json.loads(out.stdout)
    assert out.returncode == 1 and report["stopped"] and report["documents_added"] == 0
    assert report["errors"] == [{"file": str(bad), "line": 2, "message": report["errors"][0]["message"]}]
    assert "Traceback" not in out.stderr
