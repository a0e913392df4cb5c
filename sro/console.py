"""Shared output helpers for CLI commands: rich console, JSON output, progress bars."""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

# soft_wrap: a message stays one line whatever the terminal width (scripts grep for it; tables still fit)
console = Console(soft_wrap=True)
JSON_HELP = "Print JSON on stdout instead of text (messages and progress stay on stderr)."
err_console = Console(stderr=True, soft_wrap=True)


def _default(value: object) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def print_json(obj: object) -> None:
    """Machine-readable output on stdout, nothing else."""
    sys.stdout.write(json.dumps(obj, default=_default, ensure_ascii=False, indent=2) + "\n")


def print_table(rows: list[dict[str, Any]], columns: list[str] | None = None, title: str | None = None) -> None:
    columns = columns or (list(rows[0]) if rows else [])
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


PLAIN_PERIOD_S = 10.0  # off a terminal: one progress line per task at most this often (SRO_PROGRESS_SECONDS)


def plain_period_s() -> float:
    try:
        return max(0.0, float(os.environ.get("SRO_PROGRESS_SECONDS", PLAIN_PERIOD_S)))
    except ValueError:
        return PLAIN_PERIOD_S


class PlainLines:
    """Progress off a terminal (logs, CI, pipes): a plain line on stderr per task every plain_period_s()
    seconds, and a last one at the end if the task ran that long. Same calls as rich's Progress."""

    def __init__(self) -> None:
        self.tasks: dict[int, dict[str, Any]] = {}
        self.period = plain_period_s()

    def add_task(self, description: str, total: float | None = None) -> int:
        now = time.monotonic()
        self.tasks[len(self.tasks)] = {"description": description, "total": total, "completed": 0,
                                       "start": now, "last": now}
        return len(self.tasks) - 1

    def advance(self, task: int, advance: float = 1) -> None:
        self.update(task, advance=advance)

    def update(self, task: int, *, advance: float = 0, completed: float | None = None,
               total: float | None = None, description: str | None = None) -> None:
        state = self.tasks[task]
        state["completed"] = completed if completed is not None else state["completed"] + advance
        state["total"] = total if total is not None else state["total"]
        state["description"] = description if description is not None else state["description"]
        if time.monotonic() - state["last"] >= self.period:
            self._line(state)

    def finish(self) -> None:
        for state in self.tasks.values():
            if time.monotonic() - state["start"] >= self.period:
                self._line(state)

    @staticmethod
    def _line(state: dict[str, Any]) -> None:
        state["last"] = now = time.monotonic()
        done, total = state["completed"], state["total"]
        share = f" ({done / total:.0%})" if total else ""
        of = f"/{total:g}" if total is not None else ""
        sys.stderr.write(f"{state['description']}: {done:g}{of}{share} after {now - state['start']:.0f}s\n")
        sys.stderr.flush()


@contextmanager
def progress(enabled: bool = True) -> Iterator[Progress | PlainLines]:
    """A progress bar on stderr, plain periodic lines when stderr is not a terminal, nothing when disabled
    (--json output); usable the same way in all three cases."""
    if enabled and not err_console.is_terminal:
        lines = PlainLines()
        yield lines
        lines.finish()
        return
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not enabled,
        transient=False,
    )
    with bar:
        yield bar
