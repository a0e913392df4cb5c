"""`sro` command line. Each stage contributes its commands through `register(app)` in its
`commands` module; this file only wires them and turns SROError into a clean exit."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from sro.errors import SROError

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

app = typer.Typer(
    name="sro",
    help="SRO: research campaigns that turn text collections into a verified RDF knowledge graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Stage command modules, registered in this order (missing ones are skipped while stages are built).
COMMAND_MODULES = [
    "sro.data.commands",
    "sro.llm.commands",
    "sro.rlm.commands",
    "sro.extract.commands",
    "sro.campaign.commands",
    "sro.graph_commands",
    "sro.live.commands",
]


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: Optional[Path] = typer.Option(
        None, "--workspace", "-w", envvar="SRO_WORKSPACE", help="Workspace directory [default: ./sro-workspace]"
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the LLM response cache."),
    ceo_model: Optional[str] = typer.Option(None, "--ceo-model", help="litellm model string for the CEO role."),
    worker_model: Optional[str] = typer.Option(None, "--worker-model", help="litellm model for the worker role."),
    judge_model: Optional[str] = typer.Option(None, "--judge-model", help="litellm model for the judge role."),
    wait: bool = typer.Option(False, "--wait", help="When another command is writing to the workspace, run after "
                              "it instead of stopping (accepted anywhere on the command line)."),
) -> None:
    if wait:
        import sro.live

        sro.live.WAIT = True
    overrides: dict = {}
    if no_cache:
        overrides["cache"] = False
    for role, model in (("ceo", ceo_model), ("worker", worker_model), ("judge", judge_model)):
        if model:
            overrides[role] = {"model": model}
    ctx.obj = {"workspace": workspace, "overrides": overrides}


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


_register_all()


def main() -> None:
    import sro.live

    argv = sys.argv[1:]
    if "--wait" in argv[: argv.index("--") if "--" in argv else len(argv)]:
        argv.remove("--wait")  # a global option, accepted after the command name too
        argv.insert(0, "--wait")
    sro.live.ARGV = argv
    try:
        app(args=argv, prog_name="sro")
    except SROError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
