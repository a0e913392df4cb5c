"""An obedient LLM worker on the 557 real r/TeslaSolar posts: how many of its correct facts are accepted?

    python experiments/eval_obedient_worker.py [--data CSV] [--limit N]

The worker is the loopback server (tests/support/llm_server.py) answering `sro extract --pipeline
solar_reddit` (run as a subprocess, litellm's real HTTP path) the way a model that obeys the pipeline's
instructions would: facts about the poster's own system name the subject "this installation", every quote
is the passage's sentence copied verbatim. Its facts are the pipeline's own patterns matched on the
passage (precise by construction), so a rejection is the engine refusing a correct, obedient fact.
Output: experiments/results/eval_obedient_worker.json. Target: >= 80% of candidates accepted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import write_result  # noqa: E402

from eval_solar import DEFAULT_DATA, sro  # noqa: E402
from sro.data.models import Chunk  # noqa: E402
from sro.nlp import sentences  # noqa: E402
from sro.nlp.models import Entity  # noqa: E402
from sro.extract.patterns import PatternEngine  # noqa: E402
from pipelines import load_pipeline  # noqa: E402
from tests.support.llm_server import ScriptedLLMServer  # noqa: E402

PASSAGE = re.compile(r"\[passage \d+\][^\n]*\n")
ENGINE = PatternEngine(load_pipeline("solar_reddit"))


def facts(text: str, index: int) -> list[dict]:
    chunk = Chunk(id="p#0", doc_id="p", dataset="x", ordinal=0, start=0, end=len(text), text=text)
    out = []
    for c in ENGINE.run(chunk, list(sentences.split(text)), None):
        obj = c.object
        entity = isinstance(obj, Entity)
        out.append({"chunk": index, "subject": "this installation" if c.subject.ref == "document" else c.subject.text,
                    "predicate": c.predicate, "object": obj.text, "object_type": "entity" if entity else obj.datatype,
                    "object_class": obj.type if entity else None, "value": None if entity else obj.value,
                    "unit": getattr(obj, "unit", None), "currency": getattr(obj, "currency", None),
                    "qualifiers": c.qualifiers, "quote": c.evidence.quote})
    return out


def worker(body: dict) -> str:
    text = body["messages"][-1]["content"]
    passages = [p.rstrip("\n") for p in PASSAGE.split(text)[1:]]
    return json.dumps({"triples": [f for i, p in enumerate(passages) for f in facts(p, i)]})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="at most this many chunks")
    args = ap.parse_args()
    if not args.data.exists():
        print(f"eval_obedient_worker: {args.data} not present")
        return 2
    with tempfile.TemporaryDirectory(prefix="sro-obedient-") as tmp, ScriptedLLMServer() as server:
        server.add(r"extract knowledge-graph triples", worker)
        ws = Path(tmp) / "ws"
        sro(ws, "ingest", "table", str(args.data), "-d", "teslasolar", "--text", "content", "--id", "id",
            "--title", "title", "--created", "unix_timestamp", "--url", "url", "--score", "score")
        env = {**os.environ, "SRO_WORKER_MODEL": "openai/obedient-worker", "SRO_WORKER_BASE_URL": server.base_url,
               "SRO_WORKER_TRANSPORT": "litellm", "SRO_WORKER_API_KEY_ENV": "SRO_OBEDIENT_KEY",
               "SRO_OBEDIENT_KEY": "sk-loopback", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        for role in ("CEO", "JUDGE"):
            env.pop(f"SRO_{role}_MODEL", None)
        cmd = [str(Path(sys.executable).with_name("sro")), "-w", str(ws), "extract", "-d", "teslasolar",
               "-p", "solar_reddit", "--strategy", "chunks", "--json",
               *(["--limit", str(args.limit)] if args.limit else [])]
        started = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
        summary = json.loads(out.stdout[out.stdout.index("{"):]) if "{" in out.stdout else {}
        seconds = time.perf_counter() - started
    rate = summary.get("accepted", 0) / max(1, summary.get("candidates", 0))
    result = {"exit_code": out.returncode, "chunks": summary.get("chunks"), "candidates": summary.get("candidates"),
              "accepted": summary.get("accepted"), "rejected_by_axiom": summary.get("rejected_by_axiom"),
              "failed_chunks": summary.get("failed_chunks"), "accepted_share": round(rate, 4),
              "worker_calls": server.count(), "seconds": round(seconds, 1), "target_accepted_share": 0.8}
    write_result("eval_obedient_worker", result)
    print(json.dumps(result, indent=2))
    return 0 if rate >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
