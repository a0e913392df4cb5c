"""Structured output: clean, repair, validate, re-ask once, then a typed error."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from sro.llm.structured import choose_mode, extract_json, parse, Unparseable
from sro.llm.types import StructuredOutputError
from sro.workspace import Workspace


class Triple(BaseModel):
    subject: str
    predicate: str
    object: str
    confidence: float


GOOD = '{"subject": "panel", "predicate": "made_by", "object": "Acme", "confidence": 0.9}'


@pytest.fixture
def ws(tmp_path, llm_server):
    w = Workspace.open(tmp_path / "ws", {"worker": llm_server.role(), "judge": llm_server.role(
        "openai/judge", structured_mode="tool")})
    yield w
    w.close()


def test_prompt_mode_states_the_schema_and_validates(ws, llm_server):
    llm_server.add(r"Extract", GOOD)
    triple = ws.llm.structured("worker", "Extract one triple", Triple)
    assert triple == Triple(subject="panel", predicate="made_by", object="Acme", confidence=0.9)
    system = llm_server.requests[0]["messages"][0]
    assert system["role"] == "system" and '"confidence"' in system["content"]


def test_think_blocks_fences_and_broken_json_are_repaired(ws, llm_server):
    messy = ("<think>the user wants JSON {not this}</think>Sure! Here it is:\n```json\n"
             "{'subject': 'panel', 'predicate': 'made_by', 'object': 'Acme', 'confidence': 0.9,}\n```")
    llm_server.add(r"Extract", messy)
    assert ws.llm.structured("worker", "Extract", Triple).object == "Acme"
    assert llm_server.count() == 1  # repaired, no re-ask needed


def test_invalid_answer_is_re_asked_once_with_the_error(ws, llm_server):
    llm_server.add(r"That reply was invalid", GOOD)
    llm_server.add(r"Extract", '{"subject": "panel", "predicate": "made_by"}')
    triple = ws.llm.structured("worker", "Extract", Triple)
    assert triple.confidence == 0.9 and llm_server.count() == 2
    reask = llm_server.requests[1]["messages"]
    assert reask[-2]["role"] == "assistant" and "object" in reask[-1]["content"]


def test_second_failure_raises_typed_error(ws, llm_server):
    llm_server.default("I cannot produce JSON, sorry.")
    with pytest.raises(StructuredOutputError, match="Triple after a re-ask") as err:
        ws.llm.structured("worker", "Extract", Triple)
    assert err.value.raw == "I cannot produce JSON, sorry." and llm_server.count() == 2


def test_truncated_json_is_re_asked(ws, llm_server):
    llm_server.add(r"That reply was invalid", GOOD)
    llm_server.add(r"Extract", '{"subject": "panel", "predicate": "ma', finish_reason="length")
    assert ws.llm.structured("worker", "Extract", Triple).subject == "panel"
    assert llm_server.count() == 2


def test_tool_mode_forces_a_function_call(ws, llm_server):
    llm_server.add(r"Judge", GOOD)
    triple = ws.llm.structured("judge", "Judge this", Triple)
    assert triple.object == "Acme"
    req = llm_server.requests[0]
    assert req["tool_choice"]["function"]["name"] == "Triple"
    assert req["tools"][0]["function"]["parameters"]["required"] == ["subject", "predicate", "object",
                                                                     "confidence"]


def test_json_schema_mode_sends_response_format(ws, llm_server):
    llm_server.add(r"Extract", GOOD)
    ws.llm.structured("worker", "Extract", Triple, mode="json_schema")
    fmt = llm_server.requests[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"]["title"] == "Triple"


def test_mode_choice_follows_litellm_capabilities():
    assert choose_mode("openai/gpt-4o-mini", "auto") == "json_schema"
    assert choose_mode("openai/some-local-model", "auto") == "prompt"
    assert choose_mode("openai/some-local-model", "tool") == "tool"


def test_parse_helpers():
    assert json.loads(extract_json("noise ```json\n[1, 2]\n``` tail")) == [1, 2]
    assert parse(f"[{GOOD}]", Triple).subject == "panel"  # a one-element list is unwrapped
    with pytest.raises(Unparseable, match="confidence"):
        parse('{"subject": "a", "predicate": "b", "object": "c", "confidence": "high"}', Triple)
    with pytest.raises(Unparseable, match="no JSON"):
        parse("<think>only thoughts", Triple)
