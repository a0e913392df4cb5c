"""Per-thread stdout/stderr, so the holder can run a forwarded read command while its own command prints.

`sys.stdout` / `sys.stderr` become a switch that writes to the current thread's sink when one is set and to
the original stream otherwise. rich consoles and click resolve `sys.stdout` at write time, so commands need no
change. Sinks send frames to the forwarding client.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

_local = threading.local()


class _Binary:
    def __init__(self, send: Callable[[bytes], None]):
        self._send = send

    def write(self, data: bytes) -> int:
        self._send(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


class Sink:
    """A text stream whose writes become frames of one kind ("o" stdout, "e" stderr)."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, send: Callable[[bytes], None]):
        self._send = send
        self.buffer = _Binary(send)

    def write(self, text: str) -> int:
        if text:
            self._send(text.encode("utf-8", "replace"))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("forwarded output has no file descriptor")


class _Switch:
    def __init__(self, name: str, original):
        self._name = name
        self._original = original

    def _target(self):
        sinks = getattr(_local, "sinks", None)
        return sinks[self._name] if sinks else self._original

    def __getattr__(self, attr: str):
        return getattr(self._target(), attr)

    def write(self, text):
        return self._target().write(text)

    def flush(self):
        return self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()


def install() -> None:
    """Put the switch in front of sys.stdout/sys.stderr (again, if something replaced it since)."""
    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        if not isinstance(current, _Switch):
            setattr(sys, name, _Switch(name, current))


@contextmanager
def captured(out: Sink, err: Sink) -> Iterator[None]:
    _local.sinks = {"stdout": out, "stderr": err}
    try:
        yield
    finally:
        _local.sinks = None
