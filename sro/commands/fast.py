"""The `sro` entry point. A read command on a workspace that another command holds is forwarded before the
CLI is imported (typer, rich, pydantic and the stages take about a second to import on a busy machine);
everything else, and anything this parser is unsure of, runs the full CLI. Forwarding imports only
sro.live's package module and sro.live.client, so a read costs little more than a bare Python start."""

from __future__ import annotations

import os
import sys

VALUE_OPTIONS = frozenset({"--workspace", "-w", "--ceo-model", "--worker-model", "--judge-model"})
FLAGS = frozenset({"--no-cache"})
GROUPS = frozenset({"graph", "cache"})


def split(argv: list[str]) -> tuple[str, str] | None:
    """(workspace, command) of a command line, or None when it is not a plain command."""
    workspace = None
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        name, eq, value = argv[i].partition("=")
        if name not in VALUE_OPTIONS and argv[i] not in FLAGS:
            return None
        step = 1 if eq or argv[i] in FLAGS else 2
        if name in ("--workspace", "-w"):
            workspace = value if eq else (argv[i + 1] if i + 1 < len(argv) else None)
        i += step
    rest = argv[i:]
    if not rest or "--help" in rest or "--wait" in rest or (i and workspace is None and "-w" in argv[:i]):
        return None
    command = " ".join(rest[:2]) if rest[0] in GROUPS and len(rest) > 1 else rest[0]
    return workspace or os.environ.get("SRO_WORKSPACE") or "sro-workspace", command


def forward(argv: list[str]) -> int | None:
    """The exit code of the read command run by the workspace's holder, or None to run the full CLI."""
    from sro.live import READS
    from sro.live import client

    found = split(argv)
    if found is None or found[1] not in READS:
        return None
    info = client.holder(found[0])
    return None if info is None else client.forward(info["socket"], client.absolute_paths(argv))


def main() -> None:
    try:
        code = forward(sys.argv[1:])
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    if code is not None:
        sys.exit(code)
    from sro.commands.cli import main as cli_main

    cli_main()
