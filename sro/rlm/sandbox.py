"""Host side of the sandbox: start the child, run steps, serve primitive calls, enforce the wall clock.

`Sandbox.run(code, handler)` is synchronous (the session runs it in a thread). The handler serves primitive
calls: `handler(fn, args) -> plain data`, raising to report an error to model code. Time spent inside the
handler does not count against the step's timeout: the child is idle then. On timeout, crash or protocol
abuse the child is killed and restarted, and the step result says the variables were lost.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from sro.errors import SandboxError
from sro.rlm.limits import SandboxLimits, child_command, child_env
from sro.rlm.protocol import MAX_MESSAGE_BYTES, ProtocolError, decode, encode

Handler = Callable[[str, list], Any]
LOST = "the sandbox was restarted and all your variables were lost"


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
    def __init__(self, limits: SandboxLimits | None = None):
        self.limits = limits or SandboxLimits()
        self.proc: subprocess.Popen | None = None
        self.start_ms = 0.0
        self.restarts = 0
        self.closed = False
        self._stderr = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self.closed = False
        t0 = time.perf_counter()
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            child_command(self.limits), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            env=child_env(), close_fds=True, cwd="/", start_new_session=True,
        )
        self._reader = _LineReader(self.proc.stdout.fileno())
        line = self._reader.read(self.limits.start_timeout_s)
        if not line or decode(line).get("t") != "ready":
            detail = self._stderr_tail()
            self.kill()
            raise SandboxError(f"the sandbox child did not start{': ' + detail if detail else ''}")
        self.start_ms = (time.perf_counter() - t0) * 1000

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

    def close(self) -> None:
        self.closed = True  # a step still running in another thread must not restart the child
        if self.proc is not None and self.proc.poll() is None:
            try:
                self._send({"t": "shutdown"})
                self.proc.wait(timeout=1)
            except (OSError, subprocess.TimeoutExpired):
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
    def _send(self, message: dict[str, Any]) -> None:
        self.proc.stdin.write(encode(message))
        self.proc.stdin.flush()

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, self._stderr.tell() - 2000))
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""

    def set_var(self, name: str, value: Any) -> None:
        """Bind plain data to a variable in the REPL (used for rlm_query's `context`)."""
        if self.proc is None:
            self.start()
        self._send({"t": "set", "name": name, "value": value})
        line = self._reader.read(self.limits.start_timeout_s)
        if not line or decode(line).get("t") != "done":
            raise SandboxError(f"could not set variable {name!r} in the sandbox")

    def run(self, code: str, handler: Handler | None = None, timeout_s: float | None = None) -> StepResult:
        if self.closed:
            raise SandboxError("the sandbox is closed")
        if self.proc is None:
            self.start()
        timeout = timeout_s or self.limits.timeout_s
        t0 = time.perf_counter()
        calls: list[CallRecord] = []
        try:
            self._send({"t": "exec", "code": code, "max_output": self.limits.max_output,
                        "cpu_s": int(timeout) + 1})
            result = self._serve(handler, timeout, calls)
        except (ProtocolError, BrokenPipeError, OSError) as exc:
            result = self._fail(f"SandboxError: the sandbox broke the protocol ({exc}); {LOST}")
        result.calls, result.ms = calls, (time.perf_counter() - t0) * 1000
        return result

    def _serve(self, handler: Handler | None, timeout: float, calls: list[CallRecord]) -> StepResult:
        remaining = timeout
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
                return StepResult(
                    ok=bool(message.get("ok")), error=message.get("error"), stdout=message.get("stdout", ""),
                    truncated=bool(message.get("truncated")), output_chars=int(message.get("output_chars", 0)),
                    final=message.get("final"), questions=message.get("questions"),
                )
            if message["t"] != "call":
                raise ProtocolError(f"unexpected message {message['t']!r}")
            data = self._answer(message, handler, calls, len(line))
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def _answer(self, message: dict, handler: Handler | None, calls: list[CallRecord], size: int) -> bytes:
        fn, args, ident = str(message.get("fn")), message.get("args") or [], message.get("id")
        t0 = time.perf_counter()
        error = None
        try:
            if handler is None:
                raise SandboxError("no primitives are available in this sandbox (no session)")
            if len(calls) >= self.limits.max_calls:
                raise SandboxError(f"more than {self.limits.max_calls} primitive calls in one step; "
                                   "batch your work (llm_batch, larger k) or split it across turns")
            data = encode({"t": "reply", "id": ident, "ok": True, "value": handler(fn, args)})
        except Exception as exc:  # noqa: BLE001 - any host failure becomes a readable error for the model
            error = str(exc) if isinstance(exc, SandboxError) else f"{type(exc).__name__}: {exc}"
            data = encode({"t": "reply", "id": ident, "ok": False, "error": error})
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
