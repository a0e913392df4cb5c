"""kill -9 during ingest, during extract and during export, then the same command again: the workspace ends
exactly as after an uninterrupted run (no row lost, none duplicated) and no half export sits under its name.
The kill lands mid-work, not at a guessed time: ingest and extract print a progress line per committed step
(SRO_PROGRESS_SECONDS=0), and the export's temporary file is watched until it has data."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "datasets" / "demo"
SRO = [sys.executable, "-m", "sro"]


def start(ws: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SRO_")}
    return subprocess.Popen([*SRO, "-w", str(ws), *args], cwd=ROOT, env={**base, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_ok(ws: Path, *args: str) -> dict | str:
    proc = start(ws, *args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    return json.loads(out) if "--json" in args else out


def kill_mid_run(ws: Path, *args: str, at_least: int = 2) -> int:
    """Run the command with a progress line per committed step; kill -9 it once `at_least` steps are done
    and before the last. Returns the steps done at the kill."""
    proc = start(ws, *args, env={"SRO_PROGRESS_SECONDS": "0"})
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r": (\d+)/(\d+) ", line)
        if found and at_least <= int(found.group(1)) < int(found.group(2)):
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=60)
            return int(found.group(1))
    proc.communicate(timeout=60)
    pytest.fail(f"the command ended before the kill (exit {proc.returncode})")


def query(ws: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(ws / "sro.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def write_dumps(folder: Path, files: int = 24, lines: int = 1500) -> list[str]:
    """Plain NDJSON submission dumps with distinct ids (enough rows that an ingest takes a few seconds)."""
    folder.mkdir()
    paths = []
    for f in range(files):
        path = folder / f"RS_{f:02d}.ndjson"
        with open(path, "w") as fh:
            for i in range(lines):
                fh.write(json.dumps({"id": f"k{f}x{i}", "subreddit": "SolarDemo", "created_utc": 1672747512 + i,
                                     "title": f"Panel report {f}-{i}", "selftext": f"Our {i % 9 + 2} kW system "
                                     f"produced {i % 50 + 10} kWh on day {i}."}) + "\n")
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def solar(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("kill") / "solar"
    run_ok(ws, "ingest", "reddit-dump", str(DEMO / "RS_demo.zst"), "-d", "solar", "--json")
    return ws


def test_kill_9_during_ingest_then_rerun_stores_every_row_once(tmp_path):
    paths = write_dumps(tmp_path / "dumps", files=12, lines=1000)
    crashed = tmp_path / "crashed"
    files_done = kill_mid_run(crashed, "ingest", "reddit-dump", *paths, "-d", "d")
    again = run_ok(crashed, "ingest", "reddit-dump", *paths, "-d", "d", "--json")
    assert again["already_present"] >= files_done * 1000 and 0 < again["documents_added"] < 12 * 1000
    rows = query(crashed, "SELECT count(*), count(DISTINCT id) FROM documents")[0]
    chunks = query(crashed, "SELECT count(*), count(DISTINCT id) FROM chunks")[0]
    assert rows == (12 * 1000, 12 * 1000) and chunks[0] == chunks[1] == 12 * 1000


@pytest.fixture(scope="module")
def extracted(solar) -> tuple[Path, dict]:
    """A copy of `solar` after an uninterrupted extract, and that extract's summary."""
    ref = solar.parent / "extracted"
    shutil.copytree(solar, ref)
    return ref, run_ok(ref, "extract", "-d", "solar", "--json")


def test_kill_9_during_extract_then_rerun_matches_an_uninterrupted_extract(solar, extracted, tmp_path):
    (ref, reference), crashed = extracted, tmp_path / "crashed"
    shutil.copytree(solar, crashed)
    done = kill_mid_run(crashed, "extract", "-d", "solar", at_least=64)
    again = run_ok(crashed, "extract", "-d", "solar", "--json")
    assert again["chunks"] <= reference["chunks"] - done  # the chunks finished before the kill were kept
    sql = ("SELECT c.id, j.verdict FROM candidates c JOIN judgments j ON j.candidate_id = c.id ORDER BY c.id")
    assert query(crashed, sql) == query(ref, sql)
    assert query(crashed, "SELECT count(*), count(DISTINCT chunk_id) FROM candidates_done") == \
        query(ref, "SELECT count(*), count(DISTINCT chunk_id) FROM candidates_done")
    facts = [run_ok(w, "graph", "stats", "--json")["facts"] for w in (ref, crashed)]
    assert facts[0] == facts[1] > 0


def test_kill_9_during_export_leaves_no_half_file_and_a_rerun_writes_it_whole(extracted, tmp_path):
    solar = extracted[0]
    whole = tmp_path / "whole.nq"
    summary = run_ok(solar, "export", "--format", "nquads", "-o", str(whole), "--json")
    target, partial = tmp_path / "graph.nq", tmp_path / ".graph.nq.partial"
    proc = start(solar, "export", "--format", "nquads", "-o", str(target))
    while not (partial.exists() and partial.stat().st_size) and proc.poll() is None:
        time.sleep(0.001)
    assert proc.poll() is None, "the export finished before the kill"
    os.kill(proc.pid, signal.SIGKILL)  # mid-write: the partial file holds some statements
    proc.communicate(timeout=60)
    assert not target.exists() and 0 < partial.stat().st_size < whole.stat().st_size
    again = run_ok(solar, "export", "--format", "nquads", "-o", str(target), "--json")
    assert again["statements"] == summary["statements"] > 0 and not partial.exists()
    assert sorted(target.read_text().splitlines()) == sorted(whole.read_text().splitlines())
