"""Line-delimited JSON framing shared by the host and the sandbox child, and the host's checks of the child.

One message per line, UTF-8 JSON (newlines inside strings are escaped by JSON, so a line is a message).
Messages:
  host -> child: {"t": "exec", "code", "max_output", "cpu_s", "step"} | {"t": "reply", "n", "ok", "value"|"error"}
                 | {"t": "set", "name", "value"} | {"t": "shutdown"}
  child -> host: {"t": "ready", "pid", "layers"} | {"t": "call", "fn", "args"}
                 | {"t": "done", "step", "ok", "error", "stdout", "truncated", "output_chars", "final", "questions"}
Only plain data crosses the pipe: the child never receives host objects and vice versa.

The host trusts nothing the child sends (it may run code that has escaped every Python guard): `checked`
validates the type of every field, sizes and nesting depth, and replaces undecodable text. Anything else is a
`ProtocolError`, which the host answers by restarting the child, never with a traceback.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sro.jsontypes import JSON, JSONObject

MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # a child that sends more is killed (protects host memory)
MAX_DEPTH = 64  # nesting of lists/dicts in call arguments
MAX_FN_CHARS = 64
MAX_QUESTIONS, MAX_QUESTION_CHARS = 20, 500
_SURROGATES = re.compile("[\ud800-\udfff]")


class ProtocolError(Exception):
    """A malformed, oversized or unexpected message crossed the pipe."""


def encode(message: JSONObject) -> bytes:
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8", "replace")


def decode(line: bytes) -> JSONObject:
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProtocolError(f"malformed message: {str(exc)[:200]}") from None
    if not isinstance(message, dict) or not isinstance(message.get("t"), str):
        raise ProtocolError("message without a type")
    return message


def clean_text(value: str) -> str:
    """Lone surrogates (valid in JSON escapes, invalid in UTF-8) become U+FFFD instead of failing later."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", value)


def plain(value: JSON, depth: int = 0) -> JSON:
    """A copy of JSON data with clean strings; ProtocolError when nested deeper than MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise ProtocolError(f"data nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): plain(v, depth + 1) for k, v in value.items()}
    return value  # int, float, bool, None: all json.loads can produce


def _field(message: JSONObject, name: str, kind: type | tuple[type, ...], default: JSON = None) -> Any:
    value = message.get(name, default)
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise ProtocolError(f"field {name!r} of a {message['t']!r} message has the wrong type")
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _capped(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = clean_text(text)
    return text if len(text) <= limit else text[:limit] + f"\n[cut at {limit:,} characters]"


def checked_call(message: JSONObject) -> tuple[str, list[Any]]:
    fn = _field(message, "fn", str)
    if len(fn) > MAX_FN_CHARS:
        raise ProtocolError("primitive name too long")
    return fn, plain(_field(message, "args", list, []))


def checked_done(message: JSONObject, max_output: int, max_final: int, max_error: int) -> dict[str, Any]:
    questions = _field(message, "questions", (list, type(None)))
    if questions is not None:
        questions = [clean_text(q)[:MAX_QUESTION_CHARS] for q in questions[:MAX_QUESTIONS] if isinstance(q, str)]
    return {
        "ok": _field(message, "ok", bool, False), "error": _capped(_field(message, "error", (str, type(None))),
                                                                   max_error),
        "stdout": clean_text(_field(message, "stdout", str, ""))[:max_output],
        "truncated": _field(message, "truncated", bool, False),
        "output_chars": max(0, _field(message, "output_chars", int, 0)),
        "final": _capped(_field(message, "final", (str, type(None))), max_final), "questions": questions,
    }


def checked_ready(message: JSONObject) -> dict[str, str]:
    if message["t"] != "ready":
        raise ProtocolError(f"expected 'ready', got {message['t'][:40]!r}")
    layers = _field(message, "layers", dict, {})
    return {clean_text(str(k))[:40]: clean_text(str(v))[:200] for k, v in list(layers.items())[:20]}
