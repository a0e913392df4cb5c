"""Reads never wait for a writer: a real writer holds the workspace in another process while `sro` read
commands run in further processes; a second writer is refused with the holder's command and pid, or waits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def sro(ws: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sro", "--workspace", str(ws), *args], capture_output=True,
                          text=True, env=ENV, timeout=timeout, cwd=ROOT)


@pytest.fixture
def writer(tmp_path):
    ws = tmp_path / "ws"
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.live_writer", str(ws)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    assert proc.stdout.readline().strip() == "ready 1"

    def step() -> str:
        proc.stdin.write("more\n")
        proc.stdin.flush()
        return proc.stdout.readline().strip()

    yield ws, proc, step
    if proc.poll() is None:
        proc.stdin.close()
        proc.wait(timeout=60)


def _documents(ws: Path) -> int:
    done = sro(ws, "datasets", "--json")
    assert done.returncode == 0, done.stderr
    return {d["name"]: d["documents"] for d in json.loads(done.stdout)}["live"]


def _edges(ws: Path) -> int:
    done = sro(ws, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:p:knows> ?o }", "--format", "json")
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["results"]["bindings"][0]["n"]["value"])


def test_reads_see_what_the_writer_committed_so_far(writer):
    ws, proc, step = writer
    holder = json.loads((ws / "holder.json").read_text())
    assert holder["pid"] == proc.pid and holder["command"] == "sro ingest docs"
    assert (_documents(ws), _edges(ws)) == (1, 1)
    assert step() == "ready 2"
    assert (_documents(ws), _edges(ws)) == (2, 2)
    found = sro(ws, "search", "live", "solar", "--json")
    assert found.returncode == 0, found.stderr
    assert "doc:2" in found.stdout
    assert proc.poll() is None  # the reads went through the running writer


def test_a_forwarded_error_is_one_line_and_keeps_the_holder_alive(writer):
    ws, proc, _ = writer
    done = sro(ws, "search", "nosuch", "solar")
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and "nosuch" in done.stderr
    assert proc.poll() is None and _documents(ws) == 1


def test_a_second_writer_names_the_running_command_and_pid(writer, tmp_path):
    ws, proc, _ = writer
    doc = tmp_path / "note.txt"
    doc.write_text("Another note about inverters.")
    done = sro(ws, "ingest", "docs", str(doc), "-d", "notes")
    assert done.returncode == 1
    assert done.stderr.strip() == (f"error: workspace {ws.resolve()} is busy: `sro ingest docs` (pid {proc.pid}) is "
                                   "writing to it; read commands still work, or add --wait to run after it")


def test_wait_queues_a_writer_behind_the_running_one(writer, tmp_path):
    ws, proc, _ = writer
    doc = tmp_path / "note.txt"
    doc.write_text("Another note about inverters.")
    queued = subprocess.Popen([sys.executable, "-m", "sro", "--workspace", str(ws), "ingest", "docs", str(doc),
                               "-d", "notes", "--wait"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=ENV, cwd=ROOT)
    with pytest.raises(subprocess.TimeoutExpired):
        queued.wait(timeout=3)  # still queued: the writer holds the workspace
    proc.stdin.close()
    proc.wait(timeout=60)
    out, err = queued.communicate(timeout=120)
    assert queued.returncode == 0, err
    assert not (ws / "holder.json").exists()
    assert _documents(ws) == 1 and "notes" in sro(ws, "datasets").stdout


def test_export_to_a_relative_path_lands_where_the_reader_runs(writer, tmp_path):
    ws, proc, _ = writer
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-m", "sro", "--workspace", str(ws), "export", "-o", "out.nt",
                           "--format", "ntriples"], capture_output=True, text=True, env=ENV, cwd=elsewhere,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "<urn:e:1> <urn:p:knows> <urn:e:2>" in (elsewhere / "out.nt").read_text()
    assert proc.poll() is None


def test_the_full_cli_forwards_what_the_fast_path_leaves_to_it(writer):
    ws, proc, _ = writer
    done = sro(ws, "datasets", "--json", "--wait")  # --wait: not a plain command line, so the full CLI runs
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["documents"] == 1 and proc.poll() is None


@pytest.mark.parametrize("argv, expected", [
    (["search", "d", "q"], ("sro-workspace", "search")),
    (["-w", "/w", "--no-cache", "query", "ASK {}"], ("/w", "query")),
    (["--workspace=/w", "graph", "stats"], ("/w", "graph stats")),
    (["--ceo-model", "m", "-w", "/w", "datasets"], ("/w", "datasets")),
    (["graph", "import", "x.ttl"], ("sro-workspace", "graph import")),
    (["search", "--help"], None),
    (["--verbose", "datasets"], None),
    (["-w"], None),
    ([], None),
])
def test_fast_path_reads_the_command_line(argv, expected, monkeypatch):
    from sro.commands.fast import split

    monkeypatch.delenv("SRO_WORKSPACE", raising=False)
    assert split(argv) == expected


def test_a_writer_lowers_only_its_own_thread_so_the_relay_keeps_its_priority():
    import os
    import threading

    from sro.live import yield_cpu

    seen: dict[str, int] = {}

    def writer() -> None:
        yield_cpu(os.getpriority(os.PRIO_PROCESS, 0) + 3)
        seen["writer"] = os.getpriority(os.PRIO_PROCESS, 0)
        child = threading.Thread(target=lambda: seen.update(child=os.getpriority(os.PRIO_PROCESS, 0)))
        child.start()
        child.join()

    before = os.getpriority(os.PRIO_PROCESS, 0)
    thread = threading.Thread(target=writer)
    thread.start()
    thread.join()
    assert seen == {"writer": before + 3, "child": before + 3}  # what the writer starts inherits it
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # on Linux the nice value is per thread


def test_a_forwarded_read_imports_no_heavy_module(writer):
    """The reader of a held workspace forwards before importing the CLI: its start-up cost is what a read
    costs on a busy machine (docs/live.md, experiments/bench_live.py)."""
    ws, _, _ = writer
    code = ("import sys; from sro.commands import fast; code = fast.forward(['--workspace', sys.argv[1], 'datasets', "
            "'--json']); heavy = sorted(m for m in sys.modules if m == 'sro.commands.cli' or m.split('.')[0] in {'typer', "
            "'click', 'rich', 'pydantic', 'duckdb', 'pyoxigraph'}); print(code, heavy, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(ws)], capture_output=True, text=True, env=ENV,
                          cwd=ROOT, timeout=120)
    assert done.stderr.strip() == "0 []", done.stderr
    assert [d["name"] for d in json.loads(done.stdout)] == ["live"]
