"""Sandbox child process, started by the host (limits.child_command) with its limits, scratch directory and layers.

Trusted bootstrap, then a loop serving `exec` requests from the host over stdin/stdout. Before any model
code runs it moves the protocol pipes off fds 0/1 (so nothing but the protocol reaches the host), imports
everything model code may use, closes itself in with the OS layer (isolation.py: namespaces, own uid,
Landlock, seccomp) and applies its resource limits (address space, CPU, file size, open files, no new
processes). Imports are kept to the standard library, RestrictedPython and pyseccomp so the child starts fast.
"""

from __future__ import annotations

import importlib
import os
import resource
import sys
from typing import TYPE_CHECKING, Any, BinaryIO

from sro.rlm.protocol import ProtocolError, decode, encode

if TYPE_CHECKING:
    from sro.jsontypes import JSONObject


# Imported before the OS layer closes the filesystem: afterwards only these and the stdlib can be imported.
PRELOAD = ("math", "re", "json", "statistics", "collections", "collections.abc", "itertools", "functools",
           "datetime", "random", "textwrap", "heapq", "bisect", "unicodedata", "difflib", "fractions",
           "_strptime", "time", "encodings.idna", "linecache", "traceback")
BREACH = "breach-test"  # argv marker: run code with real builtins (tests of the OS layer only, see tests/)
BREACH_PRELOAD = ("socket", "errno", "signal", "ctypes")  # what an attacker past the Python layer would want


def readable_paths() -> list[str]:
    """What the child may read once isolated: the standard library and the two packages it runs."""
    import RestrictedPython

    import sro

    stdlib = os.path.dirname(os.__file__)
    return [stdlib, os.path.dirname(RestrictedPython.__file__), os.path.dirname(sro.__file__),
            "/usr/share/zoneinfo", "/etc/localtime"]


def apply_limits(memory_mb: int, cpu_s: int, fsize_bytes: int) -> None:
    """Hard limits for the child's whole life; the CPU soft limit is re-armed per step."""
    limits = [
        (resource.RLIMIT_AS, memory_mb * 1024 * 1024),
        (resource.RLIMIT_FSIZE, fsize_bytes),
        (resource.RLIMIT_NPROC, 0),  # fork/clone fail with EAGAIN (the host drops root first)
        (resource.RLIMIT_NOFILE, 64),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in limits:
        resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))


def arm_cpu(step_cpu_s: int) -> None:
    """Soft CPU limit = CPU used so far + this step's allowance (SIGXCPU ends the child if exceeded)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime) + 1
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = spent + step_cpu_s
    resource.setrlimit(resource.RLIMIT_CPU, (min(soft, hard) if hard >= 0 else soft, hard))


class Channel:
    def __init__(self, reader: BinaryIO, writer: BinaryIO):
        self.reader, self.writer, self.seq = reader, writer, 0

    def send(self, message: JSONObject) -> None:
        self.writer.write(encode(message))
        self.writer.flush()

    def recv(self) -> JSONObject:
        line = self.reader.readline()
        if not line:
            os._exit(0)  # the host went away: nothing left to serve
        return decode(line)

    def call(self, fn: str, *args: JSON) -> Any:
        from sro.rlm.proxies import PrimitiveError

        self.seq += 1
        try:
            data = encode({"t": "call", "id": self.seq, "fn": fn, "args": list(args)})
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{fn}(): arguments must be plain data (str, int, float, bool, None, list, "
                            f"dict): {exc}") from None
        self.writer.write(data)
        self.writer.flush()
        reply = self.recv()  # the host numbers replies with its own counter of this child's calls
        if reply.get("t") != "reply" or reply.get("n") != self.seq:
            raise ProtocolError(f"unexpected reply to {fn}")
        if reply.get("ok"):
            return reply.get("value")
        raise PrimitiveError(f"{fn}: {reply.get('error')}")


def _take_pipes() -> Channel:
    """Keep the protocol on private fds and point 0/1 at /dev/null."""
    reader = os.fdopen(os.dup(0), "rb")
    writer = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdin = sys.stdout = None  # type: ignore[assignment]
    return Channel(reader, writer)


def _breach_exec(code: str) -> dict[str, Any]:
    """Test-only: run code with the real builtins, as if the Python layer had already fallen."""
    import builtins

    scope: dict[str, Any] = {"__builtins__": builtins, "__name__": "breach"}
    try:
        exec(compile(code, "<breach>", "exec"), scope)  # noqa: S102 - the point of the test
        return {"t": "done", "ok": True, "error": None, "stdout": str(scope.get("result", ""))}
    except BaseException as exc:  # noqa: BLE001
        return {"t": "done", "ok": False, "error": f"{type(exc).__name__}: {exc}", "stdout": ""}


def main(argv: list[str]) -> None:
    memory_mb, cpu_s, fsize = (int(a) for a in argv[:3])
    scratch, layers, host_pid = argv[3], tuple(filter(None, argv[4].split(","))), int(argv[5])
    breach = argv[6:] == [BREACH]
    channel = _take_pipes()
    from sro.rlm import isolation, proxies
    from sro.rlm.runtime import Runtime

    runtime = Runtime(memory_mb)
    runtime.install(proxies.build(channel.call, runtime))
    for name in PRELOAD + (BREACH_PRELOAD if breach else ()):
        importlib.import_module(name)
    os.chdir(scratch)
    report = isolation.apply(layers, scratch, readable_paths(), host_pid)
    apply_limits(memory_mb, cpu_s, fsize)
    channel.send({"t": "ready", "pid": os.getpid(), "layers": report})
    while True:
        message = channel.recv()
        kind = message.get("t")
        if kind == "shutdown":
            return
        if kind == "set":  # host-provided input data, e.g. rlm_query's context
            name = str(message.get("name", ""))
            if name.isidentifier() and not name.startswith("_"):
                runtime.globals[name] = message.get("value")
            channel.send({"t": "done", "ok": True, "error": None, "stdout": ""})
        elif kind == "exec":
            arm_cpu(int(message.get("cpu_s") or cpu_s))
            code = str(message.get("code", ""))
            done = _breach_exec(code) if breach else runtime.execute(code, int(message.get("max_output", 20_000)))
            channel.send({**done, "step": message.get("step")})


if __name__ == "__main__":
    main(sys.argv[1:])
