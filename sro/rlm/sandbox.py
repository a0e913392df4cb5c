"""Host side of the sandbox: start the child, run steps, serve primitive calls, enforce the wall clock.

`Sandbox.run(code, handler)` is synchronous (the session runs it in a thread). The handler serves primitive
calls: `handler(fn, args, host_left_s) -> plain data`, raising to report an error to model code. Time spent
inside the handler does not count against the step's timeout (the child is idle then); time spent serving data
primitives counts against the step's host budget instead, and `host_left_s` is what remains of it. On
timeout, crash or protocol abuse the child is killed and restarted, and the step result says the variables
were lost. Everything the child sends is checked (protocol.py); writes to it never block past the deadline.

Each child gets a private scratch directory (0700, its own uid), its only writable place; the OS layers
(isolation.py) are reported by the child at start. A layer that is unavailable is said once per process, in
one line; `require_os_isolation` turns that into a refusal to start.
"""

from __future__ import annotations

import ctypes
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from sro.errors import SandboxError
from sro.rlm.isolation import LAYERS
from sro.rlm.limits import SandboxLimits, child_command, child_env
from sro.rlm.protocol import (MAX_MESSAGE_BYTES, ProtocolError, checked_call, checked_done, checked_ready, decode,
                              encode)

if TYPE_CHECKING:
    from sro.jsontypes import JSONObject

Handler = Callable[[str, list, float], Any]
LOST = "the sandbox was restarted and all your variables were lost"
MODEL_PRIMITIVES = ("llm_query", "llm_batch", "rlm_query", "extract_triples")  # bounded by budgets, not host_s
log = logging.getLogger("sro.sandbox")
_reported: set[str] = set()  # missing layers already said in this process


def _host_not_dumpable() -> None:
    """PR_SET_DUMPABLE=0 on the host: /proc/<host>/environ, mem and maps become root-only and the host
    cannot be ptraced by processes of its own uid. Once per process; Linux only."""
    if sys.platform.startswith("linux") and "dumpable" not in _reported:
        _reported.add("dumpable")
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE


@dataclass
class CallRecord:
    """One primitive call as the trajectory records it: sizes and timing, never the payloads."""

    fn: str
    arg_chars: int
    result_chars: int
    ms: float
    error: str | None = None


@dataclass
class StepResult:
    ok: bool
    error: str | None
    stdout: str
    truncated: bool = False
    output_chars: int = 0
    final: str | None = None
    questions: list[str] | None = None
    restarted: bool = False
    ms: float = 0.0
    calls: list[CallRecord] = field(default_factory=list)

    def render(self, max_output: int) -> str:
        """What the root model reads: output, truncation note, error."""
        text = self.stdout
        if self.truncated:
            text += (f"\n[output truncated: showing {len(self.stdout):,} of {self.output_chars:,} characters "
                     f"(limit {max_output:,}); print less or summarise in code]")
        if self.error:
            text += ("\n" if text else "") + f"Error: {self.error}"
        return text or "(no output)"


