"""A scripted, loopback OpenAI-compatible server for tests and benchmarks.

It runs an aiohttp application on 127.0.0.1 (random port) in a background thread with its own event loop,
so slow answers (`delay_s`) cost no threads and thousands of concurrent calls stay cheap. Tests script it
with rules: a regex searched in the concatenated message contents selects the response. Faults are plain
rules too: `status=429, headers={"Retry-After": "1"}`, `status=500`, `delay_s=5`, `raw=True` (the body
is sent verbatim, e.g. malformed JSON), `finish_reason="length"` (truncated output).

    with ScriptedLLMServer() as server:
        server.add(r"capital of France", "Paris")
        server.add(r"flaky", "busy", status=429, headers={"Retry-After": "0"}, times=2)
        server.default("I don't know")
        ... point litellm at server.base_url ...
        assert server.count(r"flaky") == 3
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from aiohttp import web

Response = Union[str, Callable[[dict], Union[str, tuple[str, str]]]]


@dataclass
class Rule:
    pattern: re.Pattern | None
    response: Response
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] | None = None
    times: int | None = None  # None: unlimited; otherwise the rule retires after this many matches
    finish_reason: str = "stop"
    raw: bool = False
    used: int = 0

    def live(self) -> bool:
        return self.times is None or self.used < self.times


def message_text(request: dict) -> str:
    """Concatenated text of all messages (string contents and text parts)."""
    parts: list[str] = []
    for msg in request.get("messages") or []:
        content = msg.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(p.get("text", "") for p in content if isinstance(p, dict))
    return "\n".join(parts)


def _tokens(text: str) -> int:
    # A deterministic stand-in for a tokenizer: about four characters per token, at least one.
    return max(1, (len(text) + 3) // 4)


@dataclass
class ScriptedLLMServer:
    """Loopback OpenAI-compatible chat server. Use as a context manager or call start()/stop()."""

    host: str = "127.0.0.1"
    port: int = 0
    rules: list[Rule] = field(default_factory=list, repr=False)
    requests: list[dict] = field(default_factory=list, repr=False)
    request_headers: list[dict[str, str]] = field(default_factory=list, repr=False)
    _default: Rule = field(default_factory=lambda: Rule(None, "OK"), repr=False)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ids = 0
        self.in_flight = 0
        self.peak_in_flight = 0  # most requests open at once (to check client concurrency limits)

    # --- scripting -----------------------------------------------------------------------------
    def add(
        self,
        pattern: str | None,
        response: Response,
        *,
        status: int = 200,
        delay_s: float = 0.0,
        headers: dict[str, str] | None = None,
        times: int | None = None,
        finish_reason: str = "stop",
        raw: bool = False,
    ) -> Rule:
        """Add a rule; earlier live rules win. `pattern` None matches every request."""
        rule = Rule(
            re.compile(pattern, re.S) if pattern is not None else None,
            response, status, delay_s, headers, times, finish_reason, raw,
        )
        with self._lock:
            self.rules.append(rule)
        return rule

    def default(self, response: Response, **kwargs: Any) -> None:
        """The answer when no rule matches (default "OK")."""
        self._default = Rule(None, response, **kwargs)

    def reset(self) -> None:
        with self._lock:
            self.rules.clear()
            self.requests.clear()
            self.request_headers.clear()
        self.peak_in_flight = 0
        self._default = Rule(None, "OK")

    def count(self, pattern: str | None = None) -> int:
        """Requests received so far, optionally only those whose messages match `pattern`."""
        with self._lock:
            reqs = list(self.requests)
        if pattern is None:
            return len(reqs)
        rx = re.compile(pattern, re.S)
        return sum(1 for r in reqs if rx.search(message_text(r)))

    def role(self, model: str = "openai/test-worker", key_env: str = "SRO_TEST_KEY", **extra: Any) -> dict:
        """Role overrides pointing at this server, e.g. `Workspace.open(p, {"worker": server.role()})`.
        Pass e.g. `retry_base_s=0.01` to keep retry tests fast. The transport defaults to "litellm" so that
        tests run litellm's real HTTP path (a user's default, "auto", would pick "direct" for this server)."""
        return {"model": model, "base_url": self.base_url, "api_key_env": key_env, "transport": "litellm", **extra}

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "ScriptedLLMServer":
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="llm-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("loopback LLM server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        try:
            fut.result(5)
        except Exception:  # noqa: BLE001 - shutting down anyway
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop = None

    def __enter__(self) -> "ScriptedLLMServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024, reuse_address=True)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()
        loop.close()

    # --- handlers ------------------------------------------------------------------------------
    def _match(self, text: str) -> Rule:
        with self._lock:
            for rule in self.rules:
                if rule.live() and (rule.pattern is None or rule.pattern.search(text)):
                    rule.used += 1
                    return rule
        return self._default

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "scripted", "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": {"message": "invalid JSON body", "type": "invalid_request_error"}},
                                     status=400)
        with self._lock:
            self.requests.append(body)
            self.request_headers.append(dict(request.headers))
        text = message_text(body)
        rule = self._match(text)
        self.in_flight += 1  # only touched on the server's loop thread
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if rule.delay_s:
                await asyncio.sleep(rule.delay_s)
        finally:
            self.in_flight -= 1
        content = rule.response(body) if callable(rule.response) else rule.response
        finish_reason = rule.finish_reason
        if isinstance(content, tuple):  # a callable may choose the finish reason too: (text, "length")
            content, finish_reason = content
        headers = dict(rule.headers or {})
        if rule.raw:
            return web.Response(text=content, status=rule.status, headers=headers, content_type="application/json")
        if rule.status >= 400:
            err = {"error": {"message": content, "type": _error_type(rule.status), "code": str(rule.status)}}
            return web.json_response(err, status=rule.status, headers=headers)
        payload = self._completion(body, text, content, finish_reason)
        if body.get("stream"):
            return await self._stream(request, payload, headers)
        return web.json_response(payload, headers=headers)

    def _completion(self, body: dict, prompt: str, content: str, finish_reason: str) -> dict:
        with self._lock:
            self._ids += 1
            ident = self._ids
        message: dict[str, Any] = {"role": "assistant", "content": content}
        forced = _forced_tool(body)
        if forced:  # answer a forced tool call with the scripted text as the arguments
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": f"call_{ident}", "type": "function",
                "function": {"name": forced, "arguments": content}}]}
            finish_reason = "tool_calls" if finish_reason == "stop" else finish_reason
        prompt_tokens, completion_tokens = _tokens(prompt), _tokens(content or "")
        return {
            "id": f"chatcmpl-{ident}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "scripted"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    async def _stream(self, request: web.Request, payload: dict, headers: dict) -> web.StreamResponse:
        resp = web.StreamResponse(headers={**headers, "Content-Type": "text/event-stream"})
        await resp.prepare(request)
        choice = payload["choices"][0]
        content = choice["message"].get("content") or ""
        base = {k: payload[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
        pieces = [content[i:i + 16] for i in range(0, len(content), 16)] or [""]
        for i, piece in enumerate(pieces):
            delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
            chunk = base | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())
        last = base | {"choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}],
                       "usage": payload["usage"]}
        await resp.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())
        await resp.write_eof()
        return resp


def _forced_tool(body: dict) -> str | None:
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return (choice.get("function") or {}).get("name")
    tools = body.get("tools") or []
    if choice == "required" and len(tools) == 1:
        return tools[0].get("function", {}).get("name")
    return None


def _error_type(status: int) -> str:
    return {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
            404: "not_found_error", 429: "rate_limit_error"}.get(status, "server_error")


def main() -> None:
    """`python -m tests.support.llm_server [--slow-ms 100] [--stdin]`: a standalone loopback server (prints
    its base URL) until interrupted, or with --stdin until stdin closes (benchmarks run it in its own process
    so its CPU does not compete with the client's event loop)."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--slow-ms", type=float, default=100.0, help="delay for prompts containing [slow]")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--stdin", action="store_true", help="stop when stdin closes")
    args = parser.parse_args()
    with ScriptedLLMServer(port=args.port) as server:
        server.add(r"\[slow\]", "slow answer", delay_s=args.slow_ms / 1000)
        server.default("fast answer")
        print(server.base_url, flush=True)
        if args.stdin:
            sys.stdin.read()
        else:
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass


if __name__ == "__main__":
    main()
