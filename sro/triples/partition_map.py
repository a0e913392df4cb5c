"""Per-document RLM partition-and-map: batch extraction when a CEO model is configured.

For each document of a dataset, one RLM session gets a short task: the document id, its title, its chunk
count and the pipeline's predicates. The CEO model writes the code: it reads the document's chunks through
`dataset(name).sql/grep/search`, partitions them (by headings, sections, clause numbers ...) and maps
`extract_triples` over the parts that state facts, then ends with FINAL. The CEO never sees the whole
contract in its own context; it reads what it needs through the sandbox.

Documents run in parallel (a bounded number of concurrent sessions, each with its own sandbox process).
A document whose session ended with the root's own FINAL is recorded in `candidates_docs_done` and
skipped on the next run; the triples stage below is idempotent as well, and the LLM cache makes a
repeated prompt free.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from sro.data.records import DOC_TEXT, DOC_TEXT_JOIN
from sro.errors import ConfigError, SROError
from sro.rlm.models import DOC_ITERATIONS, DOC_PARALLEL
from sro.triples.result import StageResult

if TYPE_CHECKING:
    import duckdb

    from pipelines import Pipeline
    from sro.workspace import Workspace

LIST_IDS_UP_TO = 40  # chunk ids are written into the task for documents this small

SCHEMA = """
CREATE TABLE IF NOT EXISTS candidates_docs_done (
    pipeline VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    strategy VARCHAR NOT NULL,
    session_id VARCHAR,
    iterations INTEGER,
    accepted INTEGER,
    rejected INTEGER,
    chunks_extracted INTEGER,
    finished_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (pipeline, doc_id)
)
"""

TASK = """Extract verified facts from ONE document for the '{pipeline}' pipeline, by partition and map.

Document id: {doc_id}{title}
Dataset: {dataset} (the document has {n_chunks} chunks, {n_chars:,} characters)
Its chunks, in reading order: {ids_note}
  rows = dataset({dataset!r}).sql("SELECT id, ordinal, text FROM chunks WHERE doc_id = ? ORDER BY ordinal", [{doc_id!r}])

Predicates to find (ontology names; 'one value' = functional):
{predicates}

