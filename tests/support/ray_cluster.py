"""A real two-node Ray cluster on this machine (`ray start --head` + `ray start --address`, one CPU each) and a
small CUAD corpus, for the executor tests and experiments/bench_scale.py."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CUAD = Path(os.environ.get("SRO_CUAD_CONTRACTS", "/work/shared/data/legal/cuad/contracts"))
RAY = str(Path(sys.executable).with_name("ray"))


def cuad_files(n: int, min_bytes: int = 5_000, max_bytes: int = 17_000) -> list[Path]:
    """`n` small CUAD contracts (stable choice: by name among those of a modest size); [] without the data."""
    if not CUAD.is_dir():
        return []
    return [p for p in sorted(CUAD.glob("*.txt")) if min_bytes <= p.stat().st_size <= max_bytes][:n]


def ingest_cli(ws: Path, files: list[Path], dataset: str = "contracts") -> None:
    """`sro ingest docs` over the files, read in place (symlinked into one folder: doc ids stay the names)."""
    with tempfile.TemporaryDirectory(prefix="sro-cuad-") as tmp:
        for f in files:
            os.symlink(f, Path(tmp) / f.name)
        out = subprocess.run([sys.executable, "-c", "from sro.commands.cli import main; main()", "-w", str(ws), "ingest",
                              "docs", tmp, "-d", dataset, "--json"], capture_output=True, text=True,
                             env=cluster_env(), check=False)
    if out.returncode != 0:
        raise RuntimeError(f"ingest failed: {out.stderr.strip()[-300:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_env() -> dict[str, str]:
    """Ray processes import this checkout; token auth off (a loopback-only test cluster); node death noticed
    within ~2 s instead of ~30 s."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_health_check_period_ms": "500", "RAY_health_check_timeout_ms": "1000",
            "RAY_health_check_failure_threshold": "3", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


@dataclass
class Cluster:
    address: str
    worker_port: int  # node manager port of the second node: identifies its raylet

    def add_node(self) -> None:
        _ray("start", "--address", self.address, "--num-cpus", "1", "--object-store-memory", "100000000",
             "--node-manager-port", str(self.worker_port))

    def worker_raylet(self):
        """The second node's raylet process (psutil), or None."""
        import psutil

        flag = f"--node_manager_port={self.worker_port}"
        for proc in psutil.process_iter(["name", "cmdline"]):
            if proc.info["name"] == "raylet" and flag in (proc.info["cmdline"] or []):
                return proc
        return None

    def worker_node_id(self) -> str | None:
        import ray

        for node in ray.nodes():
            if node.get("NodeManagerPort") == self.worker_port and node.get("Alive"):
                return node["NodeID"]
        return None


def _ray(*args: str) -> None:
    out = subprocess.run([RAY, *args], capture_output=True, text=True, env=cluster_env(), timeout=120, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"ray {args[0]} failed: {(out.stderr or out.stdout).strip().splitlines()[-1:]}")


def start_cluster(nodes: int = 2) -> Cluster:
    """A head node and `nodes - 1` more, one CPU each; raises RuntimeError when Ray cannot start here."""
    if shutil.which(RAY) is None:
        raise RuntimeError("the ray command is not installed (pip install 'sro[ray]')")
    port = free_port()
    cluster = Cluster(f"127.0.0.1:{port}", free_port())
    try:
        _ray("start", "--head", "--port", str(port), "--num-cpus", "1", "--object-store-memory", "100000000",
             "--include-dashboard=false", "--disable-usage-stats")
        if nodes > 1:
            cluster.add_node()
    except BaseException:
        stop_cluster(cluster)  # whatever of it did start
        raise
    return cluster


def stop_cluster(cluster: Cluster | None = None) -> None:
    """Stop `cluster` only: the processes that name its GCS port (GCS, raylets, agents, log monitors) and their
    children (the workers), so that other Ray clusters on a shared machine keep running. Without a cluster:
    `ray stop --force` (every Ray process of this machine)."""
    if cluster is None:
        subprocess.run([RAY, "stop", "--force"], capture_output=True, env=cluster_env(), timeout=120, check=False)
        return
    import psutil

    procs = _cluster_processes(cluster.address.rsplit(":", 1)[1])
    procs += [c for p in procs for c in _children(p)]
    for proc in procs:
        _signal(proc, signal.SIGTERM)
    _, alive = psutil.wait_procs(procs, timeout=10)
    for proc in alive:
        _signal(proc, signal.SIGKILL)
    psutil.wait_procs(alive, timeout=10)


def _cluster_processes(port: str) -> list:
    import psutil

    mine = (f"--gcs_server_port={port}",)
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        args = proc.info["cmdline"] or []
        if any(a in mine or (a.startswith("--gcs-address=") and a.endswith(f":{port}")) for a in args):
            found.append(proc)
    return found


def _children(proc) -> list:
    import psutil

    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _signal(proc, sig: int) -> None:
    import psutil

    try:
        proc.send_signal(sig)
    except psutil.Error:
        pass
