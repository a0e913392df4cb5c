"""Sandbox limits and the child's launch recipe (command line, scrubbed environment, user)."""

from __future__ import annotations

import importlib.util
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
    host_s: float | None = None  # host time serving data primitives per step; None = timeout_s
    max_final_chars: int = 200_000  # a longer answer is cut (the host never holds more of it)
    max_error_chars: int = 4_000
    require_os_isolation: bool = False  # refuse to start when an OS layer is unavailable (sro.toml [sandbox])

    @property
    def host_budget_s(self) -> float:
        return self.host_s if self.host_s is not None else self.timeout_s


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

    paths = [str(Path(sro.__file__).resolve().parents[1]), str(Path(RestrictedPython.__file__).resolve().parents[1])]
    spec = importlib.util.find_spec("pyseccomp")  # found, not imported: its import spawns ldconfig
    if spec is not None and spec.origin:
        paths.append(str(Path(spec.origin).resolve().parent))  # else the child reports seccomp unavailable
    return list(dict.fromkeys(paths))


BOOT = "import sys; sys.path[:0] = {paths!r}; from sro.rlm.child import main; main(sys.argv[1:])"


def child_command(limits: SandboxLimits, scratch: str, layers: tuple[str, ...], extra: tuple[str, ...] = ()
                  ) -> list[str]:
    # -I: ignore PYTHON* variables, user site-packages and the current directory; -S: skip site-packages
    # processing (.pth files, editable finders) - faster start, and only the paths the child needs.
    return [sys.executable, "-I", "-S", "-c", BOOT.format(paths=_import_paths()),
            str(limits.memory_mb), str(limits.cpu_s), str(limits.fsize_bytes), scratch, ",".join(layers),
            str(os.getpid()), *extra]
