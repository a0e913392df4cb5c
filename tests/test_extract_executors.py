"""Executors (sro.triples.executors): the `processes` and `ray` executors store exactly the facts the `local`
one does, on real CUAD contracts, also when the second node of a real two-node Ray cluster (started here with
`ray start`) loses its raylet to SIGKILL mid-run, and when the driver is killed with SIGKILL and re-run;
without Ray, `--executor ray` says how to install it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sro.commands.cli import app
from sro.errors import ConfigError
from sro.triples import executors
from sro.triples.ray_pool import RayExecutor
from sro.workspace import Workspace
from tests.support import ray_cluster
from tests.support.campaign_corpus import stored_facts

runner = CliRunner()
FILES = ray_cluster.cuad_files(3)
needs_cuad = pytest.mark.skipif(not FILES, reason=f"CUAD contracts not found under {ray_cluster.CUAD}")
BATCH = "4"
slow = pytest.mark.skipif(os.environ.get("SRO_SLOW_TESTS") != "1", reason="slow (~45 s): set SRO_SLOW_TESTS=1")


def _facts(ws_path) -> dict:
    """Everything a run stores (tests.support.campaign_corpus.stored_facts: candidates with their verdicts and
    scores, finished chunks, the graph's quads)."""
    return stored_facts(ws_path)


def _extract(ws_path, *flags: str) -> dict:
    out = runner.invoke(app, ["-w", str(ws_path), "extract", "-d", "contracts", "-p", "legal_contracts",
                              "--batch-chunks", BATCH, "--json", *flags])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A workspace with a few CUAD contracts ingested, and the facts the local executor stores from them."""
    if not FILES:
        pytest.skip(f"CUAD contracts not found under {ray_cluster.CUAD}")
    root = tmp_path_factory.mktemp("corpus")
    ray_cluster.ingest_cli(root / "local", FILES)
    summary = _extract(root / "local", "--executor", "local")
    assert summary["chunks"] > 20 and summary["accepted"] > 0  # enough work to spread over nodes
    return root, _facts(root / "local")


def _fresh(corpus, name: str):
    root, _ = corpus
    ray_cluster.ingest_cli(root / name, FILES)
    return root / name


@pytest.fixture(scope="module")
def cluster():
    """A two-node cluster, started in the background while the corpus is prepared: `cluster.result()`."""
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'sro[ray]')")
    env = pytest.MonkeyPatch()
    env.setenv("SRO_TEST_KEY", os.environ.get("SRO_TEST_KEY") or "sk-loopback-test")  # every node has the key
    with ThreadPoolExecutor(1) as starter:
        started = starter.submit(ray_cluster.start_cluster, 2)
        try:
            yield started
        finally:
            try:  # this cluster only: other Ray clusters on the machine keep running
                ray_cluster.stop_cluster(started.result())
            except RuntimeError:  # it never started (start_cluster stopped what it had started)
                pass
            env.undo()


def _started(cluster) -> ray_cluster.Cluster:
    try:
        return cluster.result()
    except RuntimeError as exc:
        pytest.skip(f"Ray cannot start on this machine: {exc}")


@pytest.fixture
def ray_env(monkeypatch):
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")


@needs_cuad
def test_ray_node_killed_mid_run_loses_nothing(cluster, corpus, ray_env):
    from sro.commands.extract import _pending

    cluster = _started(cluster)
    ws_path = _fresh(corpus, "ray_fault")
    pool = RayExecutor(cluster.address, inflight=4)
    seen: dict = {}

    def kill_second_node(n: int, rates) -> None:
        node = (cluster.worker_node_id() or "")[:8]
        if "killed" not in seen and node and node in rates.chunks:  # it has done work, and holds more
            seen.update(killed=node, stored=sum(rates.chunks.values()))
            cluster.worker_raylet().send_signal(signal.SIGKILL)

    ws = Workspace.open(ws_path)
    try:
        stage = executors.PreparedStage.for_workspace(ws, "legal_contracts")
        batches = _pending(ws, "contracts", "legal_contracts", None, int(BATCH))
        total, rates = asyncio.run(executors.run_distributed(stage, pool, batches, on_batch=kill_second_node))
    finally:
        pool.close()
        ws.close()
    assert "killed" in seen, "the second node never finished a batch before the run ended"
    # killed while batches were still out or queued (inflight 4 > 2 CPUs): they were retried on the head
    assert total.chunks - seen["stored"] >= 4 * int(BATCH) and total.errors == []
    assert _facts(ws_path) == corpus[1]


@needs_cuad
@slow
def test_ray_cli_on_a_cluster_resumes_and_matches_local(cluster, corpus, ray_env):
    cluster = _started(cluster)
    if cluster.worker_raylet() is None:
        cluster.add_node()  # the fault test killed it
    ws = _fresh(corpus, "ray_cli")
    first = _extract(ws, "--executor", "ray", "--ray-address", cluster.address, "--limit", "8")
    assert first["chunks"] == 8 and first["executor"] == "ray"
    rest = _extract(ws, "--executor", "ray", "--ray-address", cluster.address)
    assert rest["chunks"] == corpus[1]["done"].__len__() - 8  # resumed: the first 8 were not redone
    assert _facts(ws) == corpus[1]


FOUNDED = re.compile(r"(\w+ Inc\.) was founded by (\w+ \w+) in \d{4}\.")


def _founded(request: dict) -> str:
    """The scripted worker model: one foundedBy triple per passage that states one."""
    text = request["messages"][-1]["content"]
    triples = [{"chunk": int(i), "subject": m.group(1), "predicate": "founded by", "object": m.group(2),
                "subject_type": "Organization", "object_class": "Person", "quote": m.group(0)}
               for i, body in re.findall(r"\[passage (\d+)\][^\n]*\n(.*?)(?=\n\n\[passage|\Z)", text, re.S)
               for m in FOUNDED.finditer(body)]
    return json.dumps({"triples": triples})


def _llm_workspace(path, llm_server) -> Workspace:
    """16 one-chunk documents; document 5 is the one whose call is in flight when its worker is killed."""
    from sro.data.models import Document

    ws = Workspace.open(path, {"worker": llm_server.role(max_concurrency=1)})
    docs = [Document(id=f"d:{i:02d}", dataset="d", source_uri=f"https://d/{i}", kind="document",
                     text=f"Firm{i} Inc. was founded by Person Name{i} in {1990 + i}. It makes parts."
                          + (" KILLME" if i == 5 else "")) for i in range(16)]
    ws.datasets.add_documents("d", docs)
    return ws


def _prompts(llm_server) -> Counter:
    return Counter(r["messages"][-1]["content"] for r in llm_server.requests
                   if "extract knowledge-graph triples" in r["messages"][0]["content"])


def _extract_llm(ws, pool) -> object:
    from sro.commands.extract import _pending

    stage = executors.PreparedStage.for_workspace(ws, "generic")
    return asyncio.run(executors.run_distributed(stage, pool, _pending(ws, "d", "generic", None, 8)))[0]


def test_ray_llm_worker_killed_mid_batch_pays_only_the_call_in_flight(cluster, tmp_path, llm_server, ray_env):
    """LLM extraction on a Ray actor through the driver's cache, ledger and budgets: the actor is SIGKILLed
    while its second call of a batch is in flight; the batch goes to a replacement, which gets the first
    call's reply from the driver's cache. Every prompt is paid once but the one in flight, and the stored
    facts are the local executor's."""
    import psutil

    from sro.triples.remote_llm import LLMWork
    from sro.triples.stage import TripleStage

    cluster = _started(cluster)
    llm_server.add(r"extract knowledge-graph triples", _founded)
    ws = _llm_workspace(tmp_path / "local", llm_server)
    try:
        for chunks in ws.datasets.iter_chunks("d", batch=8):
            asyncio.run(TripleStage.for_workspace(ws, "generic").run(chunks))
    finally:
        ws.close()
    local, paid_locally = _facts(tmp_path / "local"), _prompts(llm_server)
    assert len(local["judged"]) == 16 and len(paid_locally) >= 4 and set(paid_locally.values()) == {1}
    llm_server.reset()
    llm_server.add(r"KILLME", _founded, delay_s=3, times=1)
    llm_server.add(r"extract knowledge-graph triples", _founded)

    def kill_when_in_flight() -> None:
        while llm_server.count("KILLME") == 0:
            time.sleep(0.05)
        port = int(llm_server.base_url.split(":")[-1].split("/")[0])
        pids = {c.pid for c in psutil.net_connections("tcp") if c.raddr and c.raddr.port == port and c.pid}
        for pid in pids - {os.getpid()}:
            os.kill(pid, signal.SIGKILL)

    ws = _llm_workspace(tmp_path / "ray", llm_server)
    try:
        pool = RayExecutor(cluster.address, workers=1, llm=LLMWork(ws.settings, 0, ws.llm))
        try:
            with ThreadPoolExecutor(1) as killer:
                killed = killer.submit(kill_when_in_flight)
                total = _extract_llm(ws, pool)
                killed.result(timeout=5)
        finally:
            pool.close()
        ws.llm.flush()
        paid = ws.db.execute("SELECT count(*) FROM llm_calls WHERE status = 'ok' AND NOT cached").fetchone()[0]
    finally:
        ws.close()
    prompts = _prompts(llm_server)
    n = len(paid_locally)
    assert set(prompts) == set(paid_locally) and total.errors == [] and total.calls == n
    assert sorted(prompts.values()) == [1] * (n - 1) + [2] and prompts[next(p for p in prompts if "KILLME" in p)] == 2
    assert paid == n  # the driver's ledger holds each paid call once (the killed one was never answered),
    # also the first call of the killed actor's batch, whose result never came back
    assert _facts(tmp_path / "ray") == local


def test_ray_missing_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ConfigError, match=r"pip install 'sro\[ray\]'"):
        executors.make_executor("ray")
    code = "import sys; sys.modules['ray'] = None; from sro.commands.cli import main; main()"
    (tmp_path / "ws").mkdir()
    out = subprocess.run([sys.executable, "-c", code, "-w", str(tmp_path / "ws"), "extract", "-d", "x", "--executor",
                          "ray"], capture_output=True, text=True, env=ray_cluster.cluster_env(), check=False)
    assert out.returncode != 0 and "pip install 'sro[ray]'" in out.stderr + out.stdout
    assert "Traceback" not in out.stderr and len((out.stderr + out.stdout).strip().splitlines()) == 1


