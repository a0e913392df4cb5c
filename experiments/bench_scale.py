"""Scale-out benchmark: offline extraction of the same CUAD contracts with each executor, in one run.

    python experiments/bench_scale.py [--contracts N] [--batch-chunks N]

Writes experiments/results/bench_scale.json:
- chunks/s for `local` (TripleStage in this process, with its parse-worker helper), `processes` (a pool of
  one worker per core) and `ray` on a cluster started here with `ray start` (one node, then two nodes; one CPU
  each), every mode on a fresh copy of the same ingested workspace, start-up (pool / `ray.init`, loading the
  model in every worker) excluded and reported separately; the facts each mode stored, which must be the
  local executor's;
- Ray's overhead per batch: the round trip of an actor call that receives a batch (the pipeline by reference,
  the chunks and documents) and returns at once, mean of 20;
- the driver's write rate: chunks per second of the driver's own work (resolve, the batch and graph axioms,
  store; the workers score the per-candidate axioms) in the Ray runs (`driver_chunks_per_s`, `..._per_cpu_s`),
  and alone (`driver_alone_by_batch_chunks`: all the CUAD contracts, `driver_corpus`, at 64, 256 and
  1024-chunk batches prepared beforehand by a pool of one worker process per core, then stored as from
  workers, the first batch untimed); with each batch size, `workers_on_the_same_batches`: one worker's chunks
  per second and per CPU-second preparing those same batches (from their records; each worker's first batch,
  which loads the model, left out);
- a projection (`projection`): nodes the driver can feed = the driver's rate / one node's, each pair measured
  on one corpus and batch size (`corpus_of_rates` names it): in the Ray runs (`corpus`) the driver's rate
  there / a Ray node's, and alone (`driver_corpus`) the driver / a worker on the same prepared batches; from
  wall-clock rates and from CPU-second rates (the ratio on machines that are not shared; wall-clock rates here
  move with the other jobs' load, recorded with every measurement). Assumptions: nodes like this machine's
  cores, one worker each; the driver on a core of its own; DuckDB on a local disk; the corpus' chunk mix (CUAD
  contracts) is representative.
Skips (exit 0, no JSON) when the CUAD contracts are not on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import write_result

from tests.support import ray_cluster

PIPELINE, DATASET = "legal_contracts", "contracts"


def stored(ws_path: Path) -> tuple[int, int, int]:
    """(judged candidates, accepted, finished chunks) in a workspace."""
    from sro.workspace import Workspace

    ws = Workspace.open(ws_path)
    try:
        judged, accepted = ws.db.execute("SELECT count(*), count(*) FILTER (WHERE verdict = 'accepted') "
                                         "FROM judgments").fetchone()
        return judged, accepted, ws.db.execute("SELECT count(*) FROM candidates_done").fetchone()[0]
    finally:
        ws.close()


def run_mode(template: Path, tmp: Path, name: str, make, batch: int) -> dict:
    """Extract everything with the executor `make()` builds (None: local) on a fresh copy of the workspace."""
    from sro.commands.extract import _pending
    from sro.triples.executors import PreparedStage, run_distributed
    from sro.triples.stage import TripleStage
    from sro.workspace import Workspace

    ws_path = tmp / name
    shutil.copytree(template, ws_path)
    started = time.perf_counter()
    pool = make()
    startup = time.perf_counter() - started
    ws = Workspace.open(ws_path)
    try:
        stage = (TripleStage if pool is None else PreparedStage).for_workspace(ws, PIPELINE)
        startup += warm_up(ws, stage, pool)
        batches = _pending(ws, DATASET, PIPELINE, None, batch)
        started = time.perf_counter()
        if pool is None:
            chunks, rates = asyncio.run(_local(stage, batches)), None
        else:
            total, rates = asyncio.run(run_distributed(stage, pool, batches))
            chunks = total.chunks
        seconds = time.perf_counter() - started
    finally:
        ws.close()
        if pool is not None:
            pool.close()
    judged, accepted, done = stored(ws_path)
    out = {"chunks": chunks, "seconds": round(seconds, 2), "chunks_per_s": round(chunks / seconds, 1),
           "startup_seconds": round(startup, 2), "judged": judged, "accepted": accepted, "chunks_done": done,
           "load_avg_1m": load()}
    if rates is not None:
        out |= {"chunks_per_s_by_node": rates.per_node(), "chunks_per_cpu_s_by_node": rates.per_node(cpu=True),
                "driver_chunks_per_s": rates.driver_rate(), "driver_chunks_per_cpu_s": rates.driver_rate(cpu=True)}
    print(f"bench_scale: {name}: {out['chunks_per_s']} chunks/s ({chunks} chunks, {seconds:.1f} s)", flush=True)
    return out


def load() -> float:
    """The 1-minute load average (the machine is shared: every measurement carries it)."""
    return round(os.getloadavg()[0], 2)


def warm_up(ws, stage, pool) -> float:
    """Seconds to load the model in every worker (and here), so that the timed run is steady state."""
    from sro.nlp.nlp import load_nlp, shared_cache

    started = time.perf_counter()
    load_nlp()
    shared_cache().parse_many(["The parties agree to the terms of this warm-up sentence."])
    if pool is not None:
        chunk = next(ws.datasets.iter_chunks(DATASET, batch=1))
        docs = stage.documents(chunk)
        for handle in [pool.submit(stage.pipeline, chunk, docs) for _ in range(pool.workers)]:
            pool.result(handle)
    return time.perf_counter() - started


async def _local(stage, batches) -> int:
    n = 0
    for chunks in batches:
        n += (await stage.run(chunks)).chunks
    return n


def driver_only(template: Path, tmp: Path, batch: int) -> dict:
    """The driver's write rate alone: batches prepared beforehand (by a pool of worker processes), then stored
    one by one as from workers (parses adopted from the records, resolve, judge, store) in one event loop,
    nothing else running. The first batch is stored untimed: it pays one-time costs (imports of the SHACL
    validator, opening the graph store) that a long run does not see per batch. The workers' rates come from
    the records of the same batches (`worker_rates`), so both sides are measured on the same chunks."""
    from sro.commands.extract import _pending
    from sro.triples.executors import PreparedStage, ProcessExecutor
    from sro.nlp.nlp import shared_cache
    from sro.workspace import Workspace

    ws_path = tmp / f"driver_{batch}"
    shutil.copytree(template, ws_path)
    ws = Workspace.open(ws_path)
    try:
        stage = PreparedStage.for_workspace(ws, PIPELINE)
        batches = list(_pending(ws, DATASET, PIPELINE, None, batch))
        pool = ProcessExecutor()
        try:
            records = [pool.result(h) for h in [pool.submit(stage.pipeline, b, stage.documents(b)) for b in batches]]
        finally:
            pool.close()
        workers = worker_rates(records) | {"load_avg_1m": load()}
        shared_cache()._docs.clear()  # the driver has only what the records bring
        wall, cpu = asyncio.run(_store_all(stage, batches, records))
    finally:
        ws.close()
    chunks = sum(len(b) for b in batches[1:])
    print(f"bench_scale: driver alone, {batch}-chunk batches: {chunks / cpu:.0f} chunks per CPU-s; a worker on the "
          f"same batches: {workers['chunks_per_cpu_s']}", flush=True)
    return {"corpus": "driver_corpus", "chunks": chunks, "chunks_per_s": round(chunks / wall, 1),
            "chunks_per_cpu_s": round(chunks / cpu, 1), "ms_per_batch": round(1000 * wall / max(1, len(batches) - 1), 1),
            "load_avg_1m": load(), "workers_on_the_same_batches": workers}


def worker_rates(records: list[dict]) -> dict:
    """One worker's chunks per second and per CPU-second over the prepared batches, each worker's first batch
    left out (it loads the model): the pool's processes ran one per core, as one-CPU nodes would."""
    seen: set[str] = set()
    chunks = seconds = cpu = 0.0
    for r in records:
        if r.get("node") not in seen:
            seen.add(r.get("node"))
            continue
        chunks, seconds, cpu = chunks + r["chunks"], seconds + r["seconds"], cpu + r.get("cpu_seconds", 0.0)
    return {"chunks": int(chunks), "chunks_per_s": round(chunks / seconds, 1) if seconds else 0.0,
            "chunks_per_cpu_s": round(chunks / cpu, 1) if cpu else 0.0, "workers": len(seen)}


