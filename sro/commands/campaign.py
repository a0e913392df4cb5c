"""CLI: `sro run SPEC.yaml [--name N] [--resume] [--json]`, `sro status [CAMPAIGN] [--json]`,
`sro report CAMPAIGN [--json]` (the answer, its citations and the report paths)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from sro.console import JSON_HELP, console, err_console, print_json, print_table
from sro.commands.workspace import workspace_of
from sro.campaign.status import status_rows
from sro.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from sro.campaign.spec import CampaignSpec
    from sro.config import Settings

JsonOpt = typer.Option(False, "--json", help=JSON_HELP)
EXIT_CODES = {"errors": ExitCode.ERROR, "error": ExitCode.ERROR, "interrupted": ExitCode.INTERRUPTED,
              "budget_usd": ExitCode.BUDGET, "budget_tokens": ExitCode.BUDGET, "budget_calls": ExitCode.BUDGET,
              "budget": ExitCode.BUDGET}


def _overrides(ctx: typer.Context, spec: CampaignSpec) -> dict[str, Any]:
    """An offline spec's blanks, then the global --ceo-model/--worker-model/--judge-model flags on top (flags
    win); the spec's `models:` are not here but the lowest layer (`spec_models`, under SRO_* and sro.toml)."""
    from sro.config import layered

    return layered(spec.forced_overrides(), (ctx.find_root().obj or {}).get("overrides", {}))


def run_command(ctx: typer.Context, spec_path: Path, name: Optional[str], resume: bool, as_json: bool,
                executor: dict[str, object] | None = None) -> None:
    """`executor`: the --executor/--ray-address/--batch-chunks flags given, over the spec's `executor:`."""
    from sro.campaign.live import LiveView
    from sro.campaign.runner import CampaignRunner
    from sro.campaign.spec import load_spec, parse_spec

    spec = load_spec(spec_path)
    if name or executor:
        spec = parse_spec({**spec.model_dump(exclude_none=True), **({"name": name} if name else {}),
                           "executor": {**spec.executor, **(executor or {})}}, str(spec_path))
    with workspace_of(ctx, _overrides(ctx, spec), create=True, spec_models=spec.model_overrides()) as ws, \
            LiveView(enabled=not as_json) as view:
        _check_models(spec, ws.settings)
        runner = CampaignRunner(ws, spec, resume=resume, observer=view.update)
        summary = asyncio.run(runner.run())
    data = summary.as_dict()
    if as_json:
        print_json(data)
    else:
        console.print(
            f"[bold]{summary.campaign}[/]: stopped ({summary.stopped_reason}); {summary.nodes_expanded} nodes "
            f"expanded of {summary.nodes_total}; {summary.accepted} triples accepted, {summary.rejected} rejected; "
            f"{summary.llm_calls} LLM calls, {summary.tokens} tokens, ${summary.cost_usd:.4f}; "
            f"{summary.elapsed_s:.1f}s")
        for error in summary.errors[:10]:
            err_console.print(f"[red]error[/] {error}")
        if summary.report:
            console.print(f"report: {summary.report}")
    code = EXIT_CODES.get(summary.stopped_reason, 0)
    if code:
        raise typer.Exit(code)


def _check_models(spec: CampaignSpec, settings: Settings) -> None:
    """A spec that asks for models gets them or a ConfigError, never a silent offline run; every configured
    role's key and local server are checked before the first node."""
    from sro.config import ROLES
    from sro.llm.preflight import check_roles

    if "offline" in spec.model_fields_set and not spec.offline and all(settings.role(r).offline for r in ROLES):
        raise ConfigError("the spec says `offline: false` but no model is configured: set models in the spec, "
                          "SRO_<ROLE>_MODEL, --worker-model etc. or [worker] model in sro.toml (or drop the line)")
    check_roles(settings, ROLES)


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        ctx: typer.Context,
        spec: Path = typer.Argument(..., help="Campaign spec (YAML); see `sro/campaign/spec.py` for the schema."),
        name: Optional[str] = typer.Option(None, "--name", help="Campaign name (default: spec name or file stem)."),
        resume: bool = typer.Option(False, "--resume", help="Continue an existing campaign of this name."),
        executor: Optional[str] = typer.Option(None, "--executor", help="local | processes | ray: where "
                                               "extract_triples parses and extracts (spec executor.kind, else "
                                               "sro.toml executor.kind, else local)."),
        ray_address: Optional[str] = typer.Option(None, "--ray-address", help="ray: auto | HOST:PORT (a new "
                                                  "local Ray instance)."),
        batch_chunks: Optional[int] = typer.Option(None, "--batch-chunks", min=1, help="Chunks per batch sent "
                                                   "to a worker (one batch per extract_triples call)."),
        as_json: bool = JsonOpt,
    ) -> None:
        """Run (or resume) a research campaign; writes runs/<campaign>/report.md and report.html."""
        flags = {"kind": executor, "ray_address": ray_address, "batch_chunks": batch_chunks}
        run_command(ctx, spec, name, resume, as_json, {k: v for k, v in flags.items() if v is not None})

    @app.command("status")
    def status(ctx: typer.Context, campaign: Optional[str] = typer.Argument(None), as_json: bool = JsonOpt) -> None:
        """Campaigns in this workspace, or one campaign in detail."""
        with workspace_of(ctx) as ws:
            rows = status_rows(ws, campaign)
        if as_json:
            print_json(rows if campaign is None else rows[0])
            return
        if campaign is None:
            print_table(rows, ["campaign", "status", "stopped_reason", "nodes_expanded", "nodes_total",
                               "accepted", "rejected", "elapsed_s", "runs"], title="campaigns")
            return
        row = rows[0]
        for key, value in row.items():
            if key == "best_branch":
                console.print("[bold]best branch[/]:")
                for depth, question in enumerate(value):
                    console.print(f"  {'  ' * depth}{question}")
            else:
                console.print(f"[bold]{key}[/]: {value}")

    @app.command("report")
    def report(ctx: typer.Context, campaign: str = typer.Argument(...), as_json: bool = JsonOpt) -> None:
        """(Re)write runs/<campaign>/report.md, report.html, report.json, tree.json and tree.graphml."""
        from sro.campaign.report import write_report

        with workspace_of(ctx) as ws:
            result = asyncio.run(write_report(ws, campaign, llm=ws.llm.scoped(campaign=campaign)))
        if as_json:
            print_json(result)
        else:
            console.print("\n".join(f"{kind}: {path}" for kind, path in result["paths"].items()))
