"""Where extraction runs: in this process (`local`), in a pool of local processes (`processes`), or on a Ray
cluster (`ray`, sro.triples.ray_pool).

`local` is TripleStage.run as it always was. The other two split each batch in two: a worker parses the
batch's sentences, runs the offline extractor (or, on Ray with a worker model, calls the model: see
sro.triples.remote_llm), parses the candidates' quotes and scores their per-candidate axioms (`prepare`;
sro.judge.prejudged), and returns plain records: the candidates as JSON-ready dicts, their scores, and the
parses of their quotes as one spaCy DocBin. The driver runs the rest of the stage on the worker's candidates
(resolve, the batch and graph axioms, store), taking the worker's scores for every candidate its resolution
left as the worker saw it (the others it scores itself, after putting the worker's parses into its parse
cache): DuckDB and the graph have one writer, the driver, which stores each batch in the order it was read,
one stage call (and one DuckDB commit) per batch, exactly as `local` would (the judge's batch statistics and
the store's corroboration counts see the same batches in the same order, so the facts are the same). A
batch stored twice stores nothing new (deterministic ids), and a batch is marked done only once stored, so
a driver killed mid-run resumes from what is stored.

At most `inflight` batches are out at once (back-pressure: workers never run far ahead of the writer). While
the driver stores (`store_batch`), the cyclic garbage collector waits and DuckDB runs on one thread
(`driver_threads`): the driver is sized to one core.
Faults: a batch whose worker or node died is sent again to a live worker; a batch that still fails is
reported and left pending, never marked done.
"""

from __future__ import annotations

import gc
import os
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from sro.errors import BudgetExceeded, ConfigError, LLMAuthError, LLMConnectionError, SROError
from sro.extract.base import Extraction, Extractor
from sro.nlp.nlp import paused_gc
from sro.triples.protocols import Executor
from sro.triples.result import StageResult
from sro.triples.stage import TripleStage

if TYPE_CHECKING:
    from concurrent.futures import Future

    import duckdb

    from pipelines import Pipeline
    from sro.data.models import Chunk, Document
    from sro.llm.client import LLMClient
    from sro.nlp.models import Candidate
    from sro.triples.remote_llm import LLMWork

KINDS = ("local", "processes", "ray")
RAY_MISSING = "--executor ray needs Ray: pip install 'sro[ray]' (or pip install 'ray[default]==2.60.*')"
SOURCE_ROOT = str(Path(__file__).resolve().parents[2])  # workers import sro and pipelines from here


# --- worker side ---------------------------------------------------------------------------------------------
def prepare(pipeline: "Pipeline", chunks: list["Chunk"], docs: dict[str, "Document"]) -> dict:
    """Parse and extract one batch (no workspace needed): candidates as records, their quotes' parses."""
    from sro.extract.offline import OfflineExtractor

    started, cpu = time.perf_counter(), time.process_time()
    extractor = OfflineExtractor(pipeline)
    try:
        raw = extractor.run_sync(chunks, docs)
    except SROError as exc:
        return {"error": str(exc), "chunks": len(chunks), "seconds": time.perf_counter() - started}
    return records_of(raw, pipeline, docs) | {"chunks": len(chunks), "seconds": time.perf_counter() - started,
                              "cpu_seconds": time.process_time() - cpu}


def records_of(raw: list["Candidate"], pipeline: "Pipeline", docs: dict[str, "Document"]) -> dict:
    """Candidates as JSON-ready dicts, their per-candidate axioms' scores (`judged`: sro.judge.prejudged) and
    the parses of their quotes as one DocBin. The driver takes the scores of the candidates its resolution
    leaves as the worker saw them and judges the others itself, reading the quotes' parses (syntax, and
    entities through `ParseCache.parse`, which completes a doc the same way whenever it is asked): parsed
    on the worker, they are cache hits there."""
    from spacy.tokens import DocBin

    from sro.judge.judge import AxiomJudge
    from sro.nlp.models import Candidate
    from sro.nlp.nlp import shared_cache
    from sro.triples.resolve import Resolver

    quotes = list(dict.fromkeys(c.evidence.quote for c in raw if c.evidence.quote))
    parsed = list(zip(quotes, shared_cache().parse_many(quotes)))
    dumped = [c.model_dump(mode="json") for c in raw]
    # scored as the driver will read them (from JSON), resolved as far as a worker can
    seen = Resolver(pipeline).preview([Candidate.model_validate(c) for c in dumped])
    judge = AxiomJudge(pipeline)
    return {"candidates": dumped, "judged": judge.prejudge(seen, judge.context(docs)),
            "quotes": [q for q, _ in parsed],
            "docbin": DocBin(store_user_data=False, docs=[d for _, d in parsed]).to_bytes()}