async def _store_all(stage, batches, records) -> tuple[float, float]:
    """(wall, CPU) seconds storing all batches but the first, each as run_distributed stores it (`store_batch`,
    DuckDB on one thread); each batch's records are let go once stored, as there (the driver's heap holds a few
    batches, not the corpus)."""
    from sro.triples.executors import driver_threads, store_batch
    from sro.triples.result import StageResult

    pending, total = list(zip(batches, records))[::-1], StageResult()
    records.clear()
    with driver_threads(stage.store.con):  # as run_distributed
        await store_batch(stage, *pending.pop(), total)
        wall, cpu = time.perf_counter(), time.process_time()
        while pending:
            await store_batch(stage, *pending.pop(), total)
        return time.perf_counter() - wall, time.process_time() - cpu


def ray_overhead(template: Path, batch: int, rounds: int = 20) -> float:
    """Mean seconds of a Ray round trip carrying one batch to an actor whose method returns at once."""
    import ray

    from sro.workspace import Workspace

    ws = Workspace.open(template)
    try:
        chunks = next(ws.datasets.iter_chunks(DATASET, batch=batch))
        docs = {c.doc_id: ws.datasets.document(c.doc_id) for c in chunks}
        pipeline = ws.pipeline(PIPELINE)
    finally:
        ws.close()
    echo = ray.remote(num_cpus=0)(Echo).remote()  # the pool's actors hold every CPU
    ref = ray.put(pipeline)
    ray.get(echo.prepare.remote(ref, chunks, docs))  # the actor started
    started = time.perf_counter()
    for _ in range(rounds):
        ray.get(echo.prepare.remote(ref, chunks, docs))
    return (time.perf_counter() - started) / rounds


