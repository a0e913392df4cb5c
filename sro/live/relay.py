"""The holder serves read commands on a unix socket; other invocations forward their argv to it.

Request: one JSON line `{"argv": [...]}`. Reply: frames of one kind byte ("o" stdout, "e" stderr, "x" exit
code) and a 4-byte big-endian length, then the payload. Output streams as the command prints it, so an export
to stdout never sits in memory. The socket file is owner-only (connect needs write permission on it).
"""

from __future__ import annotations

import hashlib
import json
import os
import socketserver
import tempfile
import threading
from pathlib import Path
from typing import Callable

from sro.live import capture
from sro.live.client import HEADER, forward  # noqa: F401 - forward: the client side, kept light for sro.commands.fast

MAX_REQUEST = 1 << 20


def socket_path(root: Path) -> Path:
    """`<workspace>/.live.sock`, or a private temp dir when that path is too long for a unix socket."""
    path = root / ".live.sock"
    if len(str(path)) < 100:
        return path
    folder = Path(tempfile.gettempdir()) / f"sro-live-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / (hashlib.sha256(str(root).encode()).hexdigest()[:24] + ".sock")


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        lock = threading.Lock()

        def send(kind: bytes) -> Callable[[bytes], None]:
            def _send(data: bytes) -> None:
                with lock:
                    self.wfile.write(HEADER.pack(kind, len(data)) + data)
            return _send

        try:
            request = json.loads(self.rfile.readline(MAX_REQUEST))
            argv = request["argv"]
            if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)):
                raise ValueError("argv must be a list of strings")
        except (ValueError, KeyError, TypeError) as exc:
            send(b"e")(f"error: bad live request: {exc}\n".encode())
            send(b"x")(b"2")
            return
        code = self.server.run(argv, capture.Sink(send(b"o")), capture.Sink(send(b"e")))  # type: ignore[attr-defined]
        if code is None:  # the holder is closing: no exit code tells the client to claim again
            return
        try:
            send(b"x")(str(code).encode())
        except OSError:  # the client went away; nothing to tell it
            pass


class RelayServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: Path, run: Callable[[list[str], capture.Sink, capture.Sink], int | None]):
        path.unlink(missing_ok=True)  # a crashed holder's socket; we hold the workspace lock now
        super().__init__(str(path), _Handler)
        os.chmod(path, 0o600)
        self.path, self.run = path, run
        self._thread = threading.Thread(target=self.serve_forever, name="sro-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.path.unlink(missing_ok=True)