def _worker_setup() -> None:
    """One core per worker: no parse-worker helper process, OpenBLAS on one thread."""
    os.environ["SRO_NLP_PROCESSES"] = "1"
    os.environ["OPENBLAS_NUM_THREADS"] = "1"


def _process_prepare(pipeline: "Pipeline", chunks: list["Chunk"], docs: dict[str, "Document"]) -> dict:
    return prepare(pipeline, chunks, docs) | {"node": f"pid{os.getpid()}"}


# --- executors -------------------------------------------------------------------------------------------------
class ProcessExecutor:
    """A pool of local worker processes (spawned, each loads the model once)."""

    kind = "processes"

    def __init__(self, workers: int = 0, inflight: int = 0):
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        self.workers = workers or max(1, len(os.sched_getaffinity(0)))
        self.inflight = inflight or 2 * self.workers
        self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=_worker_setup)

    def submit(self, pipeline: "Pipeline", chunks: list["Chunk"], docs: dict[str, "Document"]) -> Any:
        return self._pool.submit(_process_prepare, pipeline, chunks, docs)

    def ready(self, handle: "Future[dict]") -> "Future[dict]":
        return handle  # the pool's future

    def result(self, handle: Any) -> dict:
        try:
            return handle.result()
        except Exception as exc:  # noqa: BLE001 - a crashed worker process: the batch stays pending
            return {"error": f"worker process failed: {type(exc).__name__}: {exc}"}

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


def make_executor(kind: str, *, ray_address: str | None = None, workers: int = 0, inflight: int = 0,
                  llm: "LLMWork | None" = None) -> Executor | None:
    """The executor for `kind`; None for `local` (TripleStage.run in this process). `llm`: the workers
    extract with the worker model (Ray only)."""
    if kind not in KINDS:
        raise ConfigError(f"unknown executor {kind!r}; executors are {', '.join(KINDS)}")
    if llm is not None and kind == "processes":
        raise ConfigError("--executor processes runs offline extraction only; with a worker model use --executor "
                          "ray (or local)")
    if kind == "processes":
        return ProcessExecutor(workers, inflight)
    if kind == "ray":
        from sro.triples.ray_pool import RayExecutor

        return RayExecutor(None if ray_address in (None, "", "local") else ray_address, inflight, workers=workers,
                           llm=llm)
    return None


# --- driver side -----------------------------------------------------------------------------------------------
class _Prepared:
    """An 'extractor' that returns a worker's candidates (TripleStage calls it like the offline one)."""

    def __init__(self, records: dict):
        self.records = records

    async def run(self, chunks: list["Chunk"], docs: dict[str, "Document"]) -> Extraction:
        from sro.judge.prejudged import Prejudged
        from sro.nlp.models import Candidate

        if "error" in self.records:  # LLM auth and connection errors stop the run, as they do locally
            kind = {c.__name__: c for c in (LLMAuthError, LLMConnectionError, BudgetExceeded)}
            raise kind.get(self.records.get("error_kind", ""), SROError)(self.records["error"])
        records = self.records
        judged = records.get("judged")
        if judged is None:  # a worker that does not judge: the judge reads its parses here
            _adopt_parses(records)
        return Extraction([Candidate.model_validate(c) for c in records["candidates"]],
                          errors=records.get("errors", []), failed_chunks=set(records.get("failed_chunks", [])),
                          budget_stop=records.get("budget_stop", ""),
                          judged=None if judged is None else Prejudged.from_records(judged,
                                                                                    lambda: _adopt_parses(records)))


def _adopt_parses(records: dict) -> None:
    """The worker's parses of the candidates' quotes into this process's cache (the judge reads them)."""
    from spacy.tokens import DocBin

    from sro.nlp.nlp import load_nlp, shared_cache

    cache = shared_cache()
    docs = DocBin().from_bytes(records["docbin"]).get_docs(load_nlp().vocab)
    for quote, doc in zip(records["quotes"], docs):
        if cache.get(quote) is None:
            cache.put(quote, doc)


