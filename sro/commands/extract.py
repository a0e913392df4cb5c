"""`sro extract` (extract, resolve, judge over a dataset; resumable) and `sro triples` (list them)."""

from __future__ import annotations

import asyncio
import time
from typing import Optional

import typer

from sro.console import JSON_HELP, console, print_json, print_table, progress
from sro.commands.workspace import workspace_of
from sro.rlm.models import DOC_ITERATIONS, DOC_PARALLEL


def _pending(ws, dataset: str, pipeline: str, limit: int | None, batch: int):
    """Chunks not yet finished for this pipeline, in stable order, `batch` at a time (resumability)."""
    from sro.triples.store import TripleStore

    store = TripleStore(ws.db)
    left = limit
    for chunks in ws.datasets.iter_chunks(dataset, batch=batch):
        done = store.done_chunks(pipeline, [c.id for c in chunks])
        todo = [c for c in chunks if c.id not in done]
        if left is not None:
            todo = todo[:left]
            left -= len(todo)
        if todo:
            yield todo
        if left is not None and left <= 0:
            return


def _short(text: str | None, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _count_pending(ws, dataset: str, pipeline: str) -> int:
    from sro.triples.store import ensure_schema

    ensure_schema(ws.db)
    row = ws.db.execute("SELECT count(*) FROM chunks c WHERE c.dataset = ? AND NOT EXISTS (SELECT 1 FROM "
                        "candidates_done d WHERE d.pipeline = ? AND d.chunk_id = c.id)", [dataset, pipeline]).fetchone()
    return int(row[0])


async def _run(ws, dataset: str, pipeline: str, limit: int | None, batch: int, show: bool, gleaning: int,
               executor=None):
    from sro.triples.executors import PreparedStage, run_distributed
    from sro.triples.result import StageResult
    from sro.triples.stage import TripleStage

    stage = (TripleStage if executor is None else PreparedStage).for_workspace(ws, pipeline, gleaning=gleaning)
    total = StageResult()
    ws.datasets.dataset(dataset)  # unknown dataset: a clear DatasetError before any work
    todo = _count_pending(ws, dataset, stage.pipeline.name)
    todo = min(todo, limit) if limit is not None else todo
    with progress(show) as bar:
        task = bar.add_task(f"extract {dataset}", total=todo)
        if executor is not None:  # workers parse and extract, this process stores (sro.triples.executors)
            def advance(n: int, rates) -> None:
                per_node = ", ".join(f"{node} {rate}/s" for node, rate in rates.per_node().items())
                bar.update(task, advance=n, description=f"extract {dataset} ({executor.kind}: {per_node})")

            total, rates = await run_distributed(stage, executor, _pending(ws, dataset, stage.pipeline.name, limit,
                                                                          batch), on_batch=advance)
            return stage, total, {"chunks_per_s_by_node": rates.per_node(),
                                  "driver_chunks_per_s": rates.driver_rate()}
        for chunks in _pending(ws, dataset, stage.pipeline.name, limit, batch):
            result = await stage.run(chunks)
            total.merge(result, keep_triples=False)
            bar.update(task, advance=len(chunks))
    return stage, total, None


def _run_rlm(ws, dataset: str, pipeline: str, limit: int | None, parallel: int, max_iterations: int,
             show: bool, executor: dict[str, object] | None = None) -> dict:
    """Per-document RLM partition-and-map (a CEO model is configured): see sro.triples.partition_map.
    `executor`: the executor flags given (over sro.toml's [executor])."""
    from sro.triples.partition_map import PartitionMap

    pm = PartitionMap(ws, pipeline, dataset, parallel=parallel, max_iterations=max_iterations, executor=executor)
    with progress(show) as bar:
        task = bar.add_task(f"extract {dataset} (rlm, {pm.parallel} parallel)", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = asyncio.run(pm.run(limit=limit, on_progress=advance))
    return {"dataset": dataset, "pipeline": pm.pipeline.name, "campaign": pm.campaign, **result.summary(),
            "_errors": result.errors + result.stage.errors}


def _with_executor(ws, cfg, gleaning: int, run):
    """`run(executor)` with the configured executor (None for local), which is closed afterwards. With a worker
    model, Ray workers call it through the driver's cache, ledger and budgets (sro.triples.remote_llm)."""
    from sro.triples.executors import make_executor
    from sro.triples.remote_llm import LLMWork

    llm = None if ws.settings.worker.offline or cfg.kind == "local" else LLMWork(ws.settings, gleaning, ws.llm)
    pool = make_executor(cfg.kind, ray_address=cfg.ray_address, workers=cfg.workers, inflight=cfg.inflight, llm=llm)
    try:
        return run(pool)
    finally:
        if pool is not None:
            pool.close()


def _report(summary: dict, errors: list[str], as_json: bool) -> None:
    if as_json:
        print_json({**summary, "errors": errors[:50]})
        return
    rows = [{"metric": k, "value": v} for k, v in summary.items() if k != "rejected_by_axiom"]
    rows += [{"metric": f"rejected by {k}", "value": v} for k, v in sorted(summary["rejected_by_axiom"].items())]
    print_table(rows, title="sro extract")
    for err in errors[:5]:
        console.print(f"[yellow]warning:[/] {err}", markup=True, highlight=False)


def _exit_for(total) -> None:
    """A budget stop, or failed chunks (retried by the next run), are said with the exit code
    (docs/reference/exit-codes.md): all failed 1, some failed 4, budget 5."""
    from sro.errors import ExitCode

    if total.budget_stop:
        typer.echo(f"stopped by a budget: {total.budget_stop}", err=True)
        raise typer.Exit(ExitCode.BUDGET)
    if total.failed_chunks:
        typer.echo(f"{total.failed_chunks} chunks failed; run the same command again to retry them", err=True)
        raise typer.Exit(ExitCode.ERROR if total.failed_chunks == total.chunks else ExitCode.PARTIAL)


def extract_cmd(
    ctx: typer.Context,
    dataset: str = typer.Option(..., "--dataset", "-d", help="Dataset to extract triples from."),
    pipeline: str = typer.Option("generic", "--pipeline", "-p", help="Pipeline (folder under pipelines/)."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="At most this many unfinished chunks "
                                         "(--strategy rlm: documents)."),
    batch: int = typer.Option(0, "--batch", help="Chunks per stage call (offline 64, LLM 32: up to 8 concurrent calls)."),
    gleaning: int = typer.Option(0, "--gleaning", help="Extra LLM passes for missed facts."),
    strategy: str = typer.Option("auto", "--strategy", help="auto | chunks | rlm (auto: rlm when a CEO "
                                 "model is configured, else chunks)."),
    parallel: int = typer.Option(DOC_PARALLEL, "--parallel", help="rlm: documents (RLM sessions) run at once."),
    max_iterations: int = typer.Option(DOC_ITERATIONS, "--max-iterations", help="rlm: root turns per document (fewer than `sro rlm`'s for a whole question)."),
    executor: Optional[str] = typer.Option(None, "--executor", help="local | processes | ray: where "
                                           "parsing and extraction run (sro.toml executor.kind, else local)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="ray: auto | HOST:PORT (a new "
                                              "local Ray instance)."),
    batch_chunks: Optional[int] = typer.Option(None, "--batch-chunks", min=1, help="Chunks per batch sent "
                                               "to a worker (same as --batch)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Extract, resolve and judge triples over a dataset. Resumable: finished chunks (or, with --strategy
    rlm, finished documents) are skipped.

    Exit codes: 0 done, 4 some chunks failed (run again to retry them), 1 all failed or another error,
    5 a budget stopped it, 3 a key missing or the model server unreachable."""
    from sro.triples.partition_map import strategy_for
    from sro.llm.preflight import check_roles

    ws = workspace_of(ctx)
    try:
        started = time.perf_counter()
        rlm = strategy_for(ws, strategy) == "rlm"
        check_roles(ws.settings, ("ceo", "worker", "judge") if rlm else ("worker", "judge"))
        flags = {k: v for k, v in {"kind": executor, "ray_address": ray_address, "batch_chunks": batch_chunks}.items()
                 if v}
        if rlm:
            summary = _run_rlm(ws, dataset, pipeline, limit, parallel, max_iterations, not as_json, flags)
            errors = summary.pop("_errors")
            summary["seconds"] = round(time.perf_counter() - started, 2)
            return _report(summary, errors, as_json)
        offline = ws.settings.worker.offline
        cfg = ws.settings.executor.model_copy(update=flags)
        batch = batch or cfg.batch_chunks or (64 if offline else 32)
        stage, total, nodes = _with_executor(ws, cfg, gleaning, lambda pool: asyncio.run(
            _run(ws, dataset, pipeline, limit, batch, not as_json, gleaning, pool)))
        summary = {"dataset": dataset, "pipeline": stage.pipeline.name, "strategy": "chunks",
                   **total.summary(), "seconds": round(time.perf_counter() - started, 2)}
        if nodes is not None:
            summary |= {"executor": cfg.kind, **nodes}
        _report(summary, total.errors, as_json)
    finally:
        ws.close()
    _exit_for(total)


def triples_cmd(
    ctx: typer.Context,
    rejected: bool = typer.Option(False, "--rejected", help="Show rejected and conflicting candidates."),
    pipeline: Optional[str] = typer.Option(None, "--pipeline", "-p", help="Only this pipeline's triples."),
    limit: int = typer.Option(20, "--limit", "-n", help="At most this many triples."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """List judged triples with their quotes (accepted by default)."""
    from sro.triples.store import TripleStore

    ws = workspace_of(ctx)
    try:
        rows = TripleStore(ws.db).triples(rejected=rejected, limit=limit, pipeline=pipeline)
        if as_json:
            print_json(rows)
            return
        view = [{"subject": _short(r["subject"]),
                 "predicate": r["predicate_iri"].rsplit("/", 1)[-1].rsplit("#", 1)[-1],
                 "object": _short(r["object"]), "score": f"{r['total']:.2f}",
                 "why" if rejected else "quote": "; ".join(r["reasons"]) if rejected else r["quote"][:160],
                 "source": f"{r['doc_id']}:{r['start_char']}-{r['end_char']}"} for r in rows]
        print_table(view, title="rejected triples" if rejected else "accepted triples")
    finally:
        ws.close()


def register(app: typer.Typer) -> None:
    app.command("extract")(extract_cmd)
    app.command("triples")(triples_cmd)
