"""Fit a pipeline's accept-score calibration on the *tune* split of a labelled set (never on test).

    python experiments/fit_calibration.py [--set solar_real] [--pipeline solar_reddit] [--l2 1.0]

Judges the tune candidates without calibration, takes the general features of each candidate that passed
every hard gate (sro.judge.calibration.features) and its hand label, fits the logistic model and writes
pipelines/<pipeline>/calibration.json. experiments/eval_judge.py then reports the test split.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import ROOT  # noqa: E402

import eval_judge  # noqa: E402


def gated(judgment) -> bool:
    return judgment.verdict == "rejected" and not all(r.startswith("total") for r in judgment.reasons)


def training_rows(ws, rows: list[dict], pipeline: str) -> tuple[list[dict], list[bool]]:
    from sro.judge import calibration
    from sro.judge.quotes import own_sentence
    from sro.commands.judge import judge_lines

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        fh.write("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in eval_judge.judge_input(ws, rows)))
    lines, candidates, judgments, ctx = judge_lines(ws, Path(fh.name), pipeline, calibrated=False)
    Path(fh.name).unlink()
    label = {r["id"]: r["correct"] for r in rows}
    feats, labels = [], []
    for line, c, j in zip(lines, candidates, judgments):
        if not gated(j):  # the features of the candidate as the judge reads it (its quote narrowed to a sentence)
            feats.append(calibration.features(own_sentence(c, ctx), ctx, j.scores, j.total))
            labels.append(label[line.id])
    return feats, labels


def main() -> None:
    from sro.judge import calibration

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", default="solar_real")
    ap.add_argument("--pipeline", default="solar_reddit")
    ap.add_argument("--l2", type=float, default=1.0)
    args = ap.parse_args()
    rows = [r for r in eval_judge.load_labels(args.set) if r["split"] == "tune"]
    with eval_judge.posts_workspace() as ws:
        feats, labels = training_rows(ws, rows, args.pipeline)
    cal = calibration.fit(feats, labels, l2=args.l2)
    cal.fitted_on = f"experiments/labels/{args.set}.jsonl split=tune"
    cal.meta = {"candidates_past_gates": len(labels), "correct": sum(labels), "l2": args.l2}
    path = ROOT / "pipelines" / args.pipeline / calibration.FILE
    cal.save(path)
    print(f"{path}: fitted on {len(labels)} tune candidates ({sum(labels)} correct): {cal.weights} bias {cal.bias}")


if __name__ == "__main__":
    main()
