"""LLM extraction on Ray workers, through the same client, response cache and budgets as the driver's.

A worker calls the model through an `LLMClient` whose cache and ledger report to a `ReplyBroker` actor; the
driver, the one process with the workspace, serves the broker while it waits for results (`serve`):

- **Cache.** Before a call the worker asks the broker for the prompt's hash (the cache key); the broker answers
  from the replies paid during this run that the driver has not taken yet, else asks the driver, which looks
  the keys up in the workspace's `llm_cache`. A reply the worker pays for goes to the broker at once, so a
  batch retried elsewhere (its worker or node died) finds it there, or in the driver's cache once taken:
  a retried batch pays only for the calls that were in flight when its worker died.
- **Ledger and budgets.** Each paid call's ledger row goes to the broker too; the driver writes it to its
  ledger and counts it in its budgets. Once a budget is exhausted the broker refuses every further lookup
  with that reason, and the workers stop as a local run does (BudgetExceeded: the batch's remaining chunks
  stay pending, the command exits 5).
- **Keys** never travel: a worker reads its key from its own environment (`api_key_env`), so every node
  needs that variable set; the settings sent to workers hold variable names only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from sro.config import Settings
from sro.errors import BudgetExceeded, SROError
from sro.llm.cache import LLMCache
from sro.llm.ledger import Ledger

if TYPE_CHECKING:
    import duckdb
    from ray.actor import ActorHandle

    from pipelines import Pipeline
    from sro.data.models import Chunk, Document
    from sro.llm.client import LLMClient

ROLE = "worker"  # the role that extracts


@dataclass
class LLMWork:
    """What LLM extraction on workers needs: the settings (sent), the gleaning passes (sent) and the driver's
    client (kept on the driver: it serves the cache, the ledger and the budgets)."""

    settings: Settings
    gleaning: int
    client: "LLMClient"


class ReplyBroker:
    """A Ray actor (async) between the workers' clients and the driver."""

    def __init__(self) -> None:
        self.replies: dict[str, dict] = {}  # paid during this run, not yet taken by the driver
        self.waiting: dict[str, asyncio.Future] = {}  # keys asked of the driver
        self.paid: list[dict] = []
        self.rows: list[dict] = []
        self.forgotten: list[str] = []
        self.stop = ""

    async def lookup(self, keys: list[str]) -> tuple[str, dict[str, dict]]:
        """(why calls must stop or "", the cached replies among `keys`)."""
        found = {k: self.replies[k] for k in keys if k in self.replies}
        if self.stop:
            return self.stop, found
        loop = asyncio.get_running_loop()
        asked = {k: self.waiting.setdefault(k, loop.create_future()) for k in keys if k not in found}
        for key, future in asked.items():
            entry = await future
            if entry is not None:
                found[key] = entry
        return self.stop, found

    def report(self, entry: dict | None, row: dict | None) -> None:
        """A paid reply (cache entry) and/or its ledger row."""
        if entry is not None:
            self.replies[entry["key"]] = entry
            self.paid.append(entry)
        if row is not None:
            self.rows.append(row)

    def forget(self, key: str) -> None:
        self.replies.pop(key, None)
        self.forgotten.append(key)

    def take(self) -> tuple[list[str], list[dict], list[dict], list[str]]:
        """For the driver: (keys waiting for an answer, paid replies, ledger rows, forgotten keys)."""
        out = ([k for k, f in self.waiting.items() if not f.done()], self.paid, self.rows, self.forgotten)
        for entry in self.paid:
            self.replies.pop(entry["key"], None)  # the driver's cache answers for them from now on
        self.paid, self.rows, self.forgotten = [], [], []
        return out

    def answer(self, found: dict[str, dict | None]) -> None:
        for key, entry in found.items():
            future = self.waiting.pop(key, None)
            if future is not None and not future.done():
                future.set_result(entry)

    def halt(self, reason: str) -> None:
        self.stop = reason
        self.answer({k: None for k in list(self.waiting)})


def serve(broker: ActorHandle, client: "LLMClient") -> None:
    """One round of the driver's side: take paid replies and ledger rows, answer lookups, enforce budgets."""
    import ray

    asked, paid, rows, forgotten = ray.get(broker.take.remote())
    for row in rows:
        client.adopt_call(row)
    for entry in paid:
        client.cache.put(entry)
    for key in forgotten:
        client.cache.forget(key)
    if asked:
        found = client.cache.get_many(asked)
        ray.get(broker.answer.remote({k: found.get(k) for k in asked}))
    problem = client.budget_problem(ROLE)
    if problem:
        broker.halt.remote(problem)


# --- worker side ---------------------------------------------------------------------------------------------
class BrokerCache(LLMCache):
    """A worker's response cache: its own entries in memory, then the broker (the driver's cache)."""

    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection], broker: ActorHandle):
        super().__init__(cursor)
        self._broker = broker

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        import ray

        found = super().get_many(keys)
        rest = [k for k in keys if k not in found]
        if rest:
            stop, remote = ray.get(self._broker.lookup.remote(rest))
            for key, entry in remote.items():
                self._remember(key, entry)
                found[key] = entry
            if stop and len(found) < len(keys):
                raise BudgetExceeded(stop)
        return found

    def put(self, entry: dict[str, Any]) -> None:
        super().put(entry)
        self._broker.report.remote(entry, None)  # at once: a retry of this batch elsewhere finds it

    def forget(self, key: str) -> None:
        super().forget(key)
        self._broker.forget.remote(key)


class BrokerLedger(Ledger):
    """A worker's ledger: every paid call's row also goes to the driver (its ledger, its budgets)."""

    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection], broker: ActorHandle):
        super().__init__(cursor)
        self._broker = broker

    def record(self, **row: Any) -> None:
        super().record(**row)
        if row.get("status") == "ok" and not row.get("cached"):
            self._broker.report.remote(None, {k: v for k, v in row.items() if k != "ts"})


def worker_client(settings: Settings, broker: ActorHandle) -> "LLMClient":
    """A client over an in-memory DuckDB whose cache and ledger report to the broker."""
    import duckdb

    from sro.llm.client import LLMClient
    from sro.llm.dbwrite import CursorPool

    cursor = CursorPool(duckdb.connect(":memory:"))
    return LLMClient.with_stores(settings, cursor, BrokerCache(cursor, broker), BrokerLedger(cursor, broker))


async def prepare_llm(client: "LLMClient", pipeline: "Pipeline", chunks: list["Chunk"],
                      docs: dict[str, "Document"], gleaning: int) -> dict:
    """Extract one batch with the worker model: the candidates (with their quotes' parses), the extractor's
    errors, failed chunks and budget stop (what the calls cost reaches the driver call by call)."""
    from sro.triples.executors import records_of
    from sro.extract.llm_extractor import LLMExtractor

    started = time.perf_counter()
    extractor = LLMExtractor(client, pipeline, gleaning=gleaning)
    try:
        found = await extractor.run(chunks, docs)
    except SROError as exc:  # auth, connection: every call would fail the same way
        return {"error": str(exc), "error_kind": type(exc).__name__, "chunks": len(chunks),
                "seconds": time.perf_counter() - started}
    return records_of(found.candidates, pipeline, docs) | {
        "errors": found.errors, "failed_chunks": sorted(found.failed_chunks),
        "budget_stop": found.budget_stop, "chunks": len(chunks), "seconds": time.perf_counter() - started}
