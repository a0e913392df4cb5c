"""`sro serve --allow-runs`: campaigns started from the API (`POST /api/campaigns`).

Each run is a separate `sro run SPEC --wait` process: a writer like any other, so it queues behind a running
writer, the server's reads go to it while it runs (sro.live), its progress shows in `GET /api/campaigns`, and it
goes on (resumable as ever) if the server stops. The spec comes from the request but may not name models,
endpoints or folders: models come from the workspace's configuration, the pipeline is a shipped one by name, so a
client can make the server neither read a folder nor send a key to a server of its choosing.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from sro.live.api import ApiError

SPEC_FIELDS = frozenset({"name", "question", "datasets", "dataset", "pipeline", "offline", "budgets", "mcts",
                         "outputs"})
API_DIR = "api-runs"  # under runs/: the specs and logs of runs started from the API


def spec_of(body: dict, known_datasets: set[str], known_campaigns: set[str]):
    """The validated campaign spec of a request: {"spec": {...}} or the spec's fields at the top level."""
    from pipelines import available
    from sro.campaign.spec import parse_spec

    data = body.get("spec", body)
    if not isinstance(data, dict):
        raise ApiError("spec must be an object (question, datasets, pipeline, budgets, ...)")
    unknown = sorted(set(data) - SPEC_FIELDS)
    if unknown:
        raise ApiError(f"unknown or not allowed field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(SPEC_FIELDS))}")
    data = dict(data)
    if "dataset" in data:
        data["datasets"] = [data.pop("dataset")]
    if data.get("pipeline", "generic") not in available():
        raise ApiError(f"pipeline must be one of {', '.join(available())}")
    spec = parse_spec(data, "request", default_name=time.strftime("api-%Y%m%d-%H%M%S"))
    missing = sorted(set(spec.datasets) - known_datasets)
    if missing:
        raise ApiError(f"unknown dataset(s) {', '.join(missing)}; datasets: {', '.join(sorted(known_datasets))}")
    if spec.name in known_campaigns:
        raise ApiError(f"campaign {spec.name!r} exists; choose another name")
    return spec


class Runs:
    """Campaign processes this server started."""

    def __init__(self, root: Path):
        self.root = root
        self._procs: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def start(self, spec) -> dict:
        folder = self.root / "runs" / API_DIR
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if spec.name in self._procs:
                raise ApiError(f"campaign {spec.name!r} was started already")
            path = folder / f"{spec.name}.yaml"
            data = {"name": spec.name, **spec.model_dump(mode="json", exclude_unset=True)}  # unset: the defaults
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
            with open(folder / f"{spec.name}.log", "wb") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "sro", "--workspace", str(self.root), "--wait", "run", str(path),
                     "--json"], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)  # Ctrl-C on the server does not stop the campaign
            self._procs[spec.name] = proc
        return {"campaign": spec.name, "pid": proc.pid, "spec": str(path), "log": str(folder / f"{spec.name}.log")}

    def list(self) -> list[dict]:
        with self._lock:
            procs = dict(self._procs)
        return [{"campaign": name, "pid": p.pid, "running": p.poll() is None, "exit_code": p.poll(),
                 "log_tail": self._tail(name)} for name, p in procs.items()]

    def _tail(self, name: str, lines: int = 5) -> list[str]:
        path = self.root / "runs" / API_DIR / f"{name}.log"
        try:
            return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        except OSError:
            return []