def test_node_rates_per_wall_and_cpu_second():
    """Progress and bench_scale read chunks/s per node and the driver's rate, by wall clock and by CPU time
    (the CPU rates are what a shared machine barely moves)."""
    rates = executors.NodeRates()
    rates.add({"node": "a", "chunks": 64, "seconds": 0.8, "cpu_seconds": 0.4})
    rates.add({"node": "a", "chunks": 64, "seconds": 0.8, "cpu_seconds": 0.4})
    rates.add({"node": "b", "chunks": 30, "seconds": 0.5})  # a worker that did not report CPU time
    rates.driver_seconds, rates.driver_cpu_seconds = 0.4, 0.1
    assert rates.per_node() == {"a": 80.0, "b": 60.0}
    assert rates.per_node(cpu=True) == {"a": 160.0}
    assert rates.driver_rate() == 395.0 and rates.driver_rate(cpu=True) == 1580.0
    assert executors.NodeRates().driver_rate(cpu=True) == 0.0


def test_the_driver_runs_duckdb_on_one_thread_then_as_before():
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 3")

    def threads() -> int:
        return con.execute("SELECT current_setting('threads')").fetchone()[0]

    with executors.driver_threads(con):
        assert threads() == 1
    assert threads() == 3
    with pytest.raises(RuntimeError), executors.driver_threads(con):
        raise RuntimeError("a batch failed")
    assert threads() == 3


