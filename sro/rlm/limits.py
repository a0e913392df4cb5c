"""Sandbox limits and the child's launch recipe (command line, scrubbed environment, user)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
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
    max_calls: int = 5_000  # primitive calls per step (their host time does not count against timeout_s)
    start_timeout_s: float = 10.0


def child_env() -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    for name in ENV_ALLOWLIST:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _import_paths() -> list[str]:
    """Where the child finds `sro` and RestrictedPython; passed explicitly so `site` can be skipped."""
    import RestrictedPython

    import sro

    return [str(Path(sro.__file__).resolve().parents[1]),
            str(Path(RestrictedPython.__file__).resolve().parents[1])]


BOOT = "import sys; sys.path[:0] = {paths!r}; from sro.rlm.child import main; main(sys.argv[1:])"


def child_command(limits: SandboxLimits) -> list[str]:
    # -I: ignore PYTHON* variables, user site-packages and the current directory; -S: skip site-packages
    # processing (.pth files, editable finders) - faster start, and only the two paths the child needs.
    return [sys.executable, "-I", "-S", "-c", BOOT.format(paths=_import_paths()),
            str(limits.memory_mb), str(limits.cpu_s), str(limits.fsize_bytes)]
