"""Line-delimited JSON framing shared by the host and the sandbox child.

One message per line, UTF-8 JSON (newlines inside strings are escaped by JSON, so a line is a message).
Messages:
  host -> child: {"t": "exec", "code", "max_output", "cpu_s"} | {"t": "reply", "id", "ok", "value"|"error"}
                 | {"t": "shutdown"}
  child -> host: {"t": "ready", "pid"} | {"t": "call", "id", "fn", "args", "kwargs"}
                 | {"t": "done", "ok", "error", "stdout", "truncated", "output_chars", "final", "questions"}
Only plain data crosses the pipe: the child never receives host objects and vice versa.
"""

from __future__ import annotations

import json
from typing import Any

MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # a child that sends more is killed (protects host memory)


class ProtocolError(Exception):
    """A malformed or oversized message crossed the pipe."""


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from None
    if not isinstance(message, dict) or "t" not in message:
        raise ProtocolError("message without a type")
    return message

