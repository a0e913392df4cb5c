"""A live workspace: reads never wait for a writer.

DuckDB lets one process open a database file for writing and then nobody else, not even read-only; Oxigraph
locks its RocksDB directory the same way. So the first command to open a workspace becomes its *holder*: it
takes an flock on `<workspace>/.live.lock`, writes `holder.json` and serves on a unix socket. A read command
that finds the workspace held sends its argv there and the holder runs it in a thread, on its own open
database and store, streaming the output back; the reader sees everything committed so far. A writer that
finds the workspace held by another writer stops with a one-line message naming that command and its pid, or
queues behind it with `--wait`; held by a reader, it waits for the reader to finish. See docs/live.md.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any, Callable

from sro.live.client import absolute_paths

READS = frozenset({
    "status", "datasets", "search", "grep", "triples", "query", "export", "report", "costs",
    "graph stats", "cache stats", "api",
})
READER_GRACE_S = 60.0  # a writer waits this long for a read command that holds the workspace
_local = threading.local()
ARGV: list[str] | None = None  # the command line of this process, set by sro.commands.cli.main
WAIT = False  # --wait: a writer queues behind the running writer
# Runs a forwarded command line in the holder; the CLI (sro.commands.cli) sets it when loaded, so this
# package does not import the commands above it.
RUN_ARGV: Callable[[list[str]], int] | None = None


def command_of(ctx) -> str:
    """"extract", "graph import", ...: the command path without the program name."""
    return " ".join(ctx.command_path.split()[1:])


def open_workspace(ctx, settings_root: Path | None, overrides: dict[str, object], *, create: bool = False,
                   spec_models: dict[str, object] | None = None):
    """The workspace for a CLI command, held or borrowed; forwards read commands to a running holder."""
    import typer

    from sro.errors import WorkspaceError
    from sro.live import relay
    from sro.live.workspaces import BorrowedWorkspace, HeldWorkspace

    command = command_of(ctx)
    role = "read" if command in READS else "write"
    owner = getattr(_local, "owner", None)
    if owner is not None:
        if role != "read":
            raise WorkspaceError(f"`sro {command}` writes, so it cannot run inside the running command")
        return BorrowedWorkspace(owner)
    ws = HeldWorkspace.open(settings_root, overrides, create=create, spec_models=spec_models)
    if ws.read_only:  # nobody here can write it, so there is no writer to share with and no lock to take
        return ws
    while (other := acquire(ws, command, role)) is not None:
        if ARGV is None:
            raise WorkspaceError(f"workspace {ws.root} is held by `{other.get('command')}` (pid {other.get('pid')})")
        code = relay.forward(other["socket"], [a for a in absolute_paths(ARGV) if a != "--wait"])
        if code is not None:
            raise typer.Exit(code)
        time.sleep(0.05)  # the holder left while we connected: claim again
    return ws


def acquire(ws, command: str, role: str) -> dict | None:
    """Claim the workspace for `ws` (None), or for a read command the holder to forward to."""
    from sro.live import claim as claims
    from sro.live import relay

    root = Path(ws.root).resolve()
    info = claims.holder_info(f"sro {command}", role, str(relay.socket_path(root)))
    started = time.monotonic()
    if role == "write":
        claims.want(root)
    try:
        return _claim_loop(ws, root, info, role, started)
    finally:
        if role == "write":
            claims.unwant(root)


def _claim_loop(ws, root: Path, info: dict, role: str, started: float) -> dict | None:
    from sro.errors import WorkspaceBusy, WorkspaceError
    from sro.live import claim as claims

    while True:
        held = claims.try_claim(root, info, block=WAIT and role == "write")
        if held is not None:
            _serve(ws, held)
            if role == "write" and ARGV is not None:
                yield_cpu(ws.settings.writer_nice)
            return None
        other = claims.holder(root)
        if other is None:  # the holder is starting or just left
            if time.monotonic() - started > 10:
                raise WorkspaceError(f"workspace {root} is locked by a process that does not answer")
            time.sleep(0.05)
        elif role == "read":
            return other
        elif other.get("role") == "read" and time.monotonic() - started < READER_GRACE_S:
            time.sleep(0.1)
        else:
            raise WorkspaceBusy(
                f"workspace {root} is busy: `{other.get('command')}` (pid {other.get('pid')}) is writing to it; "
                "read commands still work, or add --wait to run after it")


def yield_cpu(nice: int) -> None:
    """Run this thread, and the threads and processes it starts from now on, at `nice`: a writer's work then
    yields the CPU to the reads it serves, whose relay threads were started before and keep their priority
    (on Linux the nice value is per thread; elsewhere it is the process's). Only in a CLI process, which ends
    with its command: without privileges a priority can be lowered but never raised back."""
    import os

    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, max(nice, os.getpriority(os.PRIO_PROCESS, 0)))


def _serve(ws, held) -> None:
    from sro.live import claim as claims
    from sro.live import relay
    from sro.live.workspaces import Serving

    if held.serving is None:
        held.serving = Serving()
    held.serving.workspaces.append(ws)
    ws.claim = held
    if held.server is None:
        held.server = relay.RelayServer(Path(held.info["socket"]), lambda argv, out, err: _run(held, argv, out, err))
        claims.publish(held)


def _run(held, argv: list[str], out, err) -> int | None:
    """Run a forwarded command line in this (the holder's) process, its output going to the client. None
    when the holder is closing: the client then claims the workspace again."""
    from sro.live import capture

    try:
        owner = held.serving.enter()
    except LookupError:
        return None
    capture.install()
    _local.owner = owner
    try:
        with capture.captured(out, err):
            return _run_argv(argv)
    finally:
        _local.owner = None
        held.serving.leave()


def _run_argv(argv: list[str]) -> int:
    import sys

    if RUN_ARGV is None:
        sys.stderr.write("error: this process holds the workspace without the sro CLI loaded; run the command later\n")
        return 1
    return RUN_ARGV(argv)