class _LineReader:
    """Reads newline-framed messages from a pipe fd with a timeout (select + own buffer)."""

    def __init__(self, fd: int):
        self.fd, self.buf = fd, bytearray()

    def read(self, timeout: float) -> bytes | None:
        """A line, b"" on EOF, None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            cut = self.buf.find(b"\n")
            if cut >= 0:
                line = bytes(self.buf[: cut + 1])
                del self.buf[: cut + 1]
                return line
            if len(self.buf) > MAX_MESSAGE_BYTES:
                raise ProtocolError(f"message larger than {MAX_MESSAGE_BYTES} bytes")
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return b""
            self.buf += chunk


class Sandbox:
    layers: tuple[str, ...] = LAYERS  # every OS layer; tests of a single layer narrow this in a subclass
    child_extra: tuple[str, ...] = ()

    def __init__(self, limits: SandboxLimits | None = None):
        self.limits = limits or SandboxLimits()
        self.proc: subprocess.Popen | None = None
        self.start_ms = 0.0
        self.restarts = 0
        self.closed = False
        self.layer_report: dict[str, str] = {}
        self.scratch: str | None = None
        self._stderr = None
        self._calls = 0  # this child's primitive calls: the host's own reply numbers
        self._steps = 0  # steps sent to this child: a `done` must carry the current one

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self.closed = False
        _host_not_dumpable()
        t0 = time.perf_counter()
        self._stderr = tempfile.TemporaryFile()
        self.scratch = tempfile.mkdtemp(prefix="sro-sandbox-")  # 0700, chowned to the child's uid by the child
        self._calls = self._steps = 0
        self.proc = subprocess.Popen(
            child_command(self.limits, self.scratch, self.layers, self.child_extra), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._stderr, env=child_env(), close_fds=True, cwd="/",
            start_new_session=True,
        )
        os.set_blocking(self.proc.stdin.fileno(), False)
        self._reader = _LineReader(self.proc.stdout.fileno())
        try:
            line = self._reader.read(self.limits.start_timeout_s)
            self.layer_report = checked_ready(decode(line)) if line else {}
        except ProtocolError:
            line = None
        if not line:
            detail = self._stderr_tail()
            self.kill()
            raise SandboxError(f"the sandbox child did not start{': ' + detail if detail else ''}")
        self._check_layers()
        self.start_ms = (time.perf_counter() - t0) * 1000

    def missing_layers(self) -> dict[str, str]:
        """Requested layers the child could not apply (or did not report), with the reason."""
        states = {name: self.layer_report.get(name, "unavailable: not reported by the child") for name in self.layers}
        return {k: v for k, v in states.items() if not v.startswith("on")}

    def _check_layers(self) -> None:
        missing = self.missing_layers()
        if not missing:
            return
        line = "sandbox: OS isolation incomplete: " + "; ".join(f"{k} {v}" for k, v in missing.items())
        if self.limits.require_os_isolation:
            self.kill()
            raise SandboxError(line + " (sandbox.require_os_isolation is set)")
        if line not in _reported:
            _reported.add(line)
            log.warning(line)

    def kill(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def close(self) -> None:
        self.closed = True  # a step still running in another thread must not restart the child
        if self.proc is not None and self.proc.poll() is None:
            try:
                self._send({"t": "shutdown"}, 1.0)
                self.proc.wait(timeout=1)
            except (OSError, ProtocolError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def restart(self) -> None:
        self.kill()
        self.restarts += 1
        self.start()

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    # --- steps ----------------------------------------------------------------------------------
    def _send(self, message: JSONObject, timeout: float | None = None) -> None:
        self._write(encode(message), time.monotonic() + (timeout or self.limits.start_timeout_s))

    def _write(self, data: bytes, deadline: float) -> None:
        """All of `data` to the child's stdin (non-blocking) before `deadline`, else ProtocolError: a child
        that stops reading cannot hold the host."""
        fd, view = self.proc.stdin.fileno(), memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise ProtocolError("the sandbox stopped reading its input")
            try:
                view = view[os.write(fd, view[: 1 << 16]):]
            except BlockingIOError:
                continue

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, self._stderr.tell() - 2000))
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""

    def set_var(self, name: str, value: JSON) -> None:
        """Bind plain data to a variable in the REPL (used for rlm_query's `context`)."""
        if self.proc is None:
            self.start()
        try:
            self._send({"t": "set", "name": name, "value": value})
            line = self._reader.read(self.limits.start_timeout_s)
            if not line or decode(line).get("t") != "done":
                raise ProtocolError("no acknowledgement")
        except (ProtocolError, OSError) as exc:
            self.restart()
            raise SandboxError(f"could not set variable {name!r} in the sandbox ({exc})") from None

    def run(self, code: str, handler: Handler | None = None, timeout_s: float | None = None) -> StepResult:
        if self.closed:
            raise SandboxError("the sandbox is closed")
        if self.proc is None:
            self.start()
        timeout = timeout_s or self.limits.timeout_s
        t0 = time.perf_counter()
        calls: list[CallRecord] = []
        try:
            self._steps += 1
            self._send({"t": "exec", "code": code, "max_output": self.limits.max_output,
                        "cpu_s": int(timeout) + 1, "step": self._steps}, timeout)
            result = self._serve(handler, timeout, calls)
        except (ProtocolError, OSError) as exc:
            result = self._fail(f"SandboxError: the sandbox broke the protocol ({str(exc)[:300]}); {LOST}")
        result.calls, result.ms = calls, (time.perf_counter() - t0) * 1000
        return result

    def _serve(self, handler: Handler | None, timeout: float, calls: list[CallRecord]) -> StepResult:
        remaining, host_left = timeout, self.limits.host_budget_s
        while True:
            t0 = time.monotonic()
            line = self._reader.read(remaining)
            remaining -= time.monotonic() - t0
            if line is None:
                return self._fail(f"TimeoutError: the step ran longer than {timeout:g} s; {LOST}")
            if line == b"":
                return self._fail(f"SandboxError: the sandbox process died ({self._death()}); {LOST}")
            message = decode(line)
            if message["t"] == "done":
                if message.get("step") != self._steps or type(message.get("step")) is not int:
                    raise ProtocolError("a result that does not belong to this step")
                lim = self.limits
                return StepResult(**checked_done(message, lim.max_output, lim.max_final_chars, lim.max_error_chars))
            if message["t"] != "call":
                raise ProtocolError(f"unexpected message {message['t'][:40]!r}")
            fn, args = checked_call(message)
            t1 = time.monotonic()
            data = self._answer(fn, args, handler, calls, len(line), host_left)
            if fn not in MODEL_PRIMITIVES:
                host_left -= time.monotonic() - t1
                if host_left <= 0:
                    return self._fail(f"TimeoutError: the data calls of this step used more than "
                                      f"{self.limits.host_budget_s:g} s of host time; narrow them (LIMIT, "
                                      f"smaller k, simpler patterns); {LOST}")
            self._write(data, time.monotonic() + max(remaining, 1.0))

    def _answer(self, fn: str, args: list, handler: Handler | None, calls: list[CallRecord], size: int,
                host_left: float) -> bytes:
        self._calls += 1
        t0 = time.perf_counter()
        error = None
        try:
            if handler is None:
                raise SandboxError("no primitives are available in this sandbox (no session)")
            if len(calls) >= self.limits.max_calls:
                raise SandboxError(f"more than {self.limits.max_calls} primitive calls in one step; "
                                   "batch your work (llm_batch, larger k) or split it across turns")
            data = encode({"t": "reply", "n": self._calls, "ok": True, "value": handler(fn, args, host_left)})
        except Exception as exc:  # noqa: BLE001 - any host failure becomes a readable error for the model
            error = str(exc) if isinstance(exc, SandboxError) else f"{type(exc).__name__}: {exc}"
            data = encode({"t": "reply", "n": self._calls, "ok": False, "error": error[:4000]})
        calls.append(CallRecord(fn, size, len(data), (time.perf_counter() - t0) * 1000, error))
        return data

    def _death(self) -> str:
        code = self.proc.wait() if self.proc else None
        if code is not None and code < 0:
            sig = signal.Signals(-code)
            why = {signal.SIGXCPU: "CPU time limit exceeded", signal.SIGKILL: "killed",
                   signal.SIGXFSZ: "file size limit exceeded", signal.SIGSEGV: "crashed"}.get(sig, "signal")
            return f"{sig.name}: {why}"
        return f"exit code {code}"

    def _fail(self, error: str) -> StepResult:
        if self.closed:
            self.kill()
            return StepResult(ok=False, error="SandboxError: the session was closed", stdout="")
        self.restart()
        return StepResult(ok=False, error=error, stdout="", restarted=True)
