"""One executor for a run of RLM sessions (a campaign, `sro extract --strategy rlm`): every session's
extract_triples hands its chunks to it (sro.triples.stage.extraction).

`local` changes nothing: each session runs its TripleStage in this process, as before. With `processes` or
`ray` the executor is started on the first extract_triples call (in a thread: the event loop, which runs the
other sessions, never waits for Ray to start) and closed by `close()`, which the run calls at its end, also on
an error or an interrupt. A call's chunks go to the workers in batches of `batch_chunks` (0: one batch per
call, as `local` stores them), submitted together; each batch's result is awaited off the loop and stored in
order, on the loop, by the session's own PreparedStage with the campaign and node tags (DuckDB and the graph
keep one writer: this process). A batch whose worker failed is stored as a failed chunk (left pending), as in
`sro extract`.

Offline extraction only: with a worker model configured, `check()` refuses (`sro extract --executor ray`
sends model calls to Ray workers through a reply broker the driver serves while it waits, and a campaign's
calls need their campaign and node tags and budgets, which that path does not carry).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable, TypeVar

from sro.errors import ConfigError
from sro.triples.executors import KINDS, PreparedStage, make_executor
from sro.triples.result import StageResult
from sro.triples.stage import TripleStage

if TYPE_CHECKING:
    from sro.config import ExecutorSettings
    from sro.data.models import Chunk
    from sro.triples.protocols import Executor
    from sro.workspace import Workspace

T = TypeVar("T")


class ExtractionPool:
    """The run's executor settings (sro.toml's [executor] with `overrides` over it, field by field) and, once
    the first batch needs it, the executor itself."""

    def __init__(self, ws: "Workspace", overrides: dict[str, object] | None = None):
        self.ws, self.overrides = ws, dict(overrides or {})
        self._boot: Future | None = None  # the executor, started in a thread
        self._lock = threading.Lock()  # one thread at a time calls the executor (Ray's pool is not thread-safe)
        self.error = ""  # the executor could not start: every later call fails with this at once
        self.closed = False

    @property
    def settings(self) -> "ExecutorSettings":
        return self.ws.settings.executor.model_copy(update=self.overrides)

    @property
    def local(self) -> bool:
        return self.settings.kind == "local"

    def check(self) -> None:
        """Before the run's first session: refuse what cannot run (ConfigError)."""
        kind = self.settings.kind
        if kind not in KINDS:
            raise ConfigError(f"unknown executor {kind!r}; executors are {', '.join(KINDS)}")
        if kind != "local" and not self.ws.settings.worker.offline:
            raise ConfigError(f"executor {kind!r} runs a campaign's (or --strategy rlm's) extraction offline only, "
                              "and a worker model is configured: use executor kind local (the default) for LLM "
                              "extraction, or `sro extract --executor ray` for LLM extraction on Ray")

    def stage(self, pipeline: str) -> TripleStage:
        """A session's stage: TripleStage for `local`, else one that stores what the workers prepared."""
        return (TripleStage if self.local else PreparedStage).for_workspace(self.ws, pipeline)

    async def run(self, stage: TripleStage, chunks: list["Chunk"], campaign: str | None,
                  node: str | None) -> StageResult:
        if not isinstance(stage, PreparedStage):
            return await stage.run(chunks, campaign=campaign, node=node)
        executor = await self._executor()
        size = self.settings.batch_chunks or len(chunks) or 1
        batches = [chunks[i:i + size] for i in range(0, len(chunks), size)]
        handles = []
        for batch in batches:
            docs = stage.documents(batch)  # read here, on the loop: the workspace's connection stays on it
            handles.append(await asyncio.to_thread(self._call, executor.submit, stage.pipeline, batch, docs))
        total = StageResult()
        for batch, handle in zip(batches, handles):
            try:
                await asyncio.wrap_future(executor.ready(handle))
            except Exception:  # noqa: BLE001 - result() says what failed (and sends it again where it can)
                pass
            records = await asyncio.to_thread(self._call, executor.result, handle)
            result = await stage.run_prepared(batch, records, campaign=campaign, node=node)
            if len(batches) == 1:
                return result
            total.merge(result)
        return total

    def _call(self, method: Callable[..., T], *args: object) -> T:
        with self._lock:
            return method(*args)

    async def _executor(self) -> "Executor":
        if self.error or self.closed:
            raise ConfigError(self.error or "the run's executor is closed")
        if self._boot is None:
            cfg = self.settings
            starter = ThreadPoolExecutor(1, thread_name_prefix="sro-executor-start")
            self._boot = starter.submit(make_executor, cfg.kind, ray_address=cfg.ray_address, workers=cfg.workers,
                                        inflight=cfg.inflight)
            starter.shutdown(wait=False)
        try:
            return await asyncio.shield(asyncio.wrap_future(self._boot))
        except Exception as exc:  # noqa: BLE001 - said once, the same for every later call
            self.error = str(exc) if isinstance(exc, ConfigError) else f"the {self.settings.kind} executor did " \
                f"not start: {type(exc).__name__}: {exc}"
            raise ConfigError(self.error) from None

    def close(self) -> None:
        """Close the executor (waiting for one still starting); idempotent."""
        self.closed = True
        boot, self._boot = self._boot, None
        if boot is None or boot.cancel():
            return
        try:
            executor = boot.result()
        except Exception:  # noqa: BLE001 - it never started: nothing to close
            return
        if executor is not None:
            executor.close()
