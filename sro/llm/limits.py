"""Per-model rate limits: calls in flight, requests per minute, tokens per minute.

Limiters are keyed by model (not role) because providers limit per model and key, and by event loop
because asyncio primitives belong to one loop.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator
from weakref import WeakKeyDictionary

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

    @asynccontextmanager
    async def slot(self, est_tokens: int) -> AsyncIterator[None]:
        async with self.sem:
            if self.rpm:
                await self.rpm.acquire(1)
            if self.tpm:
                await self.tpm.acquire(est_tokens)
            yield


class Limiters:
    """Shared by a client and all its scoped views; one set of limiters per event loop (the sync portal's
    loop and a caller's loop may both be active)."""

    def __init__(self) -> None:
        self._by_loop: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ModelLimiter]] = WeakKeyDictionary()

    def get(self, model: str, max_concurrency: int, rpm: int | None, tpm: int | None) -> ModelLimiter:
        per_model = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        limiter = per_model.get(model)
        if limiter is None:
            limiter = per_model[model] = ModelLimiter(max_concurrency, rpm, tpm)
        return limiter