def test_unknown_executor_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown executor 'gpu'"):
        executors.make_executor("gpu")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "sro.toml").write_text('[executor]\nkind = "threads"\n')
    out = runner.invoke(app, ["-w", str(tmp_path / "ws"), "extract", "-d", "x"])
    assert isinstance(out.exception, ConfigError) and "executor.kind" in str(out.exception)


def test_processes_refuse_llm_extraction_before_starting_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(executors, "ProcessExecutor", lambda *a, **k: pytest.fail("no executor may start"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")  # the key check passes; no call is made
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "sro.toml").write_text('[worker]\nmodel = "openai/gpt-4o-mini"\n')
    out = runner.invoke(app, ["-w", str(tmp_path / "ws"), "extract", "-d", "x", "--executor", "processes"])
    assert isinstance(out.exception, ConfigError) and "offline extraction only" in str(out.exception)


DRIVER = """
import asyncio, sys
from sro.triples import executors
from sro.commands.extract import _pending
from sro.workspace import Workspace

ws, pool = Workspace.open(sys.argv[1]), executors.ProcessExecutor(inflight=2)
stage = executors.PreparedStage.for_workspace(ws, "legal_contracts")
asyncio.run(executors.run_distributed(stage, pool, _pending(ws, "contracts", "legal_contracts", None, 2),
                                      on_batch=lambda n, rates: print("stored", flush=True)))
"""


@needs_cuad
def test_driver_killed_mid_run_resumes_from_what_is_stored(corpus):
    """kill -9 of a driver (and its worker processes) right after it stored a batch, then `sro extract`:
    nothing is lost, nothing is stored twice, the facts are the local executor's."""
    ws = _fresh(corpus, "killed")
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(ws)], env=ray_cluster.cluster_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "stored"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert 0 < len(_facts(ws)["done"]) < len(corpus[1]["done"])  # killed mid-run
    (ws / "sro.toml").write_text('[executor]\nkind = "processes"\nworkers = 1\n')  # the re-run reads this
    resumed = _extract(ws)
    assert resumed["executor"] == "processes" and len(resumed["chunks_per_s_by_node"]) == 1
    assert 0 < resumed["chunks"] < len(corpus[1]["done"])
    assert _facts(ws) == corpus[1]
    assert _extract(ws)["chunks"] == 0  # all stored: nothing pending


