"""kill -9 during ingest, during extract and during export, then the same command again: the workspace ends
exactly as after an uninterrupted run (no row lost, none duplicated) and no half export sits under its name.
The kill lands at 60% of the uninterrupted run's duration, and each test checks that it cut the work short."""

from __future__ import annotations

import json
import os
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


def start(ws: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRO_")}
    return subprocess.Popen([*SRO, "-w", str(ws), *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def timed(ws: Path, *args: str) -> tuple[dict | str, float]:
    began = time.monotonic()
    proc = start(ws, *args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    return (json.loads(out) if "--json" in args else out), time.monotonic() - began


def kill_after(ws: Path, seconds: float, *args: str) -> None:
    proc = start(ws, *args)
    time.sleep(seconds)
    assert proc.poll() is None, "the command finished before the kill: nothing was interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)


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
    timed(ws, "ingest", "reddit-dump", str(DEMO / "RS_demo.zst"), str(DEMO / "RC_demo.zst"), "-d", "solar", "--json")
    return ws


def test_kill_9_during_ingest_then_rerun_stores_every_row_once(tmp_path):
    paths = write_dumps(tmp_path / "dumps")
    reference, seconds = timed(tmp_path / "ref", "ingest", "reddit-dump", *paths, "-d", "d", "--json")
    crashed = tmp_path / "crashed"
    kill_after(crashed, 0.6 * seconds, "ingest", "reddit-dump", *paths, "-d", "d", "--json")
    again, _ = timed(crashed, "ingest", "reddit-dump", *paths, "-d", "d", "--json")
    assert 0 < again["documents_added"] < reference["documents_added"]  # the kill cut the ingest short
    rows = query(crashed, "SELECT count(*), count(DISTINCT id) FROM documents")[0]
    chunks = query(crashed, "SELECT count(*), count(DISTINCT id) FROM chunks")[0]
    assert rows == (reference["documents_added"],) * 2 and chunks == (reference["chunks_added"],) * 2


def test_kill_9_during_extract_then_rerun_matches_an_uninterrupted_extract(solar, tmp_path):
    ref, crashed = tmp_path / "ref", tmp_path / "crashed"
    shutil.copytree(solar, ref)
    shutil.copytree(solar, crashed)
    reference, seconds = timed(ref, "extract", "-d", "solar", "--json")
    kill_after(crashed, 0.6 * seconds, "extract", "-d", "solar", "--json")
    again, _ = timed(crashed, "extract", "-d", "solar", "--json")
    assert 0 < again["chunks"] < reference["chunks"]  # finished chunks were kept and skipped
    sql = ("SELECT c.id, j.verdict FROM candidates c JOIN judgments j ON j.candidate_id = c.id ORDER BY c.id")
    assert query(crashed, sql) == query(ref, sql)
    assert query(crashed, "SELECT count(*), count(DISTINCT chunk_id) FROM candidates_done") == \
        query(ref, "SELECT count(*), count(DISTINCT chunk_id) FROM candidates_done")
    facts = [timed(w, "graph", "stats", "--json")[0]["facts"] for w in (ref, crashed)]
    assert facts[0] == facts[1] > 0


def test_kill_9_during_export_leaves_no_half_file_and_a_rerun_writes_it_whole(solar, tmp_path):
    timed(solar, "extract", "-d", "solar", "--json")
    whole = tmp_path / "whole.nq"
    summary, _ = timed(solar, "export", "--format", "nquads", "-o", str(whole), "--json")
    target, partial = tmp_path / "graph.nq", tmp_path / ".graph.nq.partial"
    proc = start(solar, "export", "--format", "nquads", "-o", str(target))
    while not (partial.exists() and partial.stat().st_size) and proc.poll() is None:
        time.sleep(0.001)
    assert proc.poll() is None, "the export finished before the kill"
    os.kill(proc.pid, signal.SIGKILL)  # mid-write: the partial file holds some statements
    proc.communicate(timeout=60)
    assert not target.exists() and 0 < partial.stat().st_size < whole.stat().st_size
    again, _ = timed(solar, "export", "--format", "nquads", "-o", str(target), "--json")
    assert again["statements"] == summary["statements"] > 0 and not partial.exists()
    assert sorted(target.read_text().splitlines()) == sorted(whole.read_text().splitlines())
