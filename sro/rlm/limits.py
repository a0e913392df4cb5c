"""Sandbox limits and the child's launch recipe (command line, scrubbed environment, user)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

# Environment variables the child may see. An allowlist: anything not named here (API keys, tokens,
# cloud credentials, SRO_* settings) never reaches model code.
ENV_ALLOWLIST = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 30.0  # wall clock per step, time spent serving primitives excluded
    memory_mb: int = 1024  # address space
    cpu_s: int = 3600  # CPU seconds over the child's life (each step is also capped at timeout_s + 1)
    fsize_bytes: int = 1 << 20  # the child writes no files; this caps its stderr log
    max_output: int = 20_000  # characters of stdout returned per step
    start_timeout_s: float = 10.0


def child_env() -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    for name in ENV_ALLOWLIST:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def child_command(limits: SandboxLimits) -> list[str]:
    # -I: ignore PYTHON* variables, user site-packages and the current directory on sys.path.
    return [sys.executable, "-I", "-m", "sro.rlm.child",
            str(limits.memory_mb), str(limits.cpu_s), str(limits.fsize_bytes)]
