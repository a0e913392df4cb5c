"""A real Oxigraph SPARQL server for tests: `oxigraph serve` on a free loopback port, stopped afterwards."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


class OxigraphServer:
    def __init__(self) -> None:
        self.binary = oxigraph_binary()
        self.proc: subprocess.Popen | None = None
        self.dir = tempfile.mkdtemp(prefix="oxigraph-test-")
        self.url = ""

    def __enter__(self) -> "OxigraphServer":
        if self.binary is None:
            raise RuntimeError("oxigraph binary not found")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([self.binary, "serve", "--location", self.dir, "--bind", f"127.0.0.1:{port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited: {self.proc.stderr.read().decode()[:500]}")
            try:
                httpx.get(self.url + "/query", params={"query": "ASK {}"}, timeout=1.0)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("oxigraph serve did not start within 30 s")

    def clear(self) -> None:
        httpx.post(self.url + "/update", content=b"CLEAR ALL",
                   headers={"Content-Type": "application/sparql-update"}, timeout=30).raise_for_status()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
