"""CLI: `sro sandbox FILE` (run a file in a fresh sandbox) and `sro rlm "question" --dataset NAME`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import List, Optional

import typer

from sro.console import JSON_HELP, console, print_json
from sro.commands.workspace import workspace_of
from sro.errors import ConfigError
from sro.rlm.models import MAX_DEPTH, MAX_ITERATIONS

JSON = typer.Option(False, "--json", help=JSON_HELP)


def _check(json_: bool, require: bool) -> None:
    """Start a sandbox and say which isolation layers are active; exit 1 when one is missing and required."""
    from sro.rlm.limits import SandboxLimits
    from sro.rlm.sandbox import Sandbox

    with Sandbox(SandboxLimits()) as box:
        report, missing, start_ms = box.layer_report, box.missing_layers(), box.start_ms
    layers = {"python": "on (RestrictedPython guards, per-module allow-lists)", **report,
              "rlimits": "on (memory, CPU, file size, open files, no processes)"}
    if json_:
        print_json({"layers": layers, "missing": sorted(missing), "start_ms": round(start_ms, 1)})
    else:
        for name, state in layers.items():
            typer.echo(f"{name:<10} {state}")
        typer.echo(f"sandbox started in {start_ms:.0f} ms; "
                   + ("every layer is active" if not missing else f"missing: {', '.join(sorted(missing))}"))
    if missing and require:
        raise typer.Exit(1)


def _sandbox(file: Path, timeout: float, json_: bool) -> None:
    from sro.rlm.limits import SandboxLimits
    from sro.rlm.sandbox import Sandbox

    try:
        code = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {file}: {exc}") from None
    limits = SandboxLimits(timeout_s=timeout)
    with Sandbox(limits) as box:
        result = box.run(code)
    if json_:
        print_json({"ok": result.ok, "error": result.error, "stdout": result.stdout,
                    "truncated": result.truncated, "output_chars": result.output_chars,
                    "final": result.final, "ms": round(result.ms, 2)})
    else:
        typer.echo(result.render(limits.max_output))
    if not result.ok:
        raise typer.Exit(1)


def _print_result(result: object) -> None:
    flags = [f for f, on in (("forced", result.forced), ("ungrounded", result.ungrounded)) if on]
    console.rule("answer" + (f" ({', '.join(flags)})" if flags else ""))
    console.print(result.answer, markup=False, highlight=False)
    console.rule()
    console.print(f"policy: {result.policy}   iterations: {result.iterations}   sub-calls: {result.sub_calls}   "
                  f"cost: ${result.cost_usd:.4f}   tokens: {result.tokens:,}   errors: {result.errors}")
    console.print(f"stop: {result.stop_reason}" + (f" ({result.stop_detail})" if result.stop_detail else ""),
                  markup=False)
    console.print(f"root prompt tokens per turn: {result.root_prompt_tokens}")
    if result.proposed_questions:
        console.print("proposed questions:")
        for q in result.proposed_questions:
            console.print(f"  - {q}", markup=False)
    console.print(f"trajectory: {result.trajectory}", markup=False)


def register(app: typer.Typer) -> None:
    @app.command("sandbox")
    def sandbox(
        ctx: typer.Context,
        file: Optional[Path] = typer.Argument(None, help="Python file to run in a fresh RLM sandbox (no datasets)."),
        check: bool = typer.Option(False, "--check", help="Print which isolation layers are active and exit."),
        timeout: float = typer.Option(30.0, "--timeout", help="Wall-clock limit in seconds."),
        json_: bool = JSON,
    ) -> None:
        """Run FILE in a fresh sandbox exactly as model code would run, or check its isolation layers."""
        if check:
            from sro.config import load_settings

            workspace = ctx.obj.get("workspace") if isinstance(ctx.obj, dict) else None
            _check(json_, load_settings(workspace).sandbox.require_os_isolation)
            return
        if file is None:
            raise ConfigError("give a Python FILE to run, or --check")
        _sandbox(file, timeout, json_)

    @app.command("rlm")
    def rlm(
        ctx: typer.Context,
        question: str = typer.Argument(..., help="The question for the RLM session."),
        dataset: List[str] = typer.Option(..., "--dataset", "-d", help="Dataset the session may read (repeat)."),
        max_iterations: int = typer.Option(MAX_ITERATIONS, "--max-iterations", help="Root turns before a forced answer."),
        max_depth: int = typer.Option(MAX_DEPTH, "--max-depth", help="Recursion limit for rlm_query."),
        campaign: Optional[str] = typer.Option(None, "--campaign", help="Campaign for notes and trajectories."),
        pipeline: str = typer.Option("generic", "--pipeline", help="Pipeline used by extract_triples."),
        timeout: float = typer.Option(30.0, "--timeout", help="Wall-clock limit per sandbox step (seconds)."),
        json_: bool = JSON,
    ) -> None:
        """Run one RLM session over datasets (offline policy when no CEO model is configured).

        Exit codes: 0 answered (also in the forced turn after --max-iterations), 1 errors, 3 a budget,
        4 a key missing or rejected, 5 the model unreachable, 130 interrupted."""
        from sro.rlm.limits import SandboxLimits
        from sro.rlm.models import EXIT_CODES
        from sro.rlm.session import RLMSession, SessionConfig

        with workspace_of(ctx) as ws:
            for name in dataset:
                ws.datasets.dataset(name)  # unknown names fail before a sandbox starts
            from sro.llm.preflight import check_roles
            from sro.triples.stage import extraction

            check_roles(ws.settings, ("ceo", "worker"))  # a missing key fails now, by name, not after retries
            session = RLMSession(ws, SessionConfig(
                datasets=tuple(dataset), max_iterations=max_iterations, max_depth=max_depth, campaign=campaign,
                limits=SandboxLimits(timeout_s=timeout), extract=extraction(ws, pipeline)))
            result = asyncio.run(session.run(question))
        if json_:
            print_json(result.summary())
        else:
            _print_result(result)
        if EXIT_CODES[result.stop_reason]:
            raise typer.Exit(EXIT_CODES[result.stop_reason])
