"""The reader's side of a live workspace: find the holder and run a command line in it.

This is all a forwarded read command imports besides the standard library's json and socket (see
sro.commands.fast): on a busy machine every millisecond of a reader's start-up CPU becomes several of wall time.
The wire format is described in sro.live.relay, which serves it.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import struct
import sys

HOLDER_FILE = "holder.json"
PATH_OPTIONS = frozenset({"--output", "-o", "--file", "-f"})  # read commands' file options (export, query)
HEADER = struct.Struct(">cI")  # a frame: kind byte (o stdout, e stderr, x exit code), payload length
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def holder(root: str | os.PathLike) -> dict | None:
    """What `<workspace>/holder.json` says, or None while it is missing or half-written."""
    try:
        with open(os.path.join(os.path.realpath(root), HOLDER_FILE), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def absolute_paths(argv: list[str]) -> list[str]:
    """File options made absolute: the holder runs the command in its own working directory."""
    out = list(argv)
    for i, token in enumerate(out):
        name, eq, value = token.partition("=")
        if eq and name in PATH_OPTIONS and value not in ("", "-"):
            out[i] = f"{name}={os.path.abspath(value)}"
        elif i and out[i - 1] in PATH_OPTIONS and token != "-":
            out[i] = os.path.abspath(token)
    return out


def forward(path: str, argv: list[str], out: io.BufferedIOBase | None = None,
            err: io.BufferedIOBase | None = None) -> int | None:
    """Run argv in the holder; its output goes to ours (or to `out`/`err`). None when the holder is gone
    before answering (the caller claims again); 1 when it went away in the middle of an answer."""
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
    except OSError:
        return None
    streams = {b"o": out or sys.stdout.buffer, b"e": err or sys.stderr.buffer}
    strip = {b"o": out is not None or not sys.stdout.isatty(), b"e": err is not None or not sys.stderr.isatty()}
    answered = False
    try:
        with sock, sock.makefile("rwb") as stream:
            stream.write(json.dumps({"argv": argv}).encode() + b"\n")
            stream.flush()
            while header := stream.read(HEADER.size):
                kind, size = HEADER.unpack(header)
                data = stream.read(size)
                if kind == b"x":
                    return int(data)
                answered = True
                streams[kind].write(_ANSI.sub(b"", data) if strip[kind] else data)
                streams[kind].flush()
    except (ConnectionError, struct.error):  # the holder exited (a closed listening socket resets its backlog)
        pass
    if not answered:
        return None
    streams[b"e"].write(b"error: the running command exited while answering; run the command again\n")
    return 1
