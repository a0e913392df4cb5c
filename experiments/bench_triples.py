"""Speed of the triple stage's offline parts: extraction, judging, entity resolution.

    nice -n 10 .venv/bin/python experiments/bench_triples.py [--chunks N] [--mentions N] [--repeats R]

Corpus: posts from /work/shared/data/reddit/teslasolar_posts_2025.csv (else CUAD contracts), chunked like
the data layer (1200 chars, 150 overlap). Extraction runs the generic pipeline (spaCy SVO + literals)
and, for contracts, legal_contracts' patterns-only mode when that pipeline exists. Judging runs every
offline axiom over the extracted candidates (parses cached, as in TripleStage), and again with an empty parse
cache (`judge_unparsed`: the LLM path, whose quotes nobody has parsed yet). Resolution resolves N
synthetic mentions (names with case/plural/determiner variants and typos) and writes the alias table.
The machine is shared: wall-clock rates come with CPU-seconds (this process and the parse worker) and the
load average at the start and end. Extraction and judging run R times (default 3) on fresh parse caches
after one warm-up pass over other chunks (model, lemma and rule caches warm, as in a long-running stage)
and once the parse worker (sro.nlp.parse_worker, the second parsing process; SRO_NLP_PROCESSES=1 turns it
off) is ready; the reported rate is the median run. `extract_chunks_per_s` / `judge_candidates_per_s` are wall-clock
rates; `*_per_cpu_s` are what one core would do with the machine to itself.
Writes experiments/results/bench_triples.json and prints one summary line.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import time
from pathlib import Path

from common import write_result  # noqa: E402

from pipelines import load_pipeline  # noqa: E402
from sro.data.chunking import chunk_spans  # noqa: E402
from sro.data.models import Chunk, Document  # noqa: E402
from sro.nlp import parse_worker  # noqa: E402
from sro.nlp.nlp import ParseCache, load_nlp  # noqa: E402
from sro.extract.offline import OfflineExtractor  # noqa: E402
from sro.triples.resolve import Resolver  # noqa: E402
from sro.nlp.models import Entity  # noqa: E402
from sro.judge.judge import AxiomJudge  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def cpu() -> float:
    """CPU seconds of this process, its finished children and the running parse worker."""
    own = sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                resource.getrusage(resource.RUSAGE_CHILDREN)))
    helper = parse_worker._worker
    if helper is None or helper._proc.poll() is not None:
        return own
    with open(f"/proc/{helper._proc.pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return own + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def wait_for_worker(timeout_s: float = 120.0) -> bool:
    """A long-running stage has its parse worker up; the benchmark waits for it after the warm-up."""
    helper = parse_worker.worker()
    deadline = time.monotonic() + timeout_s
    while helper is not None and not helper.ready() and time.monotonic() < deadline:
        time.sleep(0.05)
    return helper is not None and helper.ready()


def median_run(runs: list[dict], key: str) -> dict:
    ordered = sorted(runs, key=lambda r: r[key])
    best = dict(ordered[len(ordered) // 2])
    best["runs_" + key] = [r[key] for r in runs]
    return best


def reddit_docs(limit: int) -> list[Document]:
    path = DATA / "reddit" / "teslasolar_posts_2025.csv"
    if not path.exists():
        return []
    csv.field_size_limit(10**8)
    docs = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for row in csv.DictReader(fh):
            text = (row.get("title") or "") + "\n\n" + (row.get("text") or "")
            if len(text) > 200:
                docs.append(Document(id=f"r:{row['id']}", dataset="bench", source_uri="x", text=text,
                                     kind="submission", score=int(float(row.get("score") or 0))))
            if len(docs) >= limit:
                break
    return docs


def contract_docs(limit: int) -> list[Document]:
    files = sorted((DATA / "legal" / "cuad" / "contracts").glob("*.txt"))[:limit]
    return [Document(id=f"c:{f.name}", dataset="bench", source_uri="x", text=f.read_text(errors="replace"),
                     title=f.stem[:80]) for f in files]


def chunks_of(docs: list[Document], n: int) -> list[Chunk]:
    out = []
    for doc in docs:
        for i, (s, e) in enumerate(chunk_spans(doc.text)):
            out.append(Chunk(id=f"{doc.id}#{i}", doc_id=doc.id, dataset="bench", ordinal=i, start=s, end=e,
                             text=doc.text[s:e]))
            if len(out) >= n:
                return out
    return out


def bench_extract(pipeline_name: str, chunks: list[Chunk], docs: dict) -> tuple[dict, list]:
    extractor = OfflineExtractor(load_pipeline(pipeline_name), cache=ParseCache())
    t0, c0 = time.perf_counter(), cpu()
    cands = extractor.run_sync(chunks, docs)
    wall, used = time.perf_counter() - t0, cpu() - c0
    return {"pipeline": pipeline_name, "chunks": len(chunks), "candidates": len(cands), "seconds": round(wall, 2),
            "cpu_seconds": round(used, 2), "chunks_per_s": round(len(chunks) / wall, 1),
            "chunks_per_cpu_s": round(len(chunks) / max(used, 1e-9), 1)}, (cands, extractor.cache)


def bench_judge(pipeline_name: str, cands: list, cache: ParseCache, docs: dict) -> dict:
    """Judging with `cache` (the extractor's parses, as in TripleStage's offline path; a fresh ParseCache is the
    LLM path, where no quote has been parsed yet)."""
    pipeline = load_pipeline(pipeline_name)
    resolved = Resolver(pipeline).run(cands)
    judge = AxiomJudge(pipeline)
    ctx = judge.context(docs)
    ctx.cache = cache
    import asyncio

    t0, c0 = time.perf_counter(), cpu()
    judgments = asyncio.run(judge.arun(resolved, ctx=ctx))
    wall, used = time.perf_counter() - t0, cpu() - c0
    return {"candidates": len(judgments), "seconds": round(wall, 2), "cpu_seconds": round(used, 2),
            "candidates_per_s": round(len(judgments) / wall, 1),
            "candidates_per_cpu_s": round(len(judgments) / max(used, 1e-9), 1),
            "accepted": sum(j.verdict == "accepted" for j in judgments)}


def mentions(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    syll = ["sol", "ar", "tes", "la", "pow", "er", "wall", "sun", "run", "en", "phase", "vi", "ta", "mo", "rex"]
    names = [" ".join("".join(rng.choice(syll) for _ in range(rng.randint(2, 3))).title()
                      for _ in range(rng.randint(1, 3))) for _ in range(n // 5)]
    out = []
    for _ in range(n):
        name = rng.choice(names)
        variant = rng.random()
        if variant < 0.2:
            name = "the " + name
        elif variant < 0.35:
            name = name.lower() + "s"
        elif variant < 0.45 and len(name) > 6:
            i = rng.randrange(1, len(name) - 1)
            name = name[:i] + name[i + 1 :]  # a typo
        out.append(name)
    return out


def bench_resolve(n: int) -> dict:
    import duckdb

    names = mentions(n)
    con = duckdb.connect(":memory:")
    resolver = Resolver(load_pipeline("generic"), con=con)
    t0 = time.perf_counter()
    iris = {resolver.resolve_entity(Entity(text=name)).iri for name in names}
    resolved = time.perf_counter() - t0
    written = resolver.flush()
    total = time.perf_counter() - t0
    return {"mentions": n, "entities": len(iris), "aliases_written": written, "resolve_seconds": round(resolved, 2),
            "total_seconds_with_alias_table": round(total, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=400)
    ap.add_argument("--mentions", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    load_avg = os.getloadavg()[0]
    load_nlp()  # model load is not part of the rate
    worker_ready = wait_for_worker()  # before the warm-up, which then warms the worker's caches too
    docs = reddit_docs(2000) or contract_docs(50)
    all_chunks = chunks_of(docs, args.chunks + 100)
    chunks, warm = all_chunks[: args.chunks], all_chunks[args.chunks :]
    by_id = {d.id: d for d in docs}
    bench_extract("generic", warm, by_id)  # warm-up on other chunks
    extracts, judges, colds = [], [], []
    for _ in range(max(1, args.repeats)):
        extract, (cands, cache) = bench_extract("generic", chunks, by_id)
        extracts.append(extract)
        judges.append(bench_judge("generic", cands, cache, by_id))
        colds.append(bench_judge("generic", cands, ParseCache(), by_id))
    extract, judge = median_run(extracts, "chunks_per_s"), median_run(judges, "candidates_per_s")
    cold = median_run(colds, "candidates_per_s")
    result = {"load_average_at_start": round(load_avg, 2), "load_average_at_end": None, "cpus": os.cpu_count(),
              "nlp_processes": 2 if worker_ready else 1,
              "nlp_gemm": "blis" if os.environ.get("SRO_NLP_BLIS", "") in ("1", "true", "yes")
              else "numpy (OpenBLAS, 1 thread)",
              "extract": extract,
              "judge": judge, "extract_chunks_per_s": extract["chunks_per_s"],
              "extract_chunks_per_cpu_s": extract["chunks_per_cpu_s"],
              "judge_candidates_per_s": judge["candidates_per_s"],
              "judge_candidates_per_cpu_s": judge["candidates_per_cpu_s"],
              "judge_unparsed": cold, "judge_unparsed_candidates_per_s": cold["candidates_per_s"]}
    contracts = contract_docs(20)
    if contracts:
        legal_chunks = chunks_of(contracts, args.chunks * 2)
        legal, _ = bench_extract("legal_contracts", legal_chunks, {d.id: d for d in contracts})
        result["extract_legal_patterns"] = legal
    result["resolve"] = bench_resolve(args.mentions)
    result["resolve_100k_mentions_s"] = result["resolve"]["total_seconds_with_alias_table"] \
        if args.mentions == 100_000 else None
    result["load_average_at_end"] = round(os.getloadavg()[0], 2)
    write_result("bench_triples", result)
    print(f"bench_triples: extract {extract['chunks_per_s']} chunks/s ({extract['chunks_per_cpu_s']}/cpu-s), "
          f"judge {judge['candidates_per_s']} cand/s ({judge['candidates_per_cpu_s']}/cpu-s; unparsed quotes "
          f"{cold['candidates_per_s']}/s), legal patterns "
          f"{result.get('extract_legal_patterns', {}).get('chunks_per_s')} chunks/s, resolve "
          f"{args.mentions} mentions {result['resolve']['total_seconds_with_alias_table']} s "
          f"(load {load_avg:.1f} -> {result['load_average_at_end']:.1f})")


if __name__ == "__main__":
    main()
