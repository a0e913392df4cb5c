"""Per-model rate limits: calls in flight, requests per minute, tokens per minute.

Limiters are keyed by model (not role) because providers limit per model and key. asyncio primitives
belong to one event loop, so a limiter is rebuilt when it is first used from a different loop (the sync
wrappers run each call in a fresh loop).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator

WINDOW_S = 60.0


class _Window:
    """Sliding one-minute window of (time, amount); `wait` blocks until `amount` more fits under `limit`."""

    def __init__(self, limit: int):
        self.limit = limit
        self.events: deque[tuple[float, int]] = deque()
        self.total = 0

    def _expire(self, now: float) -> None:
        while self.events and now - self.events[0][0] >= WINDOW_S:
            self.total -= self.events.popleft()[1]

    async def acquire(self, amount: int) -> None:
        amount = min(amount, self.limit)  # one oversized request must still be able to go
        while True:
            now = time.monotonic()
            self._expire(now)
            if self.total + amount <= self.limit:
                self.events.append((now, amount))
                self.total += amount
                return
            await asyncio.sleep(max(0.01, WINDOW_S - (now - self.events[0][0])))


class ModelLimiter:
    def __init__(self, max_concurrency: int, rpm: int | None, tpm: int | None):
        self.sem = asyncio.Semaphore(max(1, max_concurrency))
        self.rpm = _Window(rpm) if rpm else None
        self.tpm = _Window(tpm) if tpm else None
        self.loop = asyncio.get_running_loop()

    @asynccontextmanager
    async def slot(self, est_tokens: int) -> AsyncIterator[None]:
        async with self.sem:
            if self.rpm:
                await self.rpm.acquire(1)
            if self.tpm:
                await self.tpm.acquire(est_tokens)
            yield


class Limiters:
    """Shared by a client and all its scoped views."""

    def __init__(self) -> None:
        self._by_model: dict[str, ModelLimiter] = {}

    def get(self, model: str, max_concurrency: int, rpm: int | None, tpm: int | None) -> ModelLimiter:
        limiter = self._by_model.get(model)
        if limiter is None or limiter.loop is not asyncio.get_running_loop():
            limiter = self._by_model[model] = ModelLimiter(max_concurrency, rpm, tpm)
        return limiter