Plan: 1) look at the chunks (print short heads, not whole texts; grep/search within this document where
useful); 2) partition them into parts, e.g. by headings, sections or numbered clauses, and decide which
parts can state the facts above (preamble, term, renewal, termination, governing law, assignment, ...);
3) map extraction over those parts: extract_triples(chunk_ids) per part (at most 64 ids per call) -
it extracts, judges and stores the facts with exact quotes; 4) finish with FINAL(...) giving a short
summary: the parts, the chunk ids extracted and the accepted facts (predicate: object).
Work only on document {doc_id}. Do not copy chunk texts into your answer."""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


def strategy_for(ws: "Workspace", strategy: str) -> str:
    """auto -> rlm when a CEO model is configured, else chunks; rlm without a CEO model is an error."""
    if strategy not in ("auto", "chunks", "rlm"):
        raise ConfigError(f"unknown extraction strategy {strategy!r}: use auto, chunks or rlm")
    has_ceo = not ws.settings.ceo.offline
    if strategy == "rlm" and not has_ceo:
        raise ConfigError("--strategy rlm needs a CEO model, and none is configured: pass --ceo-model MODEL, set "
                          "SRO_CEO_MODEL or [ceo] model = ... in sro.toml, or use --strategy chunks")
    if strategy == "auto":
        return "rlm" if has_ceo else "chunks"
    return strategy


def predicate_lines(pipeline: "Pipeline") -> str:
    lines = []
    for p in pipeline.predicates:
        label = f" ({p.label})" if p.label else ""
        kinds = f": {p.domain or 'any'} -> {p.range}" if p.range else ""
        lines.append(f"- {p.name}{label}{kinds}{' [one value]' if p.functional else ''}")
    return "\n".join(lines) or "- (any facts the pipeline's instructions ask for)"


def task_prompt(pipeline: "Pipeline", dataset: str, doc: dict[str, Any], chunk_ids: list[str]) -> str:
    n = len(chunk_ids)
    ids_note = (f"{chunk_ids}; or read them with" if n <= LIST_IDS_UP_TO
                else f"{n} ids (too many to list here); read them with")
    title = f"\nTitle: {str(doc['title'])[:200]}" if doc.get("title") else ""
    return TASK.format(pipeline=pipeline.name, doc_id=doc["id"], title=title, dataset=dataset, n_chunks=n,
                       n_chars=int(doc.get("chars") or 0), ids_note=ids_note, predicates=predicate_lines(pipeline))


@dataclass
class DocOutcome:
    doc_id: str
    done: bool
    iterations: int = 0
    chunks_extracted: int = 0
    chunks: int = 0
    error: str | None = None
    stage: StageResult = field(default_factory=StageResult)


@dataclass
class BatchSummary:
    documents: int = 0  # documents of the dataset (within --limit)
    skipped_done: int = 0  # finished by an earlier run
    sessions: int = 0
    finished: int = 0  # sessions ended by the root's own FINAL (recorded as done)
    unfinished: int = 0  # forced or failed: retried on the next run
    iterations: int = 0
    chunks_extracted: int = 0
    chunks_not_extracted: int = 0  # chunks of finished documents the CEO chose not to extract
    stage: StageResult = field(default_factory=StageResult)
    errors: list[str] = field(default_factory=list)

    def add(self, out: DocOutcome) -> None:
        self.sessions += 1
        self.iterations += out.iterations
        self.chunks_extracted += out.chunks_extracted
        if out.done:
            self.finished += 1
            self.chunks_not_extracted += max(0, out.chunks - out.chunks_extracted)
        else:
            self.unfinished += 1
        self.stage.merge(out.stage, keep_triples=False)
        if out.error:
            self.errors.append(f"{out.doc_id}: {out.error}")

    def summary(self) -> dict[str, Any]:
        stage = self.stage.summary()
        return {"strategy": "rlm", "documents": self.documents, "skipped_done": self.skipped_done,
                "sessions": self.sessions, "finished": self.finished, "unfinished": self.unfinished,
                "iterations": self.iterations, "chunks_extracted": self.chunks_extracted,
                "chunks_not_extracted": self.chunks_not_extracted,
                **{k: stage[k] for k in ("candidates", "new_candidates", "accepted", "rejected", "conflicts",
                                         "rejected_by_axiom", "new_facts", "calls", "tokens", "cost_usd")},
                "errors": len(self.errors)}


class PartitionMap:
    """Runs the per-document RLM sessions of one `sro extract --strategy rlm` call."""

    def __init__(self, ws: "Workspace", pipeline: "Pipeline | str", dataset: str, *, parallel: int = DOC_PARALLEL,
                 max_iterations: int = DOC_ITERATIONS, campaign: str | None = None,
                 executor: dict[str, object] | None = None):
        from sro.triples.pool import ExtractionPool

        self.ws = ws
        self.pool = ExtractionPool(ws, executor)  # sro.toml's [executor], `executor` (the flags) over it
        self.pipeline = ws.pipeline(pipeline) if isinstance(pipeline, str) else pipeline
        self.dataset = dataset
        self.parallel = max(1, parallel)
        self.max_iterations = max_iterations
        self.campaign = campaign or f"extract-{self.pipeline.name}-{dataset}"
        ensure_schema(ws.db)

    # --- bookkeeping ----------------------------------------------------------------------------
    def documents(self, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """(at most `limit` unfinished documents in stable order, how many are already done)."""
        self.ws.datasets.dataset(self.dataset)  # unknown dataset: a clear DatasetError first
        done = ("EXISTS (SELECT 1 FROM candidates_docs_done x WHERE x.pipeline = ? AND x.doc_id = d.id)")
        rows = self.ws.db.execute(
            f"SELECT d.id, d.title, length({DOC_TEXT}) FROM documents d {DOC_TEXT_JOIN} "
            f"WHERE d.dataset = ? AND NOT {done} ORDER BY d.id" + (" LIMIT ?" if limit is not None else ""),
            [self.dataset, self.pipeline.name] + ([limit] if limit is not None else [])).fetchall()
        n_done = self.ws.db.execute(f"SELECT count(*) FROM documents d WHERE d.dataset = ? AND {done}",
                                    [self.dataset, self.pipeline.name]).fetchone()[0]
        return [{"id": r[0], "title": r[1], "chars": r[2]} for r in rows], int(n_done)

    def chunk_ids(self, doc_id: str) -> list[str]:
        rows = self.ws.db.execute("SELECT id FROM chunks WHERE doc_id = ? ORDER BY ordinal", [doc_id]).fetchall()
        return [r[0] for r in rows]

    def done(self) -> set[str]:
        rows = self.ws.db.execute("SELECT doc_id FROM candidates_docs_done WHERE pipeline = ? AND dataset = ?",
                                  [self.pipeline.name, self.dataset]).fetchall()
        return {r[0] for r in rows}

    def _record(self, out: DocOutcome, session_id: str) -> None:
        self.ws.db.execute(
            "INSERT INTO candidates_docs_done (pipeline, doc_id, dataset, strategy, session_id, iterations, "
            "accepted, rejected, chunks_extracted) VALUES (?, ?, ?, 'rlm', ?, ?, ?, ?, ?) "
            "ON CONFLICT (pipeline, doc_id) DO NOTHING",
            [self.pipeline.name, out.doc_id, self.dataset, session_id, out.iterations, out.stage.n_accepted,
             out.stage.n_rejected, out.chunks_extracted])

    # --- the work -------------------------------------------------------------------------------
    async def one(self, doc: dict[str, Any]) -> DocOutcome:
        from sro.rlm.session import RLMSession, SessionConfig
        from sro.triples.stage import extraction

        ids = self.chunk_ids(doc["id"])
        out = DocOutcome(doc_id=doc["id"], done=False, chunks=len(ids))
        if not ids:
            out.done = True
            self._record(out, "")
            return out
        session = RLMSession(self.ws, SessionConfig(
            datasets=(self.dataset,), campaign=self.campaign, node=doc["id"], max_iterations=self.max_iterations,
            max_depth=1, extract=extraction(self.ws, self.pipeline.name, self.pool)))
        try:
            result = await session.run(task_prompt(self.pipeline, self.dataset, doc, ids))
        except SROError as exc:
            out.error = f"{type(exc).__name__}: {exc}"
            return out
        out.iterations = result.iterations
        extracted: set[str] = set()
        for stage in result.stage_results:
            out.stage.merge(stage, keep_triples=False)
            extracted.update(v.candidate.evidence.chunk_id for v in stage.accepted + stage.rejected + stage.conflicts)
        out.chunks_extracted = self._extracted(ids, extracted)
        if result.forced:
            out.error = f"session {result.session_id} ended without its own FINAL: {result.answer[:200]}"
        else:
            out.done = True
            self._record(out, result.session_id)
        return out

    def _extracted(self, ids: list[str], seen: set[str]) -> int:
        """Chunks of the document the stage has finished (also those that yielded no candidate)."""
        from sro.triples.store import TripleStore

        return len(TripleStore(self.ws.db).done_chunks(self.pipeline.name, ids) | (seen & set(ids)))

    async def run(self, *, limit: int | None = None,
                  on_progress: Callable[[int, int], None] | None = None) -> BatchSummary:
        """All unfinished documents, `parallel` sessions at a time. `on_progress(done, total)` after each."""
        self.pool.check()
        try:
            return await self._run(limit, on_progress)
        finally:
            self.pool.close()

    async def _run(self, limit: int | None, on_progress: Callable[[int, int], None] | None) -> BatchSummary:
        todo, already = self.documents(limit)
        summary = BatchSummary(documents=len(todo) + already, skipped_done=already)
        client = self.ws.llm.scoped(campaign=self.campaign)
        before = client.spent()
        gate = asyncio.Semaphore(self.parallel)
        finished = 0

        async def guarded(doc: dict[str, Any]) -> None:
            nonlocal finished
            async with gate:
                try:
                    out = await self.one(doc)
                except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
                    out = DocOutcome(doc_id=doc["id"], done=False, error=f"{type(exc).__name__}: {exc}")
            summary.add(out)
            finished += 1
            if on_progress is not None:
                on_progress(finished, len(todo))

        await asyncio.gather(*(guarded(d) for d in todo))
        used = client.spent() - before
        summary.stage.calls, summary.stage.tokens, summary.stage.cost_usd = used.calls, used.tokens, used.cost_usd
        return summary
