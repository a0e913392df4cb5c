"""Structured output: ask for a pydantic model, get a validated instance or a typed error.

Mode is chosen per model: `json_schema` (response_format with the schema) when litellm reports
response-schema support, `tool` (a forced function call whose arguments are the object) when it reports
function calling, else `prompt` (the schema is stated in a system message). Whatever comes back is cleaned
(`<think>` blocks, code fences, prose around the object), repaired with json-repair and validated.
"""

from __future__ import annotations

import json
import re
import weakref
from typing import Any

from json_repair import repair_json
from pydantic import BaseModel, ValidationError

from sro.llm import backend

MODES = ("json_schema", "tool", "prompt")
THINK = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.S | re.I)
FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)(?:```|\Z)", re.S)


class Unparseable(ValueError):
    """The answer could not be turned into the schema; the message is fed back to the model."""


def choose_mode(model: str, configured: str) -> str:
    if configured in MODES:
        return configured
    if backend.supports(model, "response_schema"):
        return "json_schema"
    if backend.supports(model, "function_calling"):
        return "tool"
    return "prompt"


def _name(schema: type[BaseModel]) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "_", schema.__name__)[:64] or "result"


_SCHEMAS: "weakref.WeakKeyDictionary[type[BaseModel], str]" = weakref.WeakKeyDictionary()


def json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """`schema.model_json_schema()`, generated once per class (pydantic rebuilds it on every call, ~7 ms for
    the triples schema); each caller gets a fresh dict."""
    text = _SCHEMAS.get(schema)
    if text is None:
        text = _SCHEMAS[schema] = json.dumps(schema.model_json_schema())
    return json.loads(text)


def request(messages: list[dict], schema: type[BaseModel], mode: str) -> tuple[list[dict], dict[str, Any]]:
    """Messages and extra params that ask for `schema` in `mode`."""
    js = json_schema(schema)
    if mode == "json_schema":
        fmt = {"type": "json_schema", "json_schema": {"name": _name(schema), "schema": js, "strict": False}}
        return messages, {"response_format": fmt}
    if mode == "tool":
        tool = {"type": "function", "function": {"name": _name(schema), "parameters": js,
                                                 "description": f"Return the {schema.__name__} object."}}
        return messages, {"tools": [tool], "tool_choice": {"type": "function", "function": {"name": _name(schema)}}}
    instruction = ("Reply with only one JSON object (no prose, no code fence) that validates against this "
                   f"JSON schema:\n{json.dumps(js, ensure_ascii=False)}")
    return with_system(messages, instruction), {}


def with_system(messages: list[dict], text: str) -> list[dict]:
    """`text` added to the conversation's one system message (some local chat templates reject two)."""
    if messages and messages[0].get("role") == "system":
        return [{**messages[0], "content": f"{messages[0]['content']}\n\n{text}"}, *messages[1:]]
    return [{"role": "system", "content": text}, *messages]


def extract_json(text: str) -> str:
    """Strip reasoning blocks and fences; keep the outermost JSON object or array."""
    text = THINK.sub("", text).strip()
    fence = FENCE.search(text)
    if fence:
        text = fence.group(1).strip()
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if starts:
        text = text[min(starts):]
    return text


def parse(text: str, schema: type[BaseModel]) -> BaseModel:
    """Validated instance, or Unparseable with a message the model can act on."""
    body = extract_json(text)
    if not body:
        raise Unparseable("the reply contained no JSON object")
    try:
        data = json.loads(body)
    except ValueError:
        data = repair_json(body, return_objects=True)
        if data in ("", None):
            raise Unparseable("the reply is not JSON and could not be repaired") from None
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
        data = data[0]  # some models wrap the object in a list
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors())
        raise Unparseable(f"the JSON does not match the schema: {problems}") from None


def reask(messages: list[dict], answer: str, problem: str) -> list[dict]:
    return [*messages, {"role": "assistant", "content": answer},
            {"role": "user", "content": f"That reply was invalid: {problem}. Reply again with only the corrected "
                                        "JSON object."}]
