"""`sro judge FILE.jsonl`: judge triples extracted anywhere with the pipeline's judge (see sro.triples.from_file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sro.console import print_json, print_table
from sro.commands.workspace import workspace_of

if TYPE_CHECKING:
    from sro.workspace import Workspace


def judge_file(ws: Workspace, path: Path, pipeline_name: str) -> dict:
    """Load, resolve and judge every line; the judge model is used when one is configured."""
    from sro.triples import from_file

    lines, _, judgments, _ = judge_lines(ws, path, pipeline_name)
    return from_file.summary(lines, judgments)


def judge_lines(ws: Workspace, path: Path, pipeline_name: str, *, calibrated: bool = True) -> tuple:
    """(input lines, resolved candidates, judgments, judge context) for a JSONL file."""
    from sro.triples import from_file

    return from_file.judge_triples(ws, list(from_file.read_lines(path)), pipeline_name, calibrated=calibrated)


def register(app: typer.Typer) -> None:
    @app.command("judge")
    def judge(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="JSONL: id, subject, predicate, object, quote, text (optional: title, doc_id, "
                                    "source_uri, kind, qualifiers) per line."),
        pipeline: str = typer.Option("generic", "--pipeline", "-p", help="Pipeline whose axioms judge."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable verdicts."),
    ) -> None:
        """Judge triples extracted elsewhere: a verdict, a score, per-axiom scores and reasons for each."""
        ws = workspace_of(ctx, create=True)  # a judge model's calls are cached and costed in a workspace
        try:
            out = judge_file(ws, file, pipeline)
        finally:
            ws.close()
        if as_json:
            print_json(out)
            return
        rows = [{"id": r["id"], "verdict": r["verdict"], "score": _shown_score(r),
                 "why": "; ".join(r["reasons"])[:120]} for r in out["results"]]
        print_table(rows, title=f"sro judge: {out['accepted']} of {out['judged']} accepted")


def past_gates(result: dict) -> bool:
    """No hard gate failed (a result of `judge_file`): its score is the calibrated probability; a triple a gate
    rejected keeps the axioms' raw weighted mean, which is none."""
    return result["verdict"] == "accepted" or all(r.startswith("total") for r in result["reasons"])


def _shown_score(result: dict) -> str:
    """The score as the table shows it: "gate" for a triple a gate rejected, not a number that reads as
    confidence (--json keeps it)."""
    gated = result["verdict"] == "rejected" and not past_gates(result)
    return "gate" if gated else f"{result['score']:.2f}"