def test_campaign_on_ray_stores_what_local_stores(cluster, tmp_path, ray_env, monkeypatch):
    """A campaign spec's `executor: {kind: ray}`: the RLM sessions' extract_triples calls go to the cluster's
    actors in 2-chunk batches; the facts, with their campaign and node tags, are the local executor's."""
    from tests.support.campaign_corpus import offline_campaign, stored_facts

    cluster = _started(cluster)
    offline_campaign(tmp_path / "local")
    sizes, store = [], executors.PreparedStage.run_prepared

    async def run_prepared(self, chunks, records, **tags):
        sizes.append((len(chunks), records.get("node", "")))
        return await store(self, chunks, records, **tags)

    monkeypatch.setattr(executors.PreparedStage, "run_prepared", run_prepared)
    summary = offline_campaign(tmp_path / "ray", {"kind": "ray", "ray_address": cluster.address, "batch_chunks": 2})
    assert summary.errors == [] and summary.nodes_expanded == 3
    assert max(n for n, _ in sizes) == 2 and all(node and not node.startswith("pid") for _, node in sizes)
    assert stored_facts(tmp_path / "ray") == stored_facts(tmp_path / "local")


def test_ray_without_an_address_starts_its_own_instance(tmp_path, ray_env):
    """`--executor ray` with no address runs on a Ray instance of its own, even where an earlier `ray start`
    left its (now stopped) cluster's address in Ray's temp dir: Ray alone would wait for that cluster."""
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'sro[ray]')")
    import tempfile

    temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths live under it
    (Path(temp) / "ray").mkdir()
    (Path(temp) / "ray" / "ray_current_cluster").write_text(f"127.0.0.1:{ray_cluster.free_port()}")  # nobody there
    code = "from sro.triples.ray_pool import RayExecutor\ne = RayExecutor(None, workers=1)\nprint('workers', " \
           "e.workers)\ne.close()"
    try:
        out = subprocess.run([sys.executable, "-c", code], env={**ray_cluster.cluster_env(), "RAY_TMPDIR": temp},
                             capture_output=True, text=True, timeout=120)
    finally:  # the instance stops with its driver (RayExecutor.close shuts it down)
        shutil.rmtree(temp, ignore_errors=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "workers 1" in out.stdout


@needs_cuad
def test_processes_progress_off_a_terminal_names_the_workers(corpus, monkeypatch):
    """Without --json and off a terminal (a log, a pipe) the progress lines name each worker's rate."""
    monkeypatch.setenv("SRO_PROGRESS_SECONDS", "0")
    ws = _fresh(corpus, "plain")
    out = runner.invoke(app, ["-w", str(ws), "extract", "-d", "contracts", "-p", "legal_contracts",
                              "--batch-chunks", BATCH, "--executor", "processes"])
    assert out.exit_code == 0, out.output
    assert re.search(r"extract contracts \(processes: pid\d+ [\d.]+/s", out.output)
    assert _facts(ws) == corpus[1]
