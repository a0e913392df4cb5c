"""The loopback server itself: rules, times, faults, streaming, counts (other stages rely on it)."""

from __future__ import annotations

import httpx
import litellm

from tests.support.llm_server import ScriptedLLMServer


def _post(server, content, **body):
    payload = {"model": "m", "messages": [{"role": "user", "content": content}], **body}
    return httpx.post(server.base_url + "/chat/completions", json=payload, timeout=10)


def test_rules_times_default_and_counts():
    with ScriptedLLMServer() as server:
        server.add(r"weather", "sunny", times=1)
        server.add(r"weather", lambda req: "rainy " + req["model"])
        server.default("default answer")
        answers = [_post(server, t).json()["choices"][0]["message"]["content"]
                   for t in ("weather?", "weather?", "other")]
        assert answers == ["sunny", "rainy m", "default answer"]
        assert server.count() == 3 and server.count("weather") == 2
        usage = _post(server, "x" * 40).json()["usage"]
        assert usage["prompt_tokens"] == 10 and usage["total_tokens"] == 14  # "default answer": 4


def test_faults():
    with ScriptedLLMServer() as server:
        server.add(r"limit", "slow down", status=429, headers={"Retry-After": "7"})
        server.add(r"garbage", "{not json", raw=True)
        server.add(r"cut", "half an ans", finish_reason="length")
        r = _post(server, "limit")
        assert r.status_code == 429 and r.headers["Retry-After"] == "7"
        assert r.json()["error"]["type"] == "rate_limit_error"
        assert _post(server, "garbage").text == "{not json"
        assert _post(server, "cut").json()["choices"][0]["finish_reason"] == "length"


def test_streaming_through_litellm():
    with ScriptedLLMServer() as server:
        server.default("a streamed answer that is longer than one chunk")
        stream = litellm.completion(model="openai/m", messages=[{"role": "user", "content": "hi"}],
                                    api_base=server.base_url, api_key="k", stream=True)
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
        assert text == "a streamed answer that is longer than one chunk"
        assert server.requests[0]["stream"] is True
