"""RLM engine benchmark -> experiments/results/bench_rlm.json.

Measures: sandbox start, trivial step round trip, primitive overhead, and for corpora of 1e4..1e8 characters
the largest root prompt of a session (offline policy and a scripted root served by the loopback LLM
server), plus a needle-in-a-haystack task at every size (`niah_solved_at_1e8` for the largest).

    nice -n 10 .venv/bin/python experiments/bench_rlm.py [--max-size 1e8] [--keep DIR]

Targets: root prompt < 8,000 tokens at every size; needle found; start < 300 ms; step < 5 ms p50;
primitive overhead < 1 ms p50.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Iterator

from common import write_result  # noqa: E402

from sro.data.models import Document  # noqa: E402
from sro.rlm.isolation import LAYERS  # noqa: E402
from sro.rlm.limits import SandboxLimits  # noqa: E402
from sro.rlm.sandbox import Sandbox  # noqa: E402

NEEDLE_CODE = "7481-ZEBRA"
NEEDLE = f"The secret code for the vault is {NEEDLE_CODE}."
QUESTION = "What is the secret code for the vault?"
DOC_CHARS = 2_000


# --- micro benchmarks ---------------------------------------------------------------------------
def micro() -> dict[str, float]:
    starts = []
    for _ in range(10):
        box = Sandbox()
        box.start()
        starts.append(box.start_ms)
        box.close()
    with Sandbox() as box:
        box.run("x = 1")
        steps = [box.run("x = 1").ms for _ in range(300)]
        base = statistics.median(box.run("for i in range(100):\n    y = i").ms for _ in range(50))
        per_call = []
        noop = lambda fn, args, left: 0  # noqa: E731 - host work excluded: this measures the pipe round trip
        for _ in range(50):
            ms = box.run("for i in range(100):\n    y = datasets()", noop).ms
            per_call.append(max(0.0, ms - base) / 100)
        layers = box.layer_report
    return {
        "layers": layers,
        "sandbox_start_ms": round(statistics.median(starts), 2),
        "sandbox_start_ms_max": round(max(starts), 2),
        "step_roundtrip_ms_p50": round(statistics.median(steps), 3),
        "primitive_overhead_ms_p50": round(statistics.median(per_call), 4),
    }


# --- corpus -------------------------------------------------------------------------------------
def _start_ms(layers: tuple[str, ...], runs: int = 10) -> float:
    class Only(Sandbox):
        pass

    Only.layers = layers
    times = []
    for _ in range(runs):
        box = Only()
        box.start()
        times.append(box.start_ms)
        box.close()
    return round(statistics.median(times), 2)


def layer_costs() -> dict[str, float]:
    """Median sandbox start with no OS layer, with each one alone, and with all: what each layer costs."""
    base = _start_ms(())
    costs = {"none_ms": base, **{f"{name}_ms": round(_start_ms((name,)) - base, 2) for name in LAYERS}}
    costs["all_ms"] = round(_start_ms(LAYERS) - base, 2)
    return costs


def _vocab(rng: random.Random) -> list[str]:
    letters = "etaoinshrdlucmfwypvbgk"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(6000)]


def corpus(total_chars: int, seed: int = 7) -> Iterator[Document]:
    rng = random.Random(seed)
    vocab = _vocab(rng)
    n_docs = max(1, total_chars // DOC_CHARS)
    needle_at = rng.randrange(n_docs)
    for i in range(n_docs):
        words, size = [], 0
        while size < DOC_CHARS:
            sentence = " ".join(rng.choices(vocab, k=rng.randint(6, 14))).capitalize() + ". "
            words.append(sentence)
            size += len(sentence)
        text = "".join(words)[:DOC_CHARS]
        if i == needle_at:
            cut = rng.randrange(100, DOC_CHARS - 100)
            text = text[:cut] + " " + NEEDLE + " " + text[cut:]
        yield Document(id=f"hay:{i:07d}", dataset="hay", source_uri=f"synthetic://hay/{i}", title=f"Doc {i}",
                       text=text)


# --- sessions -----------------------------------------------------------------------------------
def _root_script(request: dict) -> str:
    messages = request["messages"]
    # the prompt names the turn ("Turn 3 of 12"): with a small window the oldest turns leave the history
    turn = int(re.findall(r"Turn (\d+) of \d+", messages[-1]["content"])[-1]) - 1
    if "Give your final answer now" in messages[-1]["content"]:
        return "```repl\nFINAL(reading)\n```"
    blocks = [
        "info = datasets()\nprint(info)\nprint(dataset('hay').peek(1)[0]['text'][:300])",
        # deliberately floods the output: the sandbox caps it and the transcript keeps the prompt bounded
        "sample = dataset('hay').sample(50)\nprint(sample)",
        "hits = dataset('hay').search('secret code vault', k=10)\nprint(hits)",
        "reading = llm_query('Extract the vault code from this passage: ' + hits[0]['text'])\nprint(reading)",
        "FINAL(reading)",
    ]
    return f"```repl\n{blocks[min(turn, len(blocks) - 1)]}\n```"


def _worker(request: dict) -> str:
    text = request["messages"][-1]["content"]
    match = re.search(r"vault is (\S+?)\.", text)
    return match.group(1) if match else "no code in this passage"


def sessions(size: int, keep: Path | None, context_window: int | None = None) -> dict[str, object]:
    from sro.rlm.session import RLMSession, SessionConfig
    from sro.workspace import Workspace
    from tests.support.llm_server import ScriptedLLMServer

    base = keep or Path(tempfile.mkdtemp(prefix="bench-rlm-"))
    root = base / f"ws-{size:.0e}"
    out: dict[str, object] = {"chars": size}
    with Workspace.open(root) as ws:
        if not ws.datasets.exists("hay"):
            t0 = time.perf_counter()
            docs, chunks = ws.datasets.add_documents("hay", corpus(size))
            out.update(ingest_s=round(time.perf_counter() - t0, 1), documents=docs, chunks=chunks)
        t0 = time.perf_counter()
        offline = asyncio.run(RLMSession(ws, SessionConfig(datasets=("hay",))).run(QUESTION))
        out["offline"] = {"max_root_prompt_tokens": max(offline.root_prompt_tokens),
                          "solved": NEEDLE_CODE in offline.answer, "iterations": offline.iterations,
                          "seconds": round(time.perf_counter() - t0, 2)}
    os.environ["SRO_BENCH_KEY"] = "bench-key"
    with ScriptedLLMServer() as server:
        server.add(r"Recursive Language Model", _root_script)
        server.add(r"Extract the vault code", _worker)
        role = {"base_url": server.base_url, "api_key_env": "SRO_BENCH_KEY", "context_window": context_window}
        with Workspace.open(root, {"ceo": {"model": "openai/bench-ceo", **role},
                                   "worker": {"model": "openai/bench-worker", **role}, "cache": False}) as ws:
            t0 = time.perf_counter()
            scripted = asyncio.run(RLMSession(ws, SessionConfig(datasets=("hay",), limits=SandboxLimits(timeout_s=60)))
                                   .run(QUESTION))
            out["scripted"] = {"max_root_prompt_tokens": max(scripted.root_prompt_tokens),
                               "solved": NEEDLE_CODE in scripted.answer, "iterations": scripted.iterations,
                               "sub_calls": scripted.sub_calls, "seconds": round(time.perf_counter() - t0, 2)}
    out["max_root_prompt_tokens"] = max(out["offline"]["max_root_prompt_tokens"],
                                        out["scripted"]["max_root_prompt_tokens"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-size", type=float, default=1e8)
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep workspaces here (skips re-ingest)")
    parser.add_argument("--context-window", type=int, default=None,
                        help="the CEO's context window (e.g. 4096); results go to bench_rlm_ctx<N>.json")
    args = parser.parse_args()
    result: dict[str, object] = micro()
    result["layer_start_cost"] = layer_costs()
    sizes = [int(s) for s in (1e4, 1e5, 1e6, 1e7, 1e8) if s <= args.max_size]
    runs = {f"{s:.0e}": sessions(s, args.keep, args.context_window) for s in sizes}
    result["runs"] = runs
    result["root_prompt_tokens_max"] = {k: v["max_root_prompt_tokens"] for k, v in runs.items()}
    largest = runs[f"{sizes[-1]:.0e}"]
    result[f"niah_solved_at_{sizes[-1]:.0e}".replace("+0", "").replace("+", "")] = {
        "offline": largest["offline"]["solved"], "scripted_root": largest["scripted"]["solved"]}
    result["context_window"] = args.context_window
    result["targets"] = {"root_prompt_tokens_max": 4000 if args.context_window == 4096 else 8000, "sandbox_start_ms": 300, "step_roundtrip_ms_p50": 5,
                         "primitive_overhead_ms_p50": 1}
    write_result(f"bench_rlm_ctx{args.context_window}" if args.context_window else "bench_rlm", result)
    print(f"bench_rlm: start {result['sandbox_start_ms']} ms, step p50 {result['step_roundtrip_ms_p50']} ms, "
          f"primitive p50 {result['primitive_overhead_ms_p50']} ms, root prompt max "
          f"{max(result['root_prompt_tokens_max'].values())} tokens over {list(runs)}, needle at "
          f"{sizes[-1]:.0e}: offline={largest['offline']['solved']} scripted={largest['scripted']['solved']}")


if __name__ == "__main__":
    main()