class PreparedStage(TripleStage):
    """TripleStage whose extraction was done elsewhere: `run_prepared(chunks, records)`."""

    _records: dict | None = None

    def extractor(self, client: LLMClient) -> Extractor:
        return _Prepared(self._records) if self._records is not None else super().extractor(client)

    async def run_prepared(self, chunks: list["Chunk"], records: dict, *, campaign: str | None = None,
                           node: str | None = None) -> StageResult:
        """Store a worker's batch. No cyclic garbage collection meanwhile (`paused_gc`): storing allocates many
        short-lived objects, which set off collections that scan the driver's whole heap (a tenth of its
        work); what the batch leaves behind is freed by reference counting, cycles once the collector resumes
        (`store_batch` collects once the batch's result is let go)."""
        self._records = records
        try:
            with paused_gc():
                return await self.run(chunks, campaign=campaign, node=node)
        finally:
            self._records = None


@contextmanager
def driver_threads(con: "duckdb.DuckDBPyConnection") -> Iterator[None]:
    """DuckDB on one thread while the driver stores batches (the setting as it was afterwards): a batch's
    statements carry a few hundred rows each, for which DuckDB's second thread cost more CPU than it saved
    (~40% of such a statement's CPU time), and the driver is sized to one core of its own."""
    before = int(con.execute("SELECT current_setting('threads')").fetchone()[0])
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {before}")  # an int read back from DuckDB


async def store_batch(stage: PreparedStage, chunks: list["Chunk"], records: dict, total: StageResult) -> None:
    """The driver's work on one worker's batch: store it and add its counts to `total` (its triples let go), the
    cyclic garbage collector paused throughout; then one young-generation collection, which finds only what
    outlives the batch (collecting with the batch's result still alive scanned all of it)."""
    with paused_gc():
        total.merge(await stage.run_prepared(chunks, records), keep_triples=False)
        gc.collect(0)


@dataclass
class NodeRates:
    """Chunks and worker seconds per node: progress shows chunks/s per node."""

    chunks: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # the workers' CPU time (offline extraction)
    driver_seconds: float = 0.0  # the driver's own work: resolve, judge, store (its write rate)
    driver_cpu_seconds: float = 0.0

    def add(self, records: dict) -> None:
        node = records.get("node", "?")
        self.chunks[node] = self.chunks.get(node, 0) + records.get("chunks", 0)
        self.seconds[node] = self.seconds.get(node, 0.0) + records.get("seconds", 0.0)
        self.cpu_seconds[node] = self.cpu_seconds.get(node, 0.0) + records.get("cpu_seconds", 0.0)

    def per_node(self, cpu: bool = False) -> dict[str, float]:
        """Chunks per second of work on each node (`cpu`: per CPU-second, which a busy machine barely moves)."""
        spent = self.cpu_seconds if cpu else self.seconds
        return {n: round(self.chunks[n] / spent[n], 1) for n in sorted(self.chunks) if spent.get(n, 0) > 0}

    def driver_rate(self, cpu: bool = False) -> float:
        """Chunks per second the driver stores when it never waits for a worker (`cpu`: per CPU-second)."""
        done, spent = sum(self.chunks.values()), self.driver_cpu_seconds if cpu else self.driver_seconds
        return round(done / spent, 1) if spent > 0 else 0.0


async def run_distributed(stage: PreparedStage, executor: Executor, batches: Iterable[list["Chunk"]],
                          on_batch: Callable[[int, NodeRates], None] | None = None) -> tuple[StageResult, NodeRates]:
    """Submit batches (at most `executor.inflight` out), store each in read order; returns totals and rates."""
    if not stage.offline and getattr(executor, "llm", None) is None:
        raise ConfigError(f"the {executor.kind} executor runs offline extraction only")
    total, rates, window = StageResult(), NodeRates(), deque()
    llm = getattr(executor, "llm", None)
    before = llm.client.spent() if llm is not None else None

    async def store_next() -> None:
        chunks, handle = window.popleft()
        records = executor.result(handle)
        rates.add(records)
        started, cpu = time.perf_counter(), time.process_time()
        await store_batch(stage, chunks, records, total)
        rates.driver_seconds += time.perf_counter() - started
        rates.driver_cpu_seconds += time.process_time() - cpu
        if on_batch is not None:
            on_batch(len(chunks), rates)

    with driver_threads(stage.store.con):
        for chunks in batches:
            window.append((chunks, executor.submit(stage.pipeline, chunks, stage.documents(chunks))))
            if len(window) >= executor.inflight:
                await store_next()
            if total.budget_stop:  # a budget stopped the workers: no more batches
                break
        while window:
            await store_next()
    if llm is not None and before is not None:  # every call paid for this run: the workers' (also those of
        after = llm.client.spent()  # a worker that died before returning its batch) and the driver's
        total.calls, total.tokens = after.calls - before.calls, after.tokens - before.tokens
        total.cost_usd = after.cost_usd - before.cost_usd
    return total, rates
