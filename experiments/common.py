"""Set-up shared by the experiment scripts: the repo root on sys.path, LiteLLM's bundled cost map (no network
fetch at import), and writing a result to experiments/results/<name>.json. Import it before any project module."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def write_result(name: str, result: dict, **dumps) -> Path:
    """Write `result` as indented JSON to experiments/results/<name>.json and return the path."""
    path = RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, **dumps) + "\n", encoding="utf-8")
    return path
