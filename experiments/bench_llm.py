"""LLM client benchmark against the loopback server (run in its own process).

Runs twice: with the default role configuration (transport "auto", which resolves to "direct" for this
OpenAI-compatible base_url: the top-level numbers) and with `transport = "litellm"` forced (under "litellm").
Measures: 2,000 worker calls at concurrency 32 with 100 ms server latency (wall vs ideal), client overhead
per call against a zero-latency server (p50 of our client minus a bare HTTP round trip, interleaved; litellm's
own share reported separately), the same throughput run with bare aiohttp (the floor the machine allows), and a fully cached rerun from a fresh client. Writes experiments/results/bench_llm.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, write_result  # noqa: E402

from sro.llm.roles import transport_of  # noqa: E402
from sro.workspace import Workspace  # noqa: E402

CALLS, CONCURRENCY, LATENCY_MS, SEQ_CALLS = 2000, 32, 100.0, 400


def start_server() -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "tests.support.llm_server", "--slow-ms", str(LATENCY_MS), "--stdin"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def p50(values: list[float]) -> float:
    return statistics.median(values)


async def timed(call) -> float:
    t = time.perf_counter()
    await call
    return (time.perf_counter() - t) * 1000


async def overhead(client, base_url: str, with_litellm: bool) -> dict[str, float]:
    """p50 ms per sequential call against the zero-latency server for our client, a bare aiohttp round trip and
    a bare litellm.acompletion. The three are interleaved call by call so machine load hits them alike."""
    import aiohttp

    from sro.llm.backend import litellm_module

    litellm = litellm_module()
    times: dict[str, list[float]] = {"client": [], "raw_http": []} | ({"bare_litellm": []} if with_litellm else {})
    async with aiohttp.ClientSession() as session:
        async def raw(i: int) -> None:
            body = {"model": "m", "messages": [{"role": "user", "content": f"raw {i}"}]}
            async with session.post(base_url + "/chat/completions", json=body) as resp:
                await resp.json()

        for i in range(-30, SEQ_CALLS):  # the first 30 rounds warm connections and caches
            row = {"client": await timed(client.acomplete("worker", f"fast {i}")), "raw_http": await timed(raw(i))}
            if with_litellm:
                row["bare_litellm"] = await timed(litellm.acompletion(
                    model="openai/m", messages=[{"role": "user", "content": f"bare {i}"}],
                    api_base=base_url, api_key="sk-bench", max_retries=0))
            if i >= 0:
                for key, ms in row.items():
                    times[key].append(ms)
    return {f"{key}_ms_p50": round(p50(values), 3) for key, values in times.items()}


async def raw_throughput(base_url: str) -> float:
    """Wall seconds for the same 2,000 slow calls made with bare aiohttp at the same concurrency: the floor
    this machine (and its current load) allows any client."""
    import aiohttp

    sem = asyncio.Semaphore(CONCURRENCY)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async def one(i: int) -> None:
            body = {"model": "m", "messages": [{"role": "user", "content": f"[slow] raw {i}"}]}
            async with sem, session.post(base_url + "/chat/completions", json=body) as resp:
                await resp.json()

        t = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(CALLS)))
        return time.perf_counter() - t


def run(tmp: Path, base_url: str, transport: str) -> dict:
    """`transport` "default" leaves the role's transport unset, as a user's sro.toml would."""
    role = {"model": "openai/bench-worker", "base_url": base_url, "max_concurrency": CONCURRENCY}
    if transport != "default":
        role["transport"] = transport
    ws = Workspace.open(tmp / transport, {"worker": role})
    resolved = transport_of(ws.settings.role("worker"))
    result: dict = {"transport": transport, "resolved_transport": resolved, "calls": CALLS,
                    "concurrency": CONCURRENCY, "latency_ms": LATENCY_MS}
    client = ws.llm
    prompts = [f"[slow] extract triples from passage {i}" for i in range(CALLS)]

    async def throughput() -> list:
        await client.abatch("worker", [f"warm {i}" for i in range(CONCURRENCY)])  # import + connections
        t, cpu = time.perf_counter(), time.process_time()
        out = await client.abatch("worker", prompts)
        result["wall_s"] = round(time.perf_counter() - t, 3)
        # CPU this process used: when it approaches wall_s the client is CPU-bound (or starved by load)
        result["client_cpu_s"] = round(time.process_time() - cpu, 3)
        result["cpu_ms_per_call"] = round(result["client_cpu_s"] / CALLS * 1000, 3)
        return out

    out = asyncio.run(throughput())
    errors = [r for r in out if isinstance(r, Exception)]
    assert not errors, errors[:3]
    result["ideal_s"] = round(CALLS / CONCURRENCY * LATENCY_MS / 1000, 3)
    result["ratio"] = round(result["wall_s"] / result["ideal_s"], 3)
    result["raw_http_ratio"] = round(asyncio.run(raw_throughput(base_url)) / result["ideal_s"], 3)

    ov = asyncio.run(overhead(client, base_url, resolved == "litellm"))
    result["overhead_ms_p50"] = round(ov["client_ms_p50"] - ov["raw_http_ms_p50"], 3)
    if resolved == "litellm":
        result["sro_layer_ms_p50"] = round(ov["client_ms_p50"] - ov["bare_litellm_ms_p50"], 3)
        result["litellm_ms_p50"] = round(ov["bare_litellm_ms_p50"] - ov["raw_http_ms_p50"], 3)
    result.update({k: round(v, 3) for k, v in ov.items()})
    ws.close()

    ws = Workspace.open(tmp / transport, {"worker": role})  # fresh client: cold memory, cache only in DuckDB
    t = time.perf_counter()
    again = asyncio.run(ws.llm.abatch("worker", prompts))
    result["cached_rerun_s"] = round(time.perf_counter() - t, 3)
    result["cached_rerun_all_hits"] = all(getattr(r, "cached", False) for r in again)
    ws.close()
    return result


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help; no options yet
    proc, base_url = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            runs = [run(Path(tmp), base_url, t) for t in ("default", "litellm")]
    finally:
        proc.stdin.close()
        proc.wait(10)
    result = dict(runs[0])  # top-level numbers: the default configuration
    result["litellm"] = runs[1]
    result["targets"] = {"ratio": 1.25, "overhead_ms_p50": 2.0, "cached_rerun_s": 1.0}
    result["cpu_count"], result["load_avg_1m"] = os.cpu_count(), round(os.getloadavg()[0], 2)
    write_result("bench_llm", result)
    for r in runs:
        print(f"bench_llm[{r['transport']} -> {r['resolved_transport']}]: {CALLS} calls @{CONCURRENCY} x {LATENCY_MS:.0f} ms: wall {r['wall_s']} s "
              f"(ideal {r['ideal_s']}, ratio {r['ratio']}, bare-aiohttp floor {r['raw_http_ratio']}); overhead p50 {r['overhead_ms_p50']} ms; "
              f"cached rerun {r['cached_rerun_s']} s")


if __name__ == "__main__":
    main()
