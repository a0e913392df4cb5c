"""A real writer for the live-workspace tests, run in its own process: it holds the workspace through the same
path as `sro ingest`, adds one document and one triple per line read on stdin, and prints "ready N" after each."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import sro.commands.cli  # noqa: F401 - loads the CLI, which the holder runs forwarded read commands with
from sro.data.models import Document
from sro.live import open_workspace


def main(root: str) -> None:
    ctx = SimpleNamespace(command_path="sro ingest docs")
    ws = open_workspace(ctx, root, {}, create=True)
    try:
        n = 0
        while True:
            n += 1
            ws.datasets.add_documents("live", [Document(id=f"doc:{n}", dataset="live", source_uri=f"file:{n}",
                                                        text=f"Document {n} mentions solar panels.")])
            ws.graph._update(f"INSERT DATA {{ <urn:e:{n}> <urn:p:knows> <urn:e:{n + 1}> }}")
            print(f"ready {n}", flush=True)
            if not sys.stdin.readline().strip():
                return
    finally:
        ws.close()


if __name__ == "__main__":
    main(sys.argv[1])
