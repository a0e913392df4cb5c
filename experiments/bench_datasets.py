#!/usr/bin/env python3
"""Benchmark the data layer on N synthetic Pushshift submissions (~1.5 KB a line, .zst).

Measures, on the same file in the same run: DuckDB's own read_ndjson (CREATE TABLE AS SELECT * into a DuckDB
file), our `reddit-dump` ingest (documents + chunks, without the FTS build), the FTS build, BM25 top-10 and
grep latencies, and the peak RSS of the ingest process. Each phase runs in a child process so peak RSS is
measured per phase.

    .venv/bin/python experiments/bench_datasets.py --n 20000
    nice -n 10 .venv/bin/python experiments/bench_datasets.py --n 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import zstandard

from common import ROOT, write_result  # noqa: E402
WORK = ROOT / "experiments" / "work"

WORDS = ("solar panel inverter battery powerwall enphase solaredge tesla qcells rec lg panasonic roof install "
         "installer quote price cost kw kwh watt warranty year month bill utility pge sce sdge duke net metering "
         "nem export credit tax federal rebate payback savings production shade south east west array string "
         "micro optimizer monitoring app outage grid permit inspection interconnection leak mount rail conduit "
         "breaker panel upgrade meter true-up rate peak tou summer winter cloudy snow clean efficiency degrade "
         "loan lease ppa cash finance interest apr contract cancel refund sales pressure door knock review").split()
FILLER = ("the a and to of in for on with that this it was is we our my i they have had but not so just about "
          "after before when then also really very much more less than would could should got get").split()
QUERIES = ["inverter warranty", "powerwall outage", "net metering export credit", "payback period", "roof leak",
           "enphase micro", "tesla solar price", "interconnection permit", "federal tax credit", "shade production"]
GREPS = [r"\bpowerwall\b", r"\$[0-9]{2},[0-9]{3}", r"nem (2|3)", r"roof leak", r"optimizer .* fail"]


_SYL = "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so ta te".split()
_TAIL_RNG = random.Random(11)
TAIL = sorted({"".join(_TAIL_RNG.choice(_SYL) for _ in range(_TAIL_RNG.randint(2, 4))) for _ in range(30_000)})
TAIL_WEIGHTS = list(__import__("itertools").accumulate(1 / (r + 1) for r in range(len(TAIL))))  # Zipf


def _text(rng: random.Random, n_words: int) -> str:
    # Function words, a Zipf-distributed long tail and ~8% topical words: postings lists of realistic length.
    words = []
    for _ in range(n_words):
        roll = rng.random()
        if roll < 0.08:
            words.append(rng.choice(WORDS))
        elif roll < 0.55:
            words.append(rng.choice(FILLER))
        else:
            words.append(rng.choices(TAIL, cum_weights=TAIL_WEIGHTS)[0])
    return " ".join(words).capitalize() + f". We paid ${rng.randint(9, 40)},{rng.randint(100, 999)} in total."


def _record(rng: random.Random, i: int) -> dict:
    sid = f"b{i:07x}"
    created = 1600000000 + i * 30
    title = _text(rng, rng.randint(5, 12))[:120]
    return {
        "_meta": {"retrieved_2nd_on": created + 9999}, "all_awardings": [], "allow_live_comments": False,
        "approved_at_utc": None, "archived": False, "author": f"user_{rng.randint(1, 200000)}",
        "author_flair_css_class": None, "author_flair_richtext": [], "author_flair_text": None,
        "author_flair_type": "text", "author_fullname": f"t2_{rng.randint(10**6, 10**7)}", "author_premium": False,
        "can_gild": False, "category": None, "contest_mode": False, "created": created, "created_utc": created,
        "distinguished": None, "domain": "self.solar", "edited": False, "gilded": 0, "gildings": {},
        "hidden": False, "id": sid, "is_created_from_ads_ui": False, "is_crosspostable": True, "is_meta": False,
        "is_original_content": False, "is_reddit_media_domain": False, "is_robot_indexable": True, "is_self": True,
        "is_video": False, "link_flair_css_class": "", "link_flair_richtext": [], "link_flair_text": "Question",
        "link_flair_type": "text", "locked": False, "media": None, "media_embed": {}, "media_only": False,
        "name": f"t3_{sid}", "no_follow": True, "num_comments": rng.randint(0, 80), "num_crossposts": 0,
        "over_18": False, "permalink": f"/r/solar/comments/{sid}/post_{i}/", "pinned": False, "pwls": 6,
        "quarantine": False, "removed_by_category": None, "retrieved_on": created + 9999,
        "score": rng.randint(0, 500), "secure_media": None, "selftext": _text(rng, rng.randint(60, 170)),
        "send_replies": True, "spoiler": False, "stickied": False, "subreddit": "solar",
        "subreddit_id": "t5_2qhbc", "subreddit_name_prefixed": "r/solar", "subreddit_subscribers": 120000,
        "subreddit_type": "public", "thumbnail": "self", "title": title, "total_awards_received": 0,
        "treatment_tags": [], "upvote_ratio": round(rng.uniform(0.5, 1), 2),
        "url": f"https://www.reddit.com/r/solar/comments/{sid}/post_{i}/", "view_count": None, "wls": 6,
    }


def generate(n: int) -> Path:
    path = WORK / f"RS_bench_v2_{n}.zst"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as raw, zstandard.ZstdCompressor(level=3).stream_writer(raw) as out:
        for i in range(n):
            out.write((json.dumps(_record(rng, i)) + "\n").encode())
    tmp.replace(path)
    return path


def _cpu_s() -> float:
    """CPU seconds (user + system, all threads) of this process: less sensitive to other jobs than wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_duckdb(path: Path, db: Path) -> dict:
    import duckdb

    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    t, c = time.perf_counter(), _cpu_s()
    con.execute("CREATE TABLE raw AS SELECT * FROM read_ndjson(?)", [str(path)])
    seconds, cpu = time.perf_counter() - t, _cpu_s() - c
    rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    con.close()
    return {"seconds": seconds, "cpu_s": cpu, "rows": rows, "peak_rss_mb": _peak_mb(), "db_mb": _db_mb(db)}


