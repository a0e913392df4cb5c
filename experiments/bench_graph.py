"""Graph store benchmark: load speed vs raw pyoxigraph, disk use, and query p50 vs rdflib.

    python experiments/bench_graph.py [--n 1000000] [--rdflib-n 20000] [--runs 15] [--interleaved]

Load: N accepted facts with full provenance (source document, chunk, quote, span, extractor, model, score,
3 axiom scores, verdict, campaign, node, time: 22 quads per fact) go through `store.add_facts` in batches; the
same quads, serialised to N-Quads outside the timer, go through pyoxigraph's own `Store.bulk_load` into a fresh
store in the same run. load_ratio = our rate / raw rate (1.0 = as fast as raw pyoxigraph).

Our whole load runs first; our store is then optimized, queried and closed (untimed), and only then does the
whole raw load run (so it never competes with our store's background compactions). The load average is
sampled after every batch and reported (load_average), together with the ratio per tenth of the batches
(load_ratio_by_tenth: raw time / our time for the same batches), which shows how each side scales as its store
grows. `--interleaved` alternates the two batch by batch instead (ours then raw for even batches, raw then ours
for odd ones) so both see the same machine load; it is not the default because in a 300k run it slowed the raw
bulk loads ~2x (266 s vs 136 s run after ours) while ours stayed at 251-253 s, i.e. the raw side pays for the
background compactions of both stores and the ratio comes out flattering to us.

After loading, `store.optimize()` compacts the files the bulk loader left (timed and reported separately as
optimize_seconds, not part of load_ratio; disk_mb is measured after it).

The rdflib comparison (rdflib in a child process of its own) runs first, on a still quiet disk: right after the
big loads (~14 GB written) the kernel's writeback made our cold reads of the 10k store ~2x slower (p50 1.24 vs
0.55 ms for the document query), which measures the disk's backlog, not the engines.

Queries: p50 over at least --runs (ours) / --rdflib-runs runs with different bound subjects/documents, after an
untimed 3 s warm-up on other bindings, in 5 rounds that alternate the two engines (see `compare`). A query may
have several phrasings with the same answers; each engine's best counts. rdflib's in-memory Dataset cannot hold
tens of millions of quads in reasonable time/RAM, so the rdflib comparison is made on the first --rdflib-n
facts, with our embedded store loaded with exactly the same facts; our p50 at full N is reported as well.
Writes experiments/results/bench_graph.json and prints one summary line.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from common import write_result  # noqa: E402

from pyoxigraph import NamedNode, RdfFormat, Store  # noqa: E402

from graph_store import Fact, Lit, Provenance, open_store  # noqa: E402
from graph_store.base import BATCH  # noqa: E402
from graph_store.provenance import fact_quads, nquads  # noqa: E402

EX = "https://bench.example/"
PFX = "PREFIX sro: <https://sro.dev/ns#>\nPREFIX prov: <http://www.w3.org/ns/prov#>\n"
DOC_QUERY = "?e prov:wasDerivedFrom ?doc ; sro:quote ?quote . ?a sro:evidence ?e ."
# Each query in one or more phrasings (same answers); each engine is timed on every phrasing and compared with its
# best. The document query's plain form is the README's (union default graph); naming the provenance graph lets
# Oxigraph use its graph-first indexes instead of checking the default graph too (~10% faster for us), while
# rdflib is ~10% slower on it.
QUERIES = {
    "by_score_for_subject": {"plain": PFX + "SELECT ?p ?o ?score WHERE { GRAPH ?a { ?s ?p ?o } ?a sro:score ?score "
                                            "FILTER(?score >= 0.5) } ORDER BY DESC(?score)"},
    "facts_of_document_with_quotes": {
        "plain": PFX + f"SELECT ?s ?p ?o ?quote WHERE {{ {DOC_QUERY} GRAPH ?a {{ ?s ?p ?o }} }}",
        "provenance_graph_named": PFX + "SELECT ?s ?p ?o ?quote WHERE { GRAPH <https://sro.dev/graph/provenance> "
                                        f"{{ {DOC_QUERY} }} GRAPH ?a {{ ?s ?p ?o }} }}"},
    "count_per_predicate": {"plain": PFX + "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s ?p ?o } "
                                           "?a a sro:Assertion } GROUP BY ?p ORDER BY DESC(?n)"},
}
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def n_subjects(n: int) -> int:
    return max(10, n // 10)


def n_docs(n: int) -> int:
    return max(10, n // 20)


def facts(n: int, seed: int = 7) -> Iterator[Fact]:
    """Deterministic synthetic facts: ~10 facts per subject, ~20 per document, 30 predicates, mixed objects."""
    rng = random.Random(seed)
    ns, nd = n_subjects(n), n_docs(n)
    for i in range(n):
        s, doc, pred = rng.randrange(ns), rng.randrange(nd), rng.randrange(30)
        if i % 3 == 0:
            obj = EX + f"e/{rng.randrange(ns)}"
        elif i % 3 == 1:
            obj = Lit(value=f"{rng.randrange(100000) / 100}", datatype="decimal")
        else:
            obj = Lit(value=f"value {i}")
        score = round(0.3 + 0.7 * rng.random(), 3)
        start = rng.randrange(5000)
        quote = f"entity {s} has property {pred} in passage {i}"
        yield Fact(subject=EX + f"e/{s}", predicate=EX + f"p/{pred}", object=obj,
                   qualifiers={"unit": "kW"} if pred == 0 else {},
                   provenance=Provenance(
                       source=EX + f"doc/{doc}", chunk=f"doc{doc}#{start // 1000}", quote=quote,
                       char_start=start, char_end=start + len(quote), extractor="pattern:bench",
                       model="offline", score=score, axiom_scores={"grounded": score, "typed": 1.0, "specific": 0.8},
                       verdict="accepted", campaign=f"c{i % 3}", node=f"n{i % 50}", generated_at=T0))


def batches(n: int, size: int = BATCH) -> Iterator[list[Fact]]:
    batch: list[Fact] = []
    for f in facts(n):
        batch.append(f)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_ours(path: str, n: int) -> tuple[object, float, int]:
    store = open_store(path)
    elapsed = 0.0
    for batch in batches(n):  # building Fact objects is the caller's cost: outside the timer
        t = time.perf_counter()
        store.add_facts(batch)
        elapsed += time.perf_counter() - t
    t = time.perf_counter()
    store.flush()
    elapsed += time.perf_counter() - t
    return store, elapsed, len(store)


def raw_text(batch: list[Fact]) -> str:
    return nquads([q for f in batch for fq in [fact_quads(f)] for q in fq.assertion_quads + fq.evidence_quads])


def load_pair(ours_path: str, raw_path: str, n: int, after_ours: Callable, interleaved: bool = False) -> dict:
    """Our `add_facts` and pyoxigraph's `bulk_load` of the very same quads (serialised to N-Quads outside the
    timer) into two fresh stores: our whole load first, then `after_ours(store)` (optimize, queries, close: as
    in earlier runs, the raw load starts only after our store is closed), then the whole raw load; or
    (`interleaved`) batch by batch, alternating which goes first, with `after_ours` at the end."""
    store = open_store(ours_path)
    raw = Store(raw_path) if interleaved else None
    took: dict[str, list[float]] = {"ours": [], "raw": []}
    load: list[float] = []

    def timed(side: str, step, *args) -> None:
        t = time.perf_counter()
        step(*args)
        took[side].append(time.perf_counter() - t)
        load.append(os.getloadavg()[0])

    if not interleaved:
        for batch in batches(n):
            timed("ours", store.add_facts, batch)
        timed("ours", store.flush)
        quads = len(store)
        after_ours(store)
        raw = Store(raw_path)
        for batch in batches(n):
            timed("raw", raw.bulk_load, raw_text(batch), RdfFormat.N_QUADS)
        timed("raw", raw.flush)
        per_batch = list(zip(took["ours"][:-1], took["raw"][:-1]))  # without the final flushes
    else:
        for i, batch in enumerate(batches(n)):
            text = raw_text(batch)
            steps = [("ours", store.add_facts, batch), ("raw", raw.bulk_load, text, RdfFormat.N_QUADS)]
            for side, step, *args in (steps if i % 2 == 0 else steps[::-1]):
                timed(side, step, *args)
        del steps
        per_batch = list(zip(took["ours"], took["raw"]))  # before the final flushes, which count in the totals
        timed("ours", store.flush)
        timed("raw", raw.flush)
        quads = len(store)
        after_ours(store)
    del raw  # RocksDB closes when the last reference goes
    tenth = -(-len(per_batch) // 10)  # batches per tenth, rounded up
    by_tenth = [round(sum(r for _, r in part) / sum(o for o, _ in part), 3)
                for part in (per_batch[k:k + tenth] for k in range(0, len(per_batch), tenth))]
    return {"ours_s": sum(took["ours"]), "raw_s": sum(took["raw"]), "quads": quads,
            "by_tenth": by_tenth, "load": {"mean": round(statistics.mean(load), 2), "min": round(min(load), 2),
                                           "max": round(max(load), 2), "cores": os.cpu_count()}}


def dir_mb(path: str) -> float:
    return round(sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6, 1)


def bindings_for(name: str, n: int, rng: random.Random) -> dict:
    if name == "by_score_for_subject":
        return {"s": NamedNode(EX + f"e/{rng.randrange(n_subjects(n))}")}
    if name == "facts_of_document_with_quotes":
        return {"doc": NamedNode(EX + f"doc/{rng.randrange(n_docs(n))}")}
    return {}


WARMUP_S, WARMUP_RUNS = 3.0, 2000
TIMED_S, TIMED_MAX_RUNS, ROUNDS = 1.0, 300, 5


def warm_up(name: str, n: int, run_one) -> None:
    """Untimed runs on bindings the timed runs do not use (seed 2): WARMUP_S seconds, at most WARMUP_RUNS, at
    least one. A store that was just built answers its first queries up to ~2x slower while RocksDB's block cache
    fills from the page cache (a 100-run warm-up left the first p50 of a process at 0.63-1.19 ms for the
    document query, later ones at 0.56-0.60 ms); rdflib, all in memory, hardly changes."""
    rng, start, done = random.Random(2), time.perf_counter(), 0
    while done < 1 or (done < WARMUP_RUNS and time.perf_counter() - start < WARMUP_S):
        run_one(bindings_for(name, n, rng))
        done += 1


def timed_block(name: str, n: int, rng: random.Random, min_runs: int, seconds: float, run_one) -> list[float]:
    """At least `min_runs` timed runs, more while they fit in `seconds` (at most TIMED_MAX_RUNS)."""
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_runs or (len(times) < TIMED_MAX_RUNS and time.perf_counter() - start < seconds):
        b = bindings_for(name, n, rng)
        t = time.perf_counter()
        run_one(b)
        times.append(time.perf_counter() - t)
    return times


def p50_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 3)


def p50_alone(store, n: int, runs: int) -> dict[str, float]:
    """Our p50 per query (best phrasing) on the full store, where rdflib cannot follow."""
    out = {}
    for name, phrasings in QUERIES.items():
        best = []
        for q in phrasings.values():
            run_one = lambda b, q=q: store.query(q, b)  # noqa: E731
            warm_up(name, n, run_one)
            best.append(p50_ms(timed_block(name, n, random.Random(1), runs, TIMED_S, run_one)))
        out[name] = min(best)
    return out


def rdflib_side(conn, nq_path: str, n: int) -> None:
    """rdflib's half of `compare`, in a process of its own: it loads the N-Quads, reports the load time, then runs
    ("warm", name, query) and ("block", name, query, min_runs, seconds) requests until it receives None. Its own
    process, because in one process each engine slows the other: ours took ~10% longer (0.59 -> 0.66 ms, document
    query) once rdflib's 3M Python objects shared the heap."""
    import rdflib

    t = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    ds.parse(nq_path, format="nquads")
    conn.send(time.perf_counter() - t)
    rngs: dict[str, random.Random] = {}
    while (msg := conn.recv()) is not None:
        op, name, q, *rest = msg

        def run_one(b: dict, q: str = q) -> None:
            list(ds.query(q, initBindings={k: rdflib.URIRef(v.value) for k, v in b.items()}))

        if op == "warm":
            warm_up(name, n, run_one)
            conn.send(None)
        else:
            conn.send(timed_block(name, n, rngs.setdefault(q, random.Random(1)), *rest, run_one))


