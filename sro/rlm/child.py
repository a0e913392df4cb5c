"""Sandbox child process: `python -I -m sro.rlm.child MEMORY_MB CPU_S FSIZE_BYTES`.

Trusted bootstrap, then a loop serving `exec` requests from the host over stdin/stdout. Before any model
code runs it applies its resource limits (address space, CPU, file size, open files, no new processes) and
moves the protocol pipes off fds 0/1 so nothing but the protocol can reach the host. Imports are kept to the
standard library and RestrictedPython so the child starts fast.
"""

from __future__ import annotations

import importlib
import os
import resource
import sys
from typing import Any, BinaryIO

from sro.rlm.protocol import ProtocolError, decode, encode


NOBODY = 65534
# Imported before privileges are dropped: afterwards the interpreter's own files may be unreadable.
PRELOAD = ("math", "re", "json", "statistics", "collections", "collections.abc", "itertools", "functools",
           "datetime", "random", "textwrap", "heapq", "bisect", "unicodedata", "difflib", "fractions",
           "_strptime", "time", "encodings.idna", "linecache", "traceback")


def drop_privileges() -> None:
    """Run as `nobody` when started as root: RLIMIT_NPROC does not bind root, and nobody cannot read the
    host user's files (workspace, keys in dotfiles)."""
    if os.geteuid() != 0:
        return
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


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

    def send(self, message: dict[str, Any]) -> None:
        self.writer.write(encode(message))
        self.writer.flush()

    def recv(self) -> dict[str, Any]:
        line = self.reader.readline()
        if not line:
            os._exit(0)  # the host went away: nothing left to serve
        return decode(line)

    def call(self, fn: str, *args: Any) -> Any:
        from sro.rlm.proxies import PrimitiveError

        self.seq += 1
        try:
            data = encode({"t": "call", "id": self.seq, "fn": fn, "args": list(args)})
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{fn}(): arguments must be plain data (str, int, float, bool, None, list, "
                            f"dict): {exc}") from None
        self.writer.write(data)
        self.writer.flush()
        reply = self.recv()
        if reply.get("t") != "reply" or reply.get("id") != self.seq:
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


def main(argv: list[str]) -> None:
    memory_mb, cpu_s, fsize = (int(a) for a in argv[:3])
    channel = _take_pipes()
    from sro.rlm import proxies
    from sro.rlm.runtime import Runtime

    runtime = Runtime(memory_mb)
    runtime.install(proxies.build(channel.call, runtime))
    for name in PRELOAD:
        importlib.import_module(name)
    os.chdir("/")
    drop_privileges()
    apply_limits(memory_mb, cpu_s, fsize)
    channel.send({"t": "ready", "pid": os.getpid()})
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
            channel.send(runtime.execute(str(message.get("code", "")), int(message.get("max_output", 20_000))))


if __name__ == "__main__":
    main(sys.argv[1:])
