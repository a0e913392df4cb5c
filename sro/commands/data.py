"""CLI of the data stage: `sro ingest ...`, `sro datasets`, `sro search`, `sro grep`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable, List, Optional

import typer
from rich.markup import escape

from sro.console import JSON_HELP, console, err_console, print_json, print_table, progress
from sro.commands.workspace import workspace_of
from sro.errors import IngestError

ingest_app = typer.Typer(help="Add text collections to a dataset (each file in one transaction).", no_args_is_help=True)
OnErrorOpt = typer.Option("skip", "--on-error", help="skip: report bad lines/files and go on; stop: stop at the first.")
JsonOpt = typer.Option(False, "--json", help=JSON_HELP)
DatasetOpt = typer.Option(..., "--dataset", "-d", help="Target dataset name.")
DescOpt = typer.Option(None, "--description", help="Description stored with a new dataset.")
LimitOpt = typer.Option(10, "--limit", "-n", help="At most this many hits.")
SynthOpt = typer.Option(False, "--synthetic", help="Label a new dataset as synthetic (made-up) data.")


def _check_on_error(value: str) -> str:
    if value not in ("skip", "stop"):
        raise IngestError(f"--on-error must be 'skip' or 'stop', not {value!r}")
    return value


def _finish(report, as_json: bool) -> None:
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(report.skip_reasons.items())) or "-"
        console.print(
            f"[bold]{report.dataset}[/]: {report.documents_added} documents, {report.chunks_added} chunks added; "
            f"{report.already_present} already present; {report.skipped} skipped ({reasons}); "
            f"{report.files} files, {report.files_failed} failed; {report.seconds:.1f}s"
        )
        _issues("warning", "yellow", report.warnings)
        _issues("error", "red", report.errors)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _issues(label: str, color: str, issues: list) -> None:
    for issue in issues[:20]:
        where = f"{issue.file}:{issue.line}" if issue.line else issue.file
        err_console.print(f"[{color}]{label}[/] {escape(f'{where}: {issue.message}')}", highlight=False)
    if len(issues) > 20:
        err_console.print(f"... {len(issues) - 20} more {label}s (use --json for all)")


def _run(ctx: typer.Context, dataset: str, files: list[Path], make_loader: Callable, on_error: str,
         as_json: bool, description: str | None, synthetic: bool) -> None:
    from sro.data.ingest.runner import run_ingest

    _check_on_error(on_error)
    with workspace_of(ctx, create=True) as ws:
        with progress(enabled=not as_json) as bar:
            task = bar.add_task(f"ingest {dataset}", total=len(files))
            report = run_ingest(
                ws.datasets, dataset, files, make_loader(ws), on_error=on_error,  # type: ignore[arg-type]
                on_file=lambda path, rep: bar.advance(task), description=description, synthetic=synthetic,
            )
    _finish(report, as_json)


@ingest_app.command("reddit-dump")
def reddit_dump(
    ctx: typer.Context,
    paths: List[Path] = typer.Argument(..., help="RS_/RC_ NDJSON files, plain, .gz or .zst."),
    dataset: str = DatasetOpt,
    subreddit: Optional[str] = typer.Option(None, "--subreddit", help="Keep only this subreddit."),
    since: Optional[datetime] = typer.Option(None, "--since", help="Keep only posts created on/after this date."),
    on_error: str = OnErrorOpt, as_json: bool = JsonOpt, description: Optional[str] = DescOpt,
    synthetic: bool = SynthOpt,
) -> None:
    """Pushshift / Arctic Shift submissions and comments (deleted/removed bodies are skipped and counted)."""
    from sro.data.ingest.reddit_dump import reddit_loader

    _run(ctx, dataset, paths, lambda ws: reddit_loader(dataset, subreddit=subreddit, since=since), on_error,
         as_json, description, synthetic)


@ingest_app.command("table")
def table(
    ctx: typer.Context,
    paths: List[Path] = typer.Argument(..., help="CSV/TSV, Parquet or JSON/JSONL files."),
    dataset: str = DatasetOpt,
    text: str = typer.Option(..., "--text", help="Column holding the text."),
    id: Optional[str] = typer.Option(None, "--id", help="Column with a stable id (default: row number)."),
    title: Optional[str] = typer.Option(None, "--title"),
    created: Optional[str] = typer.Option(None, "--created", help="Timestamp or Unix-seconds column."),
    author: Optional[str] = typer.Option(None, "--author"),
    url: Optional[str] = typer.Option(None, "--url", help="Column with the source URL (citations link to it)."),
    score: Optional[str] = typer.Option(None, "--score"),
    on_error: str = OnErrorOpt, as_json: bool = JsonOpt, description: Optional[str] = DescOpt,
    synthetic: bool = SynthOpt,
) -> None:
    """One document per row, read by DuckDB's own CSV/Parquet/JSON readers."""
    from sro.data.ingest.table import TableColumns, table_loader

    cols = TableColumns(text=text, id=id, title=title, created=created, author=author, url=url, score=score)
    _run(ctx, dataset, paths, lambda ws: table_loader(dataset, cols), on_error, as_json, description, synthetic)


