"""`sro` command line. Each stage contributes its commands through `register(app)` in its
`commands` module; this file only wires them and turns SROError into a clean exit."""

from __future__ import annotations

import functools
import importlib
import os
import sys
from pathlib import Path
from typing import Optional

import typer

import sro.live
from sro.errors import ExitCode, SROError

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

app = typer.Typer(
    name="sro",
    help="SRO: research campaigns that turn text collections into a verified RDF knowledge graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Command modules, registered in this order.
COMMAND_MODULES = [
    "sro.commands.data",
    "sro.commands.llm",
    "sro.commands.rlm",
    "sro.commands.extract",
    "sro.commands.judge",
    "sro.commands.campaign",
    "sro.commands.graph",
    "sro.commands.live",
]


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: Optional[Path] = typer.Option(
        None, "--workspace", "-w", envvar="SRO_WORKSPACE", help="Workspace directory (default: ./sro-workspace)"
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the LLM response cache."),
    ceo_model: Optional[str] = typer.Option(None, "--ceo-model", help="litellm model string for the CEO role."),
    worker_model: Optional[str] = typer.Option(None, "--worker-model", help="litellm model for the worker role."),
    judge_model: Optional[str] = typer.Option(None, "--judge-model", help="litellm model for the judge role."),
    wait: bool = typer.Option(False, "--wait", help="When another command is writing to the workspace, run after "
                              "it instead of stopping (accepted anywhere on the command line)."),
) -> None:
    if wait:
        sro.live.WAIT = True
    overrides: dict = {}
    if no_cache:
        overrides["cache"] = False
    for role, model in (("ceo", ceo_model), ("worker", worker_model), ("judge", judge_model)):
        if model:
            overrides[role] = {"model": model}
    ctx.obj = {"workspace": workspace, "overrides": overrides}


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def run_argv(argv: list[str]) -> int:
    """`sro <argv>` in this process; returns the exit code. Errors are one line on stderr."""
    try:
        _click_command().main(args=argv, prog_name="sro", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SROError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except Exception as exc:  # a forwarded command must never take the holder down
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n")
        return 1
    return 0


sro.live.RUN_ARGV = run_argv


@functools.cache
def _click_command():
    """The CLI's click command, built once for forwarded commands: typer rebuilds it from the annotations at
    every call (about 10 ms of CPU, most of a forwarded search)."""
    return command()


def main() -> None:
    """Run the CLI; every failure is one line on stderr and an ExitCode (never a traceback)."""
    sys.exit(_exit_code())


def _exit_code() -> int:
    from typer._click.exceptions import NoArgsIsHelpError  # typer vendors click: these are its classes

    argv = sys.argv[1:]
    if "--wait" in argv[: argv.index("--") if "--" in argv else len(argv)]:
        argv.remove("--wait")  # a global option, accepted after the command name too
        argv.insert(0, "--wait")
    sro.live.ARGV = argv
    try:
        code = command().main(args=argv, standalone_mode=False, prog_name="sro")
        return code if isinstance(code, int) else ExitCode.OK
    except SROError as exc:
        return _fail(str(exc), exc.exit_code)
    except NoArgsIsHelpError as exc:
        exc.show()
        return ExitCode.USAGE
    except typer.TyperException as exc:  # usage errors: bad option, missing argument, unknown command
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        return _fail(f"{exc.format_message()}{hint}", ExitCode.USAGE)
    except (KeyboardInterrupt, typer.Abort):
        return _fail("interrupted", ExitCode.INTERRUPTED)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}", ExitCode.ERROR)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - a bug (or a Rust panic, a BaseException) still gets one line
        if os.environ.get("SRO_DEBUG"):
            raise
        return _fail(f"internal error ({type(exc).__name__}: {_first_line(exc)}); rerun with SRO_DEBUG=1 "
                     "for the traceback", ExitCode.ERROR)


PLAIN_TYPES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "Path": "PATH",
               "datetime": "DATE", "bool": ""}


def command():
    """The click command of `app`, with help showing plain types (TEXT, PATH, ...; none for flags) where
    typer would print Python annotations such as <list[Path]>."""
    root = typer.main.get_command(app)
    stack = [root]
    while stack:
        cmd = stack.pop()
        stack.extend(getattr(cmd, "commands", {}).values())
        # click builds the --help option once per command and caches it: build it now so it is relabelled too
        help_option = cmd.get_help_option(typer.Context(cmd, **(cmd.context_settings or {})))
        for param in [*cmd.params, *([help_option] if help_option else [])]:
            label = param.display_type(None).strip("<>")
            label = label[5:-1] if label.startswith("list[") else label
            plain = PLAIN_TYPES.get(label, label.upper())
            param.display_type_rich = lambda ctx, plain=plain: plain or None  # type: ignore[method-assign]
    return root


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _fail(message: str, code: int) -> int:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return code


if __name__ == "__main__":
    main()
