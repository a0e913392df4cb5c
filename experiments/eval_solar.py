"""Offline solar campaign on the 557 real r/TeslaSolar posts: stats, triples per predicate, a sample to check.

    python experiments/eval_solar.py [--data CSV] [--json] [--workspace DIR] [--max-nodes N] [--seed S]

What runs (the real product path, offline, no model):
1. `sro ingest table` loads the posts CSV (title + body as text, the post id, score, date and URL) into a
   fresh workspace as dataset "teslasolar";
2. `sro run` runs pipelines/solar_reddit's campaign question over it offline (MCTS over RLM sessions with
   the scripted policy, offline extraction = spaCy SVO + the pipeline's patterns, the axiom judge);
3. `--sweep` (on by default) then runs the same TripleStage over every chunk of the dataset under the
   same campaign name, as `sro extract` does: the campaign explores what its questions reach; the sweep
   measures what the pipeline accepts over the whole corpus. Both numbers are reported separately.
Outputs: experiments/results/eval_solar.json (stats, accepted triples per predicate, campaign summary,
distinct posts the report cites; the report itself stays in the workspace, see --workspace) and experiments/results/solar_sample.csv (100 randomly drawn accepted
triples with quote and permalink, for a person to check; columns `correct` and `note` are left empty).
Targets: >= 300 accepted triples; the report's answer cites >= 10 distinct posts.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import RESULTS, write_result  # noqa: E402

DEFAULT_DATA = Path("/work/shared/data/reddit/teslasolar_posts_2025.csv")
SRO = str(Path(sys.executable).with_name("sro"))
CAMPAIGN = "solar-real"
QUESTION = "Is a home solar installation economical, considering all the experience reports?"


def sro(workspace: Path, *args: str) -> dict:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    for role in ("CEO", "WORKER", "JUDGE"):  # offline: never pick up a model from the environment
        env.pop(f"SRO_{role}_MODEL", None)
    out = subprocess.run([SRO, "-w", str(workspace), *args, "--json"], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"sro {' '.join(args[:2])} failed ({out.returncode}): {out.stderr.strip()[-2000:]}")
    text = out.stdout
    return json.loads(text[text.index("{"):]) if "{" in text else {}


def write_spec(path: Path, max_nodes: int, max_depth: int) -> None:
    import yaml

    spec = {
        "name": CAMPAIGN, "question": QUESTION, "datasets": ["teslasolar"], "pipeline": "solar_reddit",
        "offline": True, "budgets": {"max_nodes": max_nodes, "max_depth": max_depth, "wall_time_s": 900},
        "outputs": {"key_facts": 40},
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


async def sweep(workspace: Path) -> dict:
    """TripleStage over every chunk (finished chunks are skipped by the stage's own bookkeeping)."""
    from sro.triples.result import StageResult
    from sro.triples.stage import TripleStage
    from sro.workspace import Workspace

    ws = Workspace.open(workspace, overrides={r: {"model": None} for r in ("ceo", "worker", "judge")})
    try:
        stage = TripleStage.for_workspace(ws, "solar_reddit", offline=True)
        total = StageResult()
        for batch in ws.datasets.iter_chunks("teslasolar", batch=128):
            total.merge(await stage.run(batch, campaign=CAMPAIGN), keep_triples=False)
        return total.summary()
    finally:
        ws.close()


def accepted_rows(workspace: Path) -> list[dict]:
    """Every accepted candidate with its document's permalink, read from the workspace's DuckDB."""
    import duckdb

    con = duckdb.connect(str(workspace / "sro.duckdb"), read_only=True)
    try:
        rows = con.execute(
            """SELECT c.id, c.doc_id, c.subject, c.predicate, c.predicate_iri, c.object, c.quote, c.extractor,
                      c.campaign, j.total, d.source_uri, d.title
               FROM candidates c JOIN judgments j ON j.candidate_id = c.id
               LEFT JOIN documents d ON d.id = c.doc_id
               WHERE j.verdict = 'accepted' ORDER BY c.id""").fetchall()
        cols = ["id", "doc_id", "subject", "predicate", "predicate_iri", "object", "quote", "extractor",
                "campaign", "score", "permalink", "title"]
        return [dict(zip(cols, r)) for r in rows]
    finally:
        con.close()


def local(iri: str | None, fallback: str) -> str:
    return re.split(r"[#/]", iri)[-1] if iri else fallback


def cited_posts(report: Path, doc_ids: set[str], urls: set[str]) -> int:
    """Distinct posts the report links or names (permalinks or document ids)."""
    if not report.exists():
        return 0
    text = report.read_text(encoding="utf-8")
    return len({u for u in urls if u and u in text} | {d for d in doc_ids if d in text})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--workspace", type=Path, default=None, help="keep the workspace here (default: temp)")
    ap.add_argument("--max-nodes", type=int, default=60)
    ap.add_argument("--max-depth", type=int, default=3)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--no-sweep", dest="sweep", action="store_false")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"eval_solar: {args.data} not present")
        return 2
    with tempfile.TemporaryDirectory(prefix="sro-eval-solar-") as tmp:
        ws = args.workspace or Path(tmp) / "ws"
        started = time.perf_counter()
        ingest = sro(ws, "ingest", "table", str(args.data), "-d", "teslasolar", "--text", "content", "--id", "id",
                     "--title", "title", "--created", "unix_timestamp", "--url", "url", "--score", "score",
                     "--description", "r/TeslaSolar posts 2025 (real)")
        spec = Path(tmp) / "solar-real.yaml"
        write_spec(spec, args.max_nodes, args.max_depth)
        t0 = time.perf_counter()
        campaign = sro(ws, "run", str(spec))
        campaign_s = time.perf_counter() - t0
        campaign_rows = accepted_rows(ws)
        campaign_report = Path(campaign.get("report") or ws / "runs" / CAMPAIGN / "report.md")
        campaign_cited = cited_posts(campaign_report, {r["doc_id"] for r in campaign_rows},
                                     {r["permalink"] for r in campaign_rows})
        sweep_summary, sweep_s = None, 0.0
        if args.sweep:
            t0 = time.perf_counter()
            sweep_summary = asyncio.run(sweep(ws))
            sweep_s = time.perf_counter() - t0
            # the report is rewritten so that it covers the whole graph the campaign now holds
            sro(ws, "report", CAMPAIGN)
        rows = accepted_rows(ws)
        report = Path(campaign.get("report") or ws / "runs" / CAMPAIGN / "report.md")
        if not report.is_absolute():
            report = ws / report if (ws / report).exists() else report
        distinct_docs = {r["doc_id"] for r in rows}
        cited = cited_posts(report, distinct_docs, {r["permalink"] for r in rows})
        per_predicate = Counter(local(r["predicate_iri"], r["predicate"]) for r in rows)
        from pipelines import load_pipeline

        base = load_pipeline("solar_reddit").base_iri
        mapped = [r for r in rows if (r["predicate_iri"] or "").startswith(base)]
        distinct = {(r["doc_id"] if r["subject"] == r["title"] else r["subject"].lower(),
                     local(r["predicate_iri"], r["predicate"]), str(r["object"]).lower()) for r in rows}
        distinct_mapped = {t for t in distinct if t[1] in {p.name for p in load_pipeline("solar_reddit").predicates}}
        per_extractor = Counter(r["extractor"].split(":")[0] for r in rows)
        rng = random.Random(args.seed)
        sample = rng.sample(rows, min(100, len(rows)))
        RESULTS.mkdir(parents=True, exist_ok=True)
        with open(RESULTS / "solar_sample.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["subject", "predicate", "ontology", "object", "score", "extractor", "quote", "permalink",
                        "post_title", "correct", "note"])
            for r in sorted(sample, key=lambda r: (local(r["predicate_iri"], r["predicate"]), r["doc_id"])):
                w.writerow([r["subject"], local(r["predicate_iri"], r["predicate"]),
                            "yes" if (r["predicate_iri"] or "").startswith(base) else "no", r["object"],
                            round(r["score"], 3), r["extractor"], " ".join(r["quote"].split()), r["permalink"],
                            r["title"], "", ""])
        # The report quotes real posts: it stays in the workspace (keep one with --workspace), not in the repo.
        report_copy = report if args.workspace else None
        result = {
            "data": str(args.data), "posts": ingest.get("documents_added", ingest.get("documents")),
            "ingest": ingest, "campaign": campaign, "campaign_seconds": round(campaign_s, 1),
            "campaign_accepted": len(campaign_rows),
            "campaign_accepted_ontology_predicates": sum(
                (r["predicate_iri"] or "").startswith(base) for r in campaign_rows),
            "campaign_posts_with_accepted": len({r["doc_id"] for r in campaign_rows}),
            "campaign_report_distinct_posts_cited": campaign_cited,
            "sweep": sweep_summary, "sweep_seconds": round(sweep_s, 1),
            "accepted": len(rows), "distinct_posts_with_accepted": len(distinct_docs),
            "accepted_ontology_predicates": len(mapped), "accepted_unmapped_relations": len(rows) - len(mapped),
            "distinct_triples": len(distinct), "distinct_triples_ontology_predicates": len(distinct_mapped),
            "posts_with_ontology_facts": len({r["doc_id"] for r in mapped}),
            "accepted_per_predicate": dict(per_predicate.most_common()),
            "accepted_per_extractor": dict(per_extractor), "report": str(report_copy) if report_copy else "temporary workspace (use --workspace to keep it)",
            "report_distinct_posts_cited": cited, "sample_csv": str(RESULTS / "solar_sample.csv"),
            "seconds": round(time.perf_counter() - started, 1),
            "targets": {"accepted>=300": len(rows) >= 300, "report_cites>=10_posts": cited >= 10,
                        "campaign_alone_accepted>=300": campaign.get("accepted", 0) >= 300,
                        "campaign_alone_report_cites>=10_posts": campaign_cited >= 10,
                        "ontology_facts>=300": len(mapped) >= 300},
        }
    write_result("eval_solar", result, default=str)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    print(f"eval_solar: {result['posts']} posts, campaign accepted {len(campaign_rows)} "
          f"({result['campaign'].get('nodes_expanded')} nodes, {campaign_s:.0f} s), total accepted {len(rows)} "
          f"in {len(distinct_docs)} posts ({len(mapped)} on ontology predicates), report cites {cited} posts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