class Echo:
    """An actor with the workers' call signature that does no work."""

    def prepare(self, pipeline, chunks, docs) -> int:
        return len(chunks)


def projection(runs: dict, driver: dict, batch: int) -> dict:
    """Nodes the driver can feed: its write rate / one node's rate, each pair measured on one corpus and batch
    size. In the Ray runs (`corpus`, `batch` chunks; the driver sharing the two cores with the workers):
    the driver's rate there / a Ray node's. Alone (`driver_corpus`, each batch size): the driver storing the
    prepared batches / a worker preparing those same batches. Wall-clock rates move with the machine's load;
    CPU-second rates give the ratio on machines that are not shared."""
    two = runs["ray_2_nodes"]
    node_rate = sum(two["chunks_per_s_by_node"].values()) / len(two["chunks_per_s_by_node"])
    node_cpu = sum(two["chunks_per_cpu_s_by_node"].values()) / len(two["chunks_per_cpu_s_by_node"])
    in_run = min(runs["ray_1_node"]["driver_chunks_per_s"], two["driver_chunks_per_s"])
    in_run_cpu = min(runs["ray_1_node"]["driver_chunks_per_cpu_s"], two["driver_chunks_per_cpu_s"])
    alone = {b: round(d["chunks_per_s"] / d["workers_on_the_same_batches"]["chunks_per_s"], 1)
             for b, d in driver.items()}
    alone_cpu = {b: round(d["chunks_per_cpu_s"] / d["workers_on_the_same_batches"]["chunks_per_cpu_s"], 1)
                 for b, d in driver.items()}
    biggest = max(driver, key=int)
    return {"chunks_per_s_per_node": round(node_rate, 1), "chunks_per_cpu_s_per_node": round(node_cpu, 1),
            "driver_chunks_per_s_in_ray_runs": in_run, "driver_chunks_per_cpu_s_in_ray_runs": in_run_cpu,
            "nodes_before_driver_bound_in_ray_runs": round(in_run / node_rate, 1),
            "nodes_before_driver_bound_in_ray_runs_cpu": round(in_run_cpu / node_cpu, 1),
            "nodes_before_driver_bound_alone_by_batch_chunks": alone,
            "nodes_before_driver_bound_alone_by_batch_chunks_cpu": alone_cpu,
            "hours_for_10M_chunks_at_the_driver_ceiling": round(10_000_000 / driver[biggest]["chunks_per_s"] / 3600, 2),
            "batch_chunks_of_the_runs": batch,
            "corpus_of_rates": {"chunks_per_s_per_node": "corpus", "chunks_per_cpu_s_per_node": "corpus",
                                "driver_chunks_per_s_in_ray_runs": "corpus",
                                "driver_chunks_per_cpu_s_in_ray_runs": "corpus",
                                "nodes_before_driver_bound_alone_by_batch_chunks": "driver_corpus (driver and "
                                "workers on the same prepared batches)",
                                "nodes_before_driver_bound_alone_by_batch_chunks_cpu": "driver_corpus (driver and "
                                "workers on the same prepared batches)"},
            "assumptions": "nodes like this machine's cores, one worker (one CPU) each; the driver on a core of "
                           "its own at its measured write rate (resolve, judge, store per chunk; DuckDB on a local "
                           "disk), steady state (the driver's first batch and each worker's first batch "
                           "excluded); the chunk mix of the corpus each pair was measured on (CUAD contracts); "
                           "per-batch Ray overhead as measured (it overlaps with work while batches are queued)"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=40)
    parser.add_argument("--batch-chunks", type=int, default=64)
    args = parser.parse_args(argv)
    files = ray_cluster.cuad_files(args.contracts, min_bytes=20_000, max_bytes=60_000)
    if not files:
        print(f"bench_scale: skipped: no CUAD contracts under {ray_cluster.CUAD}")
        return 0
    os.environ.update({k: v for k, v in ray_cluster.cluster_env().items() if k.startswith("RAY_")})
    started_load = load()
    from sro.triples.executors import ProcessExecutor
    from sro.triples.ray_pool import RayExecutor

    with tempfile.TemporaryDirectory(prefix="sro-bench-scale-") as tmp:
        tmp = Path(tmp)
        ray_cluster.ingest_cli(tmp / "template", files)
        runs = {"local": run_mode(tmp / "template", tmp, "local", lambda: None, args.batch_chunks),
                "processes": run_mode(tmp / "template", tmp, "processes", ProcessExecutor, args.batch_chunks)}
        cluster = None
        try:
            cluster = ray_cluster.start_cluster(nodes=1)
            runs["ray_1_node"] = run_mode(tmp / "template", tmp, "ray_1_node",
                                          lambda: RayExecutor(cluster.address), args.batch_chunks)
            cluster.add_node()
            runs["ray_2_nodes"] = run_mode(tmp / "template", tmp, "ray_2_nodes",
                                           lambda: RayExecutor(cluster.address), args.batch_chunks)
            pool = RayExecutor(cluster.address)
            try:
                overhead = ray_overhead(tmp / "template", args.batch_chunks)
            finally:
                pool.close()
        finally:
            if cluster is not None:  # this cluster only (a failed start stops what it started)
                ray_cluster.stop_cluster(cluster)
        ray_cluster.ingest_cli(tmp / "all", ray_cluster.cuad_files(10_000, 0, 10**9))
        driver = {str(b): driver_only(tmp / "all", tmp, b) for b in (args.batch_chunks, 256, 1024)}
    same = {k: (r["judged"], r["accepted"], r["chunks_done"]) for k, r in runs.items()}
    result = {"corpus": {"contracts": len(files), "chunks": runs["local"]["chunks"],
                         "source": str(ray_cluster.CUAD)},
              "driver_corpus": {"contracts": len(ray_cluster.cuad_files(10_000, 0, 10**9)),
                                "chunks": driver[str(args.batch_chunks)]["chunks"] + args.batch_chunks,
                                "source": str(ray_cluster.CUAD)},
              "batch_chunks": args.batch_chunks, "cpus": len(os.sched_getaffinity(0)),
              "load_avg_1m_start_end": [started_load, load()], "runs": runs,
              "same_counts_as_local": all(v == same["local"] for v in same.values()),
              "ray_2_nodes_vs_processes": round(runs["ray_2_nodes"]["chunks_per_s"]
                                                / runs["processes"]["chunks_per_s"], 2),
              "ray_overhead_seconds_per_batch": round(overhead, 4), "driver_alone_by_batch_chunks": driver,
              "projection": projection(runs, driver, args.batch_chunks)}
    path = write_result("bench_scale", result)
    print(f"bench_scale: ray 2 nodes / processes = {result['ray_2_nodes_vs_processes']}; the driver alone feeds "
          f"{result['projection']['nodes_before_driver_bound_alone_by_batch_chunks']} nodes by batch size "
          f"(CPU-second rates, driver and workers on the same batches: "
          f"{result['projection']['nodes_before_driver_bound_alone_by_batch_chunks_cpu']}); "
          f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