@ingest_app.command("docs")
def docs(
    ctx: typer.Context,
    paths: List[str] = typer.Argument(..., help="Files, folders (recursive) or quoted globs of .txt/.md/.html/.pdf."),
    dataset: str = DatasetOpt,
    on_error: str = OnErrorOpt, as_json: bool = JsonOpt, description: Optional[str] = DescOpt,
    synthetic: bool = SynthOpt,
) -> None:
    """One document per file; ids are dataset + path relative to the folder given."""
    from sro.data.ingest.docs import docs_loader, expand

    rel = dict(expand(paths))
    _run(ctx, dataset, list(rel), lambda ws: docs_loader(dataset, rel, ws.datasets), on_error, as_json,
         description, synthetic)


@ingest_app.command("reddit-live")
def reddit_live(
    ctx: typer.Context,
    subreddit: str = typer.Option(..., "--subreddit", help="Subreddit to collect from."),
    dataset: str = DatasetOpt,
    query: Optional[str] = typer.Option(None, "--query", help="Search query (default: newest submissions)."),
    limit: int = typer.Option(100, "--limit", "-n", help="At most this many submissions."),
    comments: bool = typer.Option(True, "--comments/--no-comments", help="Also collect comment trees."),
    as_json: bool = JsonOpt,
) -> None:
    """Collect submissions and comment trees through the Reddit API (asyncpraw).

    Credentials come from the environment or praw.ini. Stored ids are skipped: repeat an interrupted run."""
    import asyncio

    from sro.data.reddit_live import collect

    with workspace_of(ctx, create=True) as ws:
        report = asyncio.run(collect(ws.datasets, dataset, subreddit, query=query, limit=limit,
                                     comments=comments))
    _finish(report, as_json)


def _hits(hits, as_json: bool, title: str) -> None:
    if as_json:
        print_json([h.model_dump(mode="json") for h in hits])
        return
    rows = [
        {"score": f"{h.score:.2f}" if h.score is not None else "", "chunk": h.chunk_id,
         "span": f"{h.start}-{h.end}", "text": " ".join(h.text.split())[:160]}
        for h in hits
    ]
    print_table(rows, ["score", "chunk", "span", "text"] if rows else None, title=title)


def register(app: typer.Typer) -> None:
    app.add_typer(ingest_app, name="ingest")

    @app.command("datasets")
    def datasets(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
        """List the workspace's datasets."""
        with workspace_of(ctx) as ws:
            infos = ws.datasets.list()
        if as_json:
            print_json([i.model_dump(mode="json") for i in infos])
        elif not infos:
            console.print("no datasets yet: try `sro ingest --help`")
        else:
            print_table([{**i.model_dump(), "kinds": ", ".join(i.kinds), "fields": len(i.fields)} for i in infos],
                        ["name", "documents", "chunks", "kinds", "synthetic", "fields"])

    @app.command("search")
    def search(ctx: typer.Context, dataset: str, query: str, k: int = LimitOpt,
               as_json: bool = JsonOpt) -> None:
        """BM25 full-text search over a dataset's chunks."""
        with workspace_of(ctx) as ws:
            hits = ws.datasets.dataset(dataset).search(query, k=k)
        _hits(hits, as_json, f"search {dataset}: {query}")

    @app.command("grep")
    def grep(ctx: typer.Context, dataset: str, regex: str, k: int = LimitOpt,
             as_json: bool = JsonOpt) -> None:
        """Chunks matching a regular expression (RE2 syntax)."""
        with workspace_of(ctx) as ws:
            hits = ws.datasets.dataset(dataset).grep(regex, k=k)
        _hits(hits, as_json, f"grep {dataset}: {regex}")
