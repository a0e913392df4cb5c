"""Draw the candidates to label by hand from a workspace where `sro extract` ran over the real posts.

    python experiments/sample_candidates.py WORKSPACE OUT.jsonl [--n 340] [--seed 16]

Stratified: every economics candidate (what the solar study exists for), then other ontology predicates and
surface-predicate SVO triples; accepted and rejected alike, so that recall can be measured. Rows carry only
document ids, character offsets and the triple: the texts stay in /work/shared/data and are read at
evaluation time (experiments/eval_judge.py). Labels are added by hand.

experiments/labels/solar_real.jsonl: solar-000..339 are this script's draw (seed 16); solar-340..539 a
second draw, random.Random(1616).sample(200) over the ontology-predicate candidates of `rows()` not in the
first draw (run inline, not by this script); solar-540..742 a third draw from the 225 posts none of the
earlier draws touched (re-extracted with the extractor of 2026-12-05): every ontology-predicate candidate
there (153) and random.Random(1617).sample(50) of their SVO triples, split by the same hash of the post id;
solar-743..1026 a fourth draw from a fresh sweep of all posts (judge of 2026-12-05): every accepted candidate
not labelled before and random.Random(1618).sample(50) of each split's rejected ontology candidates (test
part 743..900 labelled blind to the verdicts, tune part 901..1026). Round 5 re-split: the candidates of the
test posts whose sha1("resplit:" + post id) is even were moved to tune (their errors were then read).
solar-1027..1071 (draw 5): random.Random(5) over the 292 unlabelled surface triples the pre-issue pipeline
(commit d110c9d, offline) accepted, first 45; split by the post's existing split, else the parity of
sha1("draw5:" + post id). Field `pre_issue`: that pipeline's verdict on the candidate (null: it never made it).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ECONOMICS = {"systemCost", "quotedPrice", "incentiveAmount", "taxCreditRate", "monthlyBill", "billBefore",
             "billAfter", "savings", "electricityRate", "paybackPeriod", "production", "componentFailure"}
PRONOUNS = {"i", "it", "we", "you", "they", "he", "she", "this", "that", "which", "who"}


def rows(workspace: Path) -> list[dict]:
    import duckdb

    con = duckdb.connect(str(workspace / "sro.duckdb"), read_only=True)
    try:
        got = con.execute("""SELECT c.doc_id, c.start_char, c.end_char, c.data, c.predicate_iri, j.verdict
                             FROM candidates c JOIN judgments j ON j.candidate_id = c.id ORDER BY c.id""").fetchall()
    finally:
        con.close()
    out = []
    for doc_id, start, end, data, iri, verdict in got:
        c = json.loads(data)
        document = c["subject"].get("ref") == "document"
        out.append({"doc_id": doc_id, "start": start, "end": end,
                    "subject": "this installation" if document else c["subject"]["text"],
                    "predicate": iri.rsplit("#", 1)[-1] if "/ontology/" in iri else c["predicate"],
                    "object": c["object"]["text"], "ontology": "/ontology/" in iri, "pipeline_verdict": verdict})
    return out


def draw(pool: list[dict], n: int, seed: int) -> list[dict]:
    """Every economics candidate, then a random draw from the other ontology predicates (two thirds of
    the rest) and from the surface SVO triples whose subject is not a bare pronoun (a third)."""
    rng = random.Random(seed)
    economics = [r for r in pool if r["predicate"] in ECONOMICS]
    other = [r for r in pool if r["ontology"] and r["predicate"] not in ECONOMICS]
    svo = [r for r in pool if not r["ontology"] and r["subject"].lower() not in PRONOUNS]
    left = max(0, n - len(economics))
    chosen = economics + rng.sample(other, min(len(other), left * 2 // 3))
    chosen += rng.sample(svo, min(len(svo), n - len(chosen)))
    rng.shuffle(chosen)
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("workspace", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=340)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    sample = draw(rows(args.workspace), args.n, args.seed)
    for i, r in enumerate(sample):
        r["id"] = f"solar-{i:03d}"
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample), encoding="utf-8")
    print(f"{len(sample)} candidates -> {args.out}")


if __name__ == "__main__":
    main()
