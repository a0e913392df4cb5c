"""Precision, recall and calibration of the judge on hand-labelled candidates, per split and per error kind.

    python experiments/eval_judge.py [--json] [--split test|tune|all]

Sets (labels in experiments/labels/, texts read in place from /work/shared/data at run time, never copied):
- solar_real: candidates the offline extractor made from the 557 real r/TeslaSolar posts, labelled by hand:
  correct only if the author asserts the fact as true of that subject, with the number in its right role
  (error kinds: hypothetical, question, plan, reported, other_system, number_role, wrong_predicate,
  negated, vague, garbled, not_stated). Split by document (a hash of the post id): tune / test.
  The candidates go through `sro judge` (sro.commands.judge.judge_file) exactly as a user's file would.
  `pre_issue_accepted` repeats precision and recall on the candidates the pre-issue pipeline (commit
  d110c9d, offline) had accepted (label field `pre_issue`): the population the issue's 0.64 was measured on.
- webnlg: eval_webnlg's judge sets (correct triples and three corruptions) on the WebNLG categories of the
  split (webnlg_data.split: by category, so test categories are unseen by anything tuned on tune).
Writes experiments/results/eval_judge.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from common import ROOT, write_result  # noqa: E402

LABELS = ROOT / "experiments" / "labels"
POSTS = Path("/work/shared/data/reddit/teslasolar_posts_2025.csv")
BINS = (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.01)


def load_labels(name: str) -> list[dict]:
    return [json.loads(line) for line in (LABELS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def ingest_posts(workspace: Path) -> None:
    """The posts as `sro ingest table` stores them: the labels' offsets index these document texts."""
    cmd = [sys.executable, "-c", "from sro.commands.cli import main; main()", "-w", str(workspace), "ingest", "table",
           str(POSTS), "-d", "teslasolar", "--text", "content", "--id", "id", "--title", "title", "--created",
           "unix_timestamp", "--url", "url", "--score", "score", "--json"]
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)


def judge_input(ws, rows: list[dict]) -> list[dict]:
    lines = []
    for r in rows:
        doc = ws.datasets.document(r["doc_id"])
        lines.append({"id": r["id"], "subject": r["subject"], "predicate": r["predicate"], "object": r["object"],
                      "quote": doc.text[r["start"]:r["end"]], "text": doc.text, "title": doc.title,
                      "doc_id": doc.id, "source_uri": doc.source_uri, "kind": doc.kind})
    return lines


def judge_rows(ws, lines: list[dict], pipeline: str) -> dict[str, dict]:
    from sro.commands.judge import judge_file

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        fh.write("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    out = judge_file(ws, Path(fh.name), pipeline)
    Path(fh.name).unlink()
    return {r["id"]: r for r in out["results"]}


def metrics(rows: list[dict], results: dict[str, dict]) -> dict:
    accepted = [r for r in rows if results[r["id"]]["verdict"] == "accepted"]
    correct = [r for r in rows if r["correct"]]
    hits = sum(r["correct"] for r in accepted)
    kinds: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        if not r["correct"]:
            kinds[r["error"]]["rejected" if results[r["id"]]["verdict"] != "accepted" else "accepted"] += 1
    return {"candidates": len(rows), "correct": len(correct), "accepted": len(accepted),
            "precision": round(hits / len(accepted), 3) if accepted else None,
            "recall": round(hits / len(correct), 3) if correct else None,
            "wrong_accepted_by_kind": {k: c["accepted"] for k, c in sorted(kinds.items()) if c["accepted"]},
            "wrong_rejected_by_kind": {k: f"{c['rejected']}/{sum(c.values())}" for k, c in sorted(kinds.items())},
            "calibration": calibration(rows, results)}


def calibration(rows: list[dict], results: dict[str, dict]) -> dict:
    """Reliability table over the candidates past every hard gate (score bin -> share correct) and the
    expected calibration error: the bin-size-weighted mean |mean score - share correct|."""
    from sro.commands.judge import past_gates

    rows = [r for r in rows if past_gates(results[r["id"]])]
    table, ece = [], 0.0
    for lo, hi in zip(BINS, BINS[1:]):
        inside = [r for r in rows if lo <= results[r["id"]]["score"] < hi]
        if not inside:
            continue
        mean = sum(results[r["id"]]["score"] for r in inside) / len(inside)
        share = sum(r["correct"] for r in inside) / len(inside)
        table.append({"bin": f"[{lo:.2f},{min(hi, 1.0):.2f}]", "n": len(inside), "mean_score": round(mean, 3),
                      "share_correct": round(share, 3)})
        ece += len(inside) / len(rows) * abs(mean - share)
    return {"candidates_past_gates": len(rows), "table": table, "ece": round(ece, 3) if rows else None}


@contextmanager
def posts_workspace() -> Iterator:
    """A temporary workspace holding the real posts (offline: no model for any role)."""
    from sro.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="sro-eval-judge-") as tmp:
        ingest_posts(Path(tmp) / "ws")
        ws = Workspace.open(Path(tmp) / "ws", overrides={r: {"model": None} for r in ("ceo", "worker", "judge")})
        try:
            yield ws
        finally:
            ws.close()


def solar(split: str) -> dict:
    rows = [r for r in load_labels("solar_real") if split == "all" or r["split"] == split]
    with posts_workspace() as ws:
        results = judge_rows(ws, judge_input(ws, rows), "solar_reddit")
    # The population the sample came from: facts the pre-issue pipeline accepted.
    before = [r for r in rows if r.get("pre_issue") == "accepted"]
    subset = {k: v for k, v in metrics(before, results).items() if k != "calibration"}
    return {split: {**metrics(rows, results), "pre_issue_accepted": subset}}


def webnlg(split: str) -> dict:
    """The judge sets of eval_webnlg (correct triples; other-sentence, swapped, replaced-object corruptions)
    on the WebNLG categories of this split."""
    import eval_webnlg
    import webnlg_data

    if not webnlg_data.DEFAULT.exists():
        return {"skipped": f"{webnlg_data.DEFAULT} not present"}
    entries = [e for e in webnlg_data.load() if split == "all" or webnlg_data.split(e) == split]
    docs, _ = eval_webnlg.docs_and_chunks(entries)
    result = eval_webnlg.run_judge(entries, webnlg_data.pipeline(entries), docs)
    return {split: {"categories": sorted({e.category for e in entries}), **result}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--split", default="test", choices=("test", "tune", "all"))
    args = ap.parse_args(argv)
    if not POSTS.exists():
        print(f"eval_judge: {POSTS} not present")
        return 2
    result = {"solar_real": solar(args.split), "webnlg": webnlg(args.split)}
    if args.split == "test":
        write_result("eval_judge", result)
    solar_m, web = result["solar_real"][args.split], result["webnlg"].get(args.split, {})
    print(json.dumps(result, indent=2) if args.json else json.dumps(
        {"solar_real": {m: solar_m[m] for m in ("precision", "recall", "accepted")},
         "ece": solar_m["calibration"]["ece"], "webnlg": {k: web.get(k) for k in ("correct_accepted",
                                                                                  "wrong_rejected_by_kind")}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
