"""Reads during a write: `sro extract` runs on the 557 real r/TeslaSolar posts while other processes read the
workspace. Measures `sro search` wall time from a second process (p50/p95) idle and during the extraction, the
relay round trip alone (the search run inside the writer, without starting a Python process), an API call as
`sro mcp`/`sro serve` make it, `sro --help` (the start-up cost of the full CLI on this machine), the same reads
while a holder is idle (the cost of forwarding itself), and that counts read twice during the extraction grow.
Records the load average (the machine is shared). Ends with a screenshot of the explorer over the result
(headless Chromium, when installed). Writes experiments/results/bench_live.json.

    python experiments/bench_live.py [--csv /work/shared/data/reddit/teslasolar_posts_2025.csv] [--n 15]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

from common import RESULTS, ROOT, write_result

# An installed sro has its bytecode compiled (pip does it); this machine's PYTHONDONTWRITEBYTECODE=1 would make
# every start compile the modules it imports, which is not what a user's `sro search` costs.
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(ROOT),
       "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
CSV = "/work/shared/data/reddit/teslasolar_posts_2025.csv"


def sro(ws: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sro", "--workspace", str(ws), *args], capture_output=True,
                          text=True, env=ENV, cwd=ROOT, timeout=600)


def stats(times: list[float]) -> dict:
    times = sorted(times)
    return {"n": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "max_ms": round(times[-1], 1)}


def timed(fn, n: int) -> dict:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return stats(times)


def cli_search(ws: Path) -> None:
    done = sro(ws, "search", "tesla", "powerwall battery", "--json")
    assert done.returncode == 0, done.stderr


def counts(ws: Path) -> dict:
    triples = sro(ws, "triples", "-n", "1000000", "--json")
    query = sro(ws, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json")
    datasets = sro(ws, "datasets", "--json")
    assert triples.returncode == query.returncode == datasets.returncode == 0, triples.stderr + query.stderr
    return {"accepted_triples": len(json.loads(triples.stdout)),
            "graph_statements": int(json.loads(query.stdout)["results"]["bindings"][0]["n"]["value"]),
            "datasets_ok": json.loads(datasets.stdout)[0]["documents"] == 557}


def during_extraction(clean: Path, n: int) -> dict:
    """Rounds of `sro extract` over fresh copies of the ingested workspace (one takes ~10 s on an idle machine)
    until every read kind has n samples taken wholly while the writer ran; samples that end after it are
    dropped. The first round also reads the counts twice and tries a second writer."""
    samples: dict[str, list[float]] = {"cli_search": [], "relay_search": [], "api_search": []}
    result: dict = {"rounds": 0}
    while min(len(v) for v in samples.values()) < n:
        ws = clean.with_name(f"round{result['rounds']}")
        shutil.copytree(clean, ws, ignore=shutil.ignore_patterns(".live.*", "holder.json"))
        extraction_round(ws, samples, n, result)
        result["rounds"] += 1
        shutil.rmtree(ws)
    return {**result, **{k: stats(v) for k, v in samples.items()}}


def grown(result: dict) -> bool:
    return "second" in result and result["second"]["accepted_triples"] > result["first"]["accepted_triples"]


def extraction_round(ws: Path, samples: dict[str, list[float]], n: int, result: dict) -> None:
    from sro.live import client
    from sro.live.access import Access

    writer = subprocess.Popen([sys.executable, "-m", "sro", "--workspace", str(ws), "extract", "-d", "tesla"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, cwd=ROOT)
    while not (info := client.holder(ws)) or info["command"] != "sro extract":
        time.sleep(0.05)
    time.sleep(1)  # spaCy loaded, the first chunks stored
    argv = ["--workspace", str(ws), "search", "tesla", "powerwall battery", "--json"]
    access = Access(ws)
    reads = {"cli_search": lambda: cli_search(ws),
             "relay_search": lambda: client.forward(info["socket"], argv, BytesIO(), BytesIO()),
             "api_search": lambda: access.call("search", {"dataset": "tesla", "query": "powerwall"})}
    first = time.monotonic()
    if "first" not in result:
        result["first"] = counts(ws)
        second_writer = sro(ws, "extract", "-d", "tesla")
        result["second_writer"] = {"exit": second_writer.returncode, "stderr": second_writer.stderr.strip()}
    while writer.poll() is None and (min(len(v) for v in samples.values()) < n or not grown(result)):
        for name, read in reads.items():
            start = time.perf_counter()
            read()
            if writer.poll() is None:
                samples[name].append((time.perf_counter() - start) * 1000)
        if not grown(result) and time.monotonic() - first > 4:  # again until it grew (a busy machine is slow)
            result["second"] = counts(ws)
            result["second_count_after_s"] = round(time.monotonic() - first, 1)
            result["writer_running_at_second_count"] = writer.poll() is None
    writer.send_signal(signal.SIGINT)  # extraction is resumable; the reads are what is measured
    writer.wait(timeout=300)
    access.close()


def idle_holder(ws: Path, n: int) -> dict:
    """The same reads while a writer holds the workspace but is not working: the cost of forwarding itself."""
    from sro.live import client

    holder = subprocess.Popen([sys.executable, "-m", "tests.support.live_writer", str(ws)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    assert holder.stdout.readline().startswith("ready")
    info = client.holder(ws)
    argv = ["search", "tesla", "powerwall battery", "--json"]
    try:
        return {"relay_search": timed(lambda: client.forward(info["socket"], argv, BytesIO(), BytesIO()), n * 2),
                "cli_search": timed(lambda: cli_search(ws), n)}
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def screenshot(ws: Path) -> str | None:
    chromium = shutil.which("chromium")
    if chromium is None:
        return None
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.support.live_fixture import start_server

    proc, info = start_server(ws, ENV)
    path = RESULTS / "explorer.png"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{info['url']}/#token={info['token']}")
            page.click("nav button[data-tab=graph]")
            page.fill("#graph-form input[name=entity]", "Powerwall")
            page.click("#graph-form button")
            page.wait_for_function("typeof cy !== 'undefined' && cy !== null && cy.nodes().length > 1")
            page.screenshot(path=str(path))
            browser.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    return str(path.relative_to(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default=CSV)
    parser.add_argument("--n", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        done = sro(ws, "ingest", "table", args.csv, "-d", "tesla", "--text", "text", "--id", "id", "--title",
                   "title", "--created", "unix_timestamp", "--url", "url", "--score", "score")
        assert done.returncode == 0, done.stderr
        from sro.live.access import Access

        load = os.getloadavg()[0]
        idle = Access(ws)
        result = {"posts": args.csv, "cores": os.cpu_count(), "load_avg_1min_at_start": round(load, 1),
                  "idle_cli_search": timed(lambda: cli_search(ws), args.n),
                  "idle_cli_help": timed(lambda: sro(ws, "--help"), 5),
                  "idle_api_search": timed(lambda: idle.call("search", {"dataset": "tesla", "query": "powerwall"}),
                                           args.n)}
        idle.close()
        result["during_extract"] = during_extraction(ws, args.n)
        result["load_avg_1min_at_end_of_extraction"] = round(os.getloadavg()[0], 1)
        result["idle_holder"] = idle_holder(ws, args.n)
        assert sro(ws, "extract", "-d", "tesla").returncode == 0  # the facts the explorer shows
        result["screenshot"] = screenshot(ws)
    print(json.dumps(result, indent=2))
    print(write_result("bench_live", result))


if __name__ == "__main__":
    main()