class RdflibProcess:
    """The rdflib side, driven over a pipe; every call blocks until the child has answered (one engine at a time)."""

    def __init__(self, store, n: int, workdir: str):
        import multiprocessing

        self.nq = f"{workdir}/subset.nq"
        store.export("nquads", self.nq)
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no copy of our heap or store
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=rdflib_side, args=(child, self.nq, n), daemon=True)
        self.proc.start()
        self.load_s = self.conn.recv()

    def warm(self, name: str, q: str) -> None:
        self.conn.send(("warm", name, q))
        self.conn.recv()

    def block(self, name: str, q: str, min_runs: int, seconds: float) -> list[float]:
        self.conn.send(("block", name, q, min_runs, seconds))
        return self.conn.recv()

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join()
        os.unlink(self.nq)


def compare(store, rdf: RdflibProcess, n: int, runs: int, rdflib_runs: int) -> dict[str, dict]:
    """Both engines on the same facts, query by query and phrasing by phrasing: each warms up (WARMUP_S), then
    ROUNDS rounds alternate an ours block and an rdflib block (each at least runs/ROUNDS runs, more while they fit
    in TIMED_S/ROUNDS), with bindings drawn alike (seed 1). Alternating blocks spreads the machine's slow and fast
    phases (2 shared cores) over both engines, and inside a block each runs back to back, as a loop of queries
    would. p50 over all timed runs; the speed-up compares each engine's best phrasing."""
    out: dict[str, dict] = {}
    for name, phrasings in QUERIES.items():
        per: dict[str, dict] = {}
        for label, q in phrasings.items():
            run_ours = lambda b, q=q: store.query(q, b)  # noqa: E731
            warm_up(name, n, run_ours)
            rdf.warm(name, q)
            times: dict[str, list[float]] = {"ours": [], "rdflib": []}
            rng = random.Random(1)
            for _ in range(ROUNDS):
                times["ours"] += timed_block(name, n, rng, -(-runs // ROUNDS), TIMED_S / ROUNDS, run_ours)
                times["rdflib"] += rdf.block(name, q, -(-rdflib_runs // ROUNDS), TIMED_S / ROUNDS)
            per[label] = {f"{side}_p50_ms": p50_ms(t) for side, t in times.items()} | {
                f"{side}_runs": len(t) for side, t in times.items()}
        ours, theirs = (min(p[f"{side}_p50_ms"] for p in per.values()) for side in ("ours", "rdflib"))
        out[name] = {"ours_p50_ms": ours, "rdflib_p50_ms": theirs, "speedup": round(theirs / max(ours, 1e-6), 1)}
        if len(per) > 1:
            out[name]["phrasings"] = per
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rdflib-n", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--rdflib-runs", type=int, default=5)
    ap.add_argument("--interleaved", action="store_true",
                    help="alternate our load and the raw load batch by batch (see the module docstring)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench_graph_")
    try:
        sub_n = min(args.n, args.rdflib_n)
        sub_store, _, sub_quads = load_ours(f"{work}/subset", sub_n)
        sub_store.optimize()
        rdf = RdflibProcess(sub_store, sub_n, work)
        rdf_load_s = rdf.load_s
        comparison = compare(sub_store, rdf, sub_n, args.runs, args.rdflib_runs)
        rdf.close()
        sub_store.close()
        ours: dict = {}

        def after_ours(store) -> None:  # untimed
            ours["disk_before"] = dir_mb(f"{work}/ours")
            t = time.perf_counter()
            store.optimize()  # reported separately; raw pyoxigraph is not compacted either
            ours["optimize_s"] = time.perf_counter() - t
            ours["disk"] = dir_mb(f"{work}/ours")
            ours["p50"] = p50_alone(store, args.n, args.runs)
            store.close()

        loaded = load_pair(f"{work}/ours", f"{work}/raw", args.n, after_ours, interleaved=args.interleaved)
        ours_s, raw_s, quads = loaded["ours_s"], loaded["raw_s"], loaded["quads"]
        disk_before, optimize_s, disk, full_p50 = ours["disk_before"], ours["optimize_s"], ours["disk"], ours["p50"]
        raw_disk = dir_mb(f"{work}/raw")
        shutil.rmtree(f"{work}/raw", ignore_errors=True)

    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "n_triples": args.n,
        "quads": quads,
        "quads_per_fact": round(quads / args.n, 1),
        "load_seconds": round(ours_s, 2),
        "load_triples_per_s": round(args.n / ours_s),
        "load_quads_per_s": round(quads / ours_s),
        "raw_oxigraph_load_triples_per_s": round(args.n / raw_s),
        "raw_oxigraph": {"method": "Store.bulk_load of the same quads as N-Quads text built outside the timer, "
                                   + ("interleaved batch by batch with our load" if args.interleaved
                                      else "after our whole load"),
                         "seconds": round(raw_s, 2), "disk_mb": raw_disk},
        "load_ratio": round(raw_s / ours_s, 3),
        "load_ratio_by_tenth": loaded["by_tenth"],
        "load_average": loaded["load"],
        "disk_mb": disk,
        "disk_mb_before_optimize": disk_before,
        "optimize_seconds": round(optimize_s, 2),
        "queries_full_n_p50_ms": full_p50,
        "rdflib_comparison": {
            "n_triples": sub_n, "quads": sub_quads, "rdflib_load_seconds": round(rdf_load_s, 1),
            "note": "rdflib in-memory Dataset(default_union=True), in a process of its own, and our embedded store "
                    f"hold the same first {sub_n} facts; rdflib is not run at full N (tens of millions of quads in "
                    "Python objects)",
            "queries": comparison,
        },
        "min_query_speedup_vs_rdflib": min(c["speedup"] for c in comparison.values()),
        "targets": {"load_ratio": 0.5, "min_query_speedup_vs_rdflib": 10},
        "runs": {"ours": args.runs, "rdflib": args.rdflib_runs,
                 "warmup": f"other bindings, {WARMUP_S:g} s (at most {WARMUP_RUNS} runs, at least 1), both engines",
                 "timed": f"{ROUNDS} rounds alternating an ours block and an rdflib block; in all at least the runs "
                          f"above, more while they fit in {TIMED_S:g} s per engine (at most {TIMED_MAX_RUNS} per "
                          "block)",
                 "phrasings": "each engine's best phrasing of a query counts (see rdflib_comparison.queries)"},
    }
    out = write_result("bench_graph", result)
    print(f"bench_graph: n={args.n} load {result['load_triples_per_s']}/s (raw {result['raw_oxigraph_load_triples_per_s']}/s,"
          f" ratio {result['load_ratio']}), disk {disk} MB, min speedup vs rdflib {result['min_query_speedup_vs_rdflib']}x"
          f" (rdflib at n={sub_n}) -> {out}")


if __name__ == "__main__":
    main()