def _db_mb(db: Path) -> float:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file()) / 2**20


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def phase_ours(path: Path, db: Path) -> dict:
    from sro.config import Settings
    from sro.data.db import connect
    from sro.data.ingest.reddit_dump import reddit_loader
    from sro.data.ingest.runner import run_ingest
    from sro.data.store import DatasetStore

    for old in db.parent.glob(db.name + "*"):
        old.unlink()
    con = connect(db)
    store = DatasetStore(con, Settings())
    t, c = time.perf_counter(), _cpu_s()
    report = run_ingest(store, "bench", [path], reddit_loader("bench"), index=False)
    ingest_s, ingest_cpu = time.perf_counter() - t, _cpu_s() - c
    db_mb = _db_mb(db)
    t, c = time.perf_counter(), _cpu_s()
    store.refresh_index(force=True)
    fts_s, fts_cpu = time.perf_counter() - t, _cpu_s() - c
    ds = store.dataset("bench")
    ds.search("warm up", k=10)
    search_ms = []
    for round_ in range(3):
        for q in QUERIES:
            t = time.perf_counter()
            hits = ds.search(q, k=10)
            search_ms.append((time.perf_counter() - t) * 1000)
            assert hits, q
    grep_ms = []
    for rx in GREPS:
        t = time.perf_counter()
        ds.grep(rx, k=10)
        grep_ms.append((time.perf_counter() - t) * 1000)
    p50, p95 = _percentiles(search_ms)
    return {"ingest_s": ingest_s, "ingest_cpu_s": ingest_cpu, "documents": report.documents_added, "chunks": report.chunks_added,
            "errors": len(report.errors), "fts_build_s": fts_s, "fts_build_cpu_s": fts_cpu, "db_mb": db_mb,
            "db_with_index_mb": _db_mb(db), "bm25_p50_ms": p50, "bm25_p95_ms": p95,
            "grep_p50_ms": statistics.median(grep_ms), "peak_rss_mb": _peak_mb()}


