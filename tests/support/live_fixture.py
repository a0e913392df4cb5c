"""A small workspace with judged facts (offline extraction of the hand-written solar corpus) and one finished
campaign, and a running `sro serve` over it, for the HTTP API and explorer tests."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from sro.campaign.runner import CampaignRunner
from sro.campaign.spec import parse_spec
from sro.mcts.expand import Expansion, TripleInfo, triple_key
from sro.workspace import Workspace
from tests.support.campaign_corpus import solar_documents

ROOT = Path(__file__).resolve().parents[2]


async def _expand(node, ctx) -> Expansion:
    words = [w for w in node.question.split() if w.istitle()] or ["Solar"]
    facts = [TripleInfo(triple_key("q", "mentions", w), "q", "mentions", w, 0.9, doc_id="solar:p01") for w in words]
    return Expansion(answer=f"about {', '.join(words)}", accepted=facts, candidates=len(facts), evidence=[
        {"text": "Owners of Powerwall and Enphase systems talk.", "doc_id": "solar:p01"}] * 2)


def build_workspace(root: Path, env: dict) -> Path:
    with Workspace.open(root) as ws:
        ws.datasets.add_documents("solar", solar_documents())
    done = subprocess.run([sys.executable, "-m", "sro", "--workspace", str(root), "extract", "-d", "solar"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    pipe = root.parent / "pipe"
    pipe.mkdir(exist_ok=True)
    (pipe / "pipeline.yaml").write_text("name: pipe\nquestion_templates: ['What do owners say about {term}?']\n")
    spec = parse_spec({"name": "solar-costs", "question": "Is Solar economical?", "datasets": ["solar"],
                       "offline": True, "pipeline": str(pipe), "budgets": {"max_nodes": 4, "max_depth": 2},
                       "mcts": {"parallel": 1, "children": 2}, "outputs": {"report": False}})
    with Workspace.open(root) as ws:
        asyncio.run(CampaignRunner(ws, spec, expander=_expand, handle_signals=False).run())
    return root


def start_server(root: Path, env: dict, *options: str) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([sys.executable, "-m", "sro", "--workspace", str(root), "serve", "--port", "0", *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    serve_file = root / "serve.json"
    deadline = time.monotonic() + 60
    while not serve_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"sro serve did not start: {proc.communicate()[1]}")
        time.sleep(0.1)
    time.sleep(0.2)
    return proc, json.loads(serve_file.read_text())
