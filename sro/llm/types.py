"""Records the LLM layer hands to callers: one completed call, and money/tokens/calls spent."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from sro.errors import LLMError


class Completion(BaseModel):
    """One answered call (from the provider or the cache)."""

    text: str
    model: str
    role: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    cached: bool = False
    finish_reason: str | None = None
    attempts: int = 1  # provider requests made (1 = no retry); 0 for a cache hit
    cache_key: str | None = None  # where the answer is cached (None: not cached)

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


@dataclass
class Spend:
    """What a scope has used. Cache hits are free and not counted."""

    calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0

    def add(self, calls: int = 0, tokens: int = 0, cost_usd: float = 0.0) -> None:
        self.calls += calls
        self.tokens += tokens
        self.cost_usd += cost_usd

    def __add__(self, other: "Spend") -> "Spend":
        return Spend(self.calls + other.calls, self.tokens + other.tokens, self.cost_usd + other.cost_usd)

    def __sub__(self, other: "Spend") -> "Spend":
        return Spend(self.calls - other.calls, self.tokens - other.tokens, self.cost_usd - other.cost_usd)


class StructuredOutputError(LLMError):
    """The model's answer did not validate against the requested schema, even after one re-ask."""

    def __init__(self, message: str, raw: str = ""):
        super().__init__(message)
        self.raw = raw