def _child(phase: str, path: Path, db: Path) -> dict:
    # Untimed: write back what earlier phases left in the page cache, so that neither phase pays for the
    # other's writes (the baseline's 0.35 GB file was still being flushed while ours ran).
    os.sync()
    cmd = [sys.executable, __file__, "--phase", phase, "--file", str(path), "--db", str(db)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--phase", choices=["duckdb", "ours"])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.phase:
        fn = phase_duckdb if args.phase == "duckdb" else phase_ours
        print(json.dumps(fn(args.file, args.db)))
        return
    t = time.perf_counter()
    path = generate(args.n)
    gen_s = time.perf_counter() - t
    base = _child("duckdb", path, WORK / "bench_duckdb.duckdb")
    ours = _child("ours", path, WORK / "bench_sro.duckdb")
    result = {
        "n_posts": args.n, "file_mb": round(path.stat().st_size / 2**20, 1), "generate_s": round(gen_s, 1),
        "ingest_posts_per_s": round(ours["documents"] / ours["ingest_s"]),
        "duckdb_read_ndjson_posts_per_s": round(base["rows"] / base["seconds"]),
        "ingest_ratio": round((ours["documents"] / ours["ingest_s"]) / (base["rows"] / base["seconds"]), 3),
        "ingest_s": round(ours["ingest_s"], 2), "duckdb_read_ndjson_s": round(base["seconds"], 2),
        # CPU seconds of each phase: the wall-time ratio swings with other jobs on a shared machine
        "ingest_cpu_s": round(ours["ingest_cpu_s"], 2), "duckdb_read_ndjson_cpu_s": round(base["cpu_s"], 2),
        "ingest_cpu_ratio": round(base["cpu_s"] / ours["ingest_cpu_s"], 3),
        "load_avg_1m_end": round(os.getloadavg()[0], 2),
        "documents": ours["documents"], "chunks": ours["chunks"], "ingest_errors": ours["errors"],
        "peak_rss_mb": round(ours["peak_rss_mb"]), "duckdb_baseline_peak_rss_mb": round(base["peak_rss_mb"]),
        "db_mb": round(ours["db_mb"]), "db_with_index_mb": round(ours["db_with_index_mb"]),
        "duckdb_baseline_db_mb": round(base["db_mb"]),
        "fts_build_s": round(ours["fts_build_s"], 2), "fts_build_cpu_s": round(ours["fts_build_cpu_s"], 2),
        "bm25_p50_ms": round(ours["bm25_p50_ms"], 1),
        "bm25_p95_ms": round(ours["bm25_p95_ms"], 1), "grep_p50_ms": round(ours["grep_p50_ms"], 1),
        "targets": {"ingest_ratio": ">= 0.5", "peak_rss_mb": "< 2048", "bm25_p50_ms": "< 100 (at 1M posts)"},
        "notes": "ingest excludes the FTS build (fts_build_s); DuckDB baseline = CREATE TABLE AS SELECT * "
                 "FROM read_ndjson into a DuckDB file; each phase in its own process.",
    }
    write_result("bench_datasets", result)
    print(f"bench_datasets n={args.n}: ingest {result['ingest_posts_per_s']}/s vs duckdb "
          f"{result['duckdb_read_ndjson_posts_per_s']}/s (ratio {result['ingest_ratio']}, cpu ratio {result['ingest_cpu_ratio']}), peak {result['peak_rss_mb']} MB, "
          f"fts {result['fts_build_s']}s, bm25 p50 {result['bm25_p50_ms']} ms p95 {result['bm25_p95_ms']} ms, "
          f"grep p50 {result['grep_p50_ms']} ms")


if __name__ == "__main__":
    main()
