"""Planner benchmark -> experiments/results/bench_planner.json (issue 22).

Does the MCTS planner find more on-question evidence per node than simpler orders of the same work? On the
real r/TeslaSolar posts, offline (scripted RLM policy, NLP extraction, offline judge), at equal node
budgets, one campaign per (strategy, budget, dataset):

- mcts:   the default planner (pipeline defaults, reward-guided selection, gap proposals);
- flat:   a breadth-first sweep: depth 1, the root proposes budget - 1 sub-questions, all expanded (no
          stopping rule, so the sweep always spends its whole budget);
- random: the same tree and proposals, the next node drawn uniformly among the expandable ones (seeded);
- greedy: best-first: the expandable node whose parent earned the most reward (ties: oldest).

Measured per run: accepted facts (distinct), facts under the pipeline's own predicates, facts under the
core economics predicates, distinct documents covered by those facts, facts cited by the final (offline)
answer, cost, wall time.

To avoid tuning on the evaluation data the posts are split in two halves by a seeded hash of the post id:
`tune` (what the planner defaults were chosen on) and `test` (reported). Several split seeds; the full
557-post corpus is run as well (it contains the tuning half, so it is reported separately).

With `--ceo` the same four strategies run with the scripted loopback CEO instead of the offline policy
(tests/support/llm_server.py, tests/support/scripted_models.py; `transport = "litellm"`, so litellm's real
HTTP path runs): the CEO is the RLM root (it writes the sandbox code: search the question's words, extract
the first 6 hits, FINAL) and the planner's proposer; worker and judge stay offline, so facts come from the
same extractor and judge as offline. The scripted proposals are data-blind: "What do owners report about the
<aspect> of <topic>?" drawn by a hash of the current question from 12 topics x 8 aspects, priors fixed by
rank. The test script returns 3 per call whatever is asked; here the request's "at most N" is honoured (same
topics, aspects and hash), so the flat sweep can spend its budget. The results go under `scripted_ceo` in
the --out file, next to the offline ones.

Run: nice -n 10 .venv/bin/python experiments/bench_planner.py [--budgets 20 60] [--seeds 0 1 2] [--ceo]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from common import ROOT, write_result  # noqa: E402

REAL_CSV = ROOT.parent / "shared" / "data" / "reddit" / "teslasolar_posts_2025.csv"
QUESTION = "Is a home solar installation economical, considering all the experience reports?"
STRATEGIES = ("mcts", "flat", "random", "greedy")
CORE = frozenset({"systemCost", "quotedPrice", "paybackPeriod", "savings", "production", "monthlyBill",
                  "billBefore", "billAfter", "incentiveAmount", "taxCreditRate", "electricityRate"})
BLANK = {"ceo": {"model": None}, "worker": {"model": None}, "judge": {"model": None}}
os.environ.setdefault("SRO_TEST_KEY", "sk-bench-not-a-real-key")  # the loopback server ignores it


# --- the scripted loopback CEO (--ceo) ---------------------------------------------------------------
def proposals_n(body: dict) -> str:
    """tests/support/scripted_models.py `proposals_reply`, honouring the requested "at most N": N distinct
    (topic, aspect) questions drawn by a hash of the current sub-question; priors 0.7 .. 0.3 by rank (the
    test script's three are 0.7, 0.5, 0.3). Data-blind, deterministic."""
    from tests.support.llm_server import message_text
    from tests.support.scripted_models import ASPECTS, TOPICS

    text = message_text(body)
    current = re.search(r"Current sub-question: (.*)", text)
    n = int(re.search(r"Propose at most (\d+) new sub-questions", text).group(1))
    digest = hashlib.sha1((current.group(1) if current else text).encode()).digest()
    pairs = random.Random(digest).sample([(t, a) for t in TOPICS for a in ASPECTS], min(n, len(TOPICS) * len(ASPECTS)))
    step = 0.4 / max(len(pairs) - 1, 1)
    return json.dumps({"questions": [{"question": f"What do owners report about the {a} of {t}?",
                                      "prior": round(0.7 - i * step, 3)} for i, (t, a) in enumerate(pairs)]})


def scripted_ceo():
    """A started loopback server scripted as the CEO (the caller stops it), and the workspace overrides."""
    from tests.support.llm_server import ScriptedLLMServer
    from tests.support.scripted_models import role_overrides, script_server

    server = ScriptedLLMServer().start()
    server.add(r"Propose at most \d+ new sub-questions", proposals_n)  # earlier rules win over script_server's
    script_server(server)
    return server, {**BLANK, **role_overrides(server, ("ceo",), transport="litellm"), "cache": False}


# --- data -----------------------------------------------------------------------------------------
def split_rows(seed: int) -> dict[str, list[dict]]:
    """The posts in two halves by a seeded hash of the id: tune and test (and all of them)."""
    csv.field_size_limit(sys.maxsize)
    with REAL_CSV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    half = {"tune": [], "test": []}
    for row in rows:
        digest = hashlib.sha1(f"{seed}:{row['id']}".encode()).digest()
        half["tune" if digest[0] % 2 == 0 else "test"].append(row)
    return {**half, "all": rows}


def build_workspace(folder: Path, rows: list[dict]) -> int:
    """A workspace holding `rows` as dataset `posts` (ingested as `sro ingest table` would)."""
    from sro.data.ingest.runner import run_ingest
    from sro.data.ingest.table import TableColumns, table_loader
    from sro.workspace import Workspace

    folder.mkdir(parents=True)
    path = folder / "posts.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    cols = TableColumns(text="text", id="id", title="title", created="unix_timestamp", url="url", score="score")
    with Workspace.open(folder / "ws", BLANK) as ws:
        report = run_ingest(ws.datasets, "posts", [path], table_loader("posts", cols), on_error="skip")
    path.unlink()
    return report.documents_added + report.already_present


# --- strategies -------------------------------------------------------------------------------------
def other_select(strategy: str, planner, seed: int):
    """select() for the random and greedy baselines: same tree, proposals, virtual loss; another order."""
    from sro.mcts.select import apply_virtual_loss, expandable

    rng = random.Random(seed)
    tree, params = planner.tree, planner.params.select

    def parent_reward(node) -> float:
        parent = tree.nodes.get(node.parent) if node.parent else None
        return parent.reward or 0.0 if parent else 1.0

    def select():
        open_nodes = [n for n in tree if expandable(tree, n, params)]
        if not open_nodes:
            return None
        if strategy == "random":
            leaf = rng.choice(open_nodes)
        else:
            leaf = min(open_nodes, key=lambda n: (-parent_reward(n), n.seq))
        apply_virtual_loss(tree, leaf)
        return leaf

    return select


def scripted_reach(template: Path) -> dict:
    """How much of the corpus the scripted CEO's questions can reach: the scripted root searches the first six
    words of 4+ letters of its question (k = 6), and four of those six are the same in every scripted question
    ("What owners report about")."""
    from tests.support.scripted_models import ASPECTS, TOPICS
    from sro.workspace import Workspace

    questions = [f"What do owners report about the {a} of {t}?" for t in TOPICS for a in ASPECTS]
    with Workspace.open(template / "ws", BLANK) as ws:
        ds = ws.datasets.dataset("posts")
        reached = [{h.chunk_id for h in ds.search(" ".join(re.findall(r"[A-Za-z]{4,}", q)[:6]), k=6)}
                   for q in questions]
    return {"questions": len(questions), "hits": sum(len(r) for r in reached),
            "distinct_passages": len(set().union(*reached))}


def run_one(template: Path, work: Path, strategy: str, budget: int, seed: int, settings: dict | None = None,
            roles: dict | None = None) -> dict:
    from sro.campaign.runner import CampaignRunner
    from sro.campaign.spec import parse_spec
    from sro.mcts.expand_rlm import RLMExpander
    from sro.triples.stage import extraction
    from sro.workspace import Workspace

    folder = work / f"{strategy}-{budget}-{seed}"
    shutil.copytree(template / "ws", folder)
    budgets = {"max_nodes": budget, **({"max_depth": 1} if strategy == "flat" else {})}
    # The sweep expands every sub-question the root proposed (no stopping rule): its strongest form.
    mcts = {"parallel": 1, **(settings or {}), **({"min_gain": 0.0} if strategy == "flat" else {})}
    spec = parse_spec({"name": "bench", "question": QUESTION, "datasets": ["posts"], "pipeline": "solar_reddit",
                       "offline": roles is None, "budgets": budgets, "mcts": mcts, "outputs": {"report": False}})
    found: list = []
    t0 = time.perf_counter()
    with Workspace.open(folder, roles or BLANK) as ws:
        inner = RLMExpander(ws, partial(extraction, ws))

        async def expander(node, ctx):
            exp = await inner(node, ctx)
            found.extend(exp.accepted)
            return exp

        runner = CampaignRunner(ws, spec, expander=expander, handle_signals=False)
        original = runner._open

        def _open() -> None:
            original()
            if strategy == "flat":  # the root proposes the whole sweep (more than a spec may ask for)
                runner.eff = runner.eff.model_copy(update={"children": budget - 1})
            if strategy in ("random", "greedy"):
                runner.planner.select = other_select(strategy, runner.planner, seed)

        runner._open = _open
        summary = asyncio.run(runner.run())
        seconds = time.perf_counter() - t0
        cited = cited_facts(ws)
        pipeline = ws.pipeline("solar_reddit")
        expanded = dict(ws.db.execute(  # which proposer's questions were expanded (root: source NULL)
            "SELECT coalesce(n.source, 'root'), count(DISTINCT n.id) FROM mcts_nodes n JOIN mcts_results r "
            "ON r.campaign = n.campaign AND r.node = n.id WHERE n.campaign = 'bench' AND r.status = 'expanded' "
            "GROUP BY 1").fetchall())
    shutil.rmtree(folder)
    return {**measure(found, {p.name for p in pipeline.predicates}), "cited": cited,
            "nodes": summary.nodes_expanded, "cost_usd": summary.cost_usd, "seconds": round(seconds, 2),
            "stopped": summary.stopped_reason, "expanded_by_source": expanded, "llm_calls": summary.llm_calls,
            "errors": len(runner.errors)}


def measure(found: list, predicates: set[str]) -> dict:
    facts = {t.key: t for t in found}
    onto = [t for t in facts.values() if t.predicate in predicates]
    core = [t for t in onto if t.predicate in CORE]
    return {"accepted": len(facts), "pipeline_facts": len(onto), "core_facts": len(core),
            "docs": len({t.doc_id for t in onto}), "core_docs": len({t.doc_id for t in core}),
            "all_docs": len({t.doc_id for t in facts.values()})}


def cited_facts(ws) -> int:
    """Facts the campaign's computed (offline) answer uses."""
    from sro.campaign.report import build_report

    return asyncio.run(build_report(ws, "bench")).answer.facts_used


# --- aggregation ---------------------------------------------------------------------------------
METRICS = ("accepted", "pipeline_facts", "core_facts", "docs", "core_docs", "cited")


def summarise(runs: list[dict]) -> dict:
    """Per (split, budget, strategy): the mean of each metric over seeds, and MCTS / flat ratios."""
    out: dict = {}
    for run in runs:
        key = (run["split"], run["budget"], run["strategy"])
        out.setdefault(key, []).append(run)
    table: dict = {}
    for (split, budget, strategy), group in sorted(out.items()):
        means = {m: round(statistics.mean(r[m] for r in group), 1) for m in METRICS}
        means["seconds"] = round(statistics.mean(r["seconds"] for r in group), 2)
        table.setdefault(split, {}).setdefault(str(budget), {})[strategy] = means
    for split in table.values():
        for by_strategy in split.values():
            flat = by_strategy.get("flat")
            for strategy, means in by_strategy.items():
                if flat and strategy != "flat":
                    means["vs_flat"] = {m: round(means[m] / flat[m], 2) if flat[m] else None for m in METRICS}
    return table


def refresh_overhead(nodes: int = 10_000, rounds: int = 20) -> dict:
    """Re-scoring the look-ahead priors of `nodes` unexpanded offline proposals (previews memoised, as in a
    campaign), once per expansion: the planner bookkeeping the look-ahead adds, in ms per expansion."""
    from sro.mcts.gaps import Ledger
    from sro.mcts.lookahead import Lookahead
    from sro.mcts.tree import ResearchNode, Tree

    rng = random.Random(0)
    previews = {f"q{i}?": {f"p{rng.randrange(5000)}": 1.0 + rng.randrange(4) for _ in range(12)}
                for i in range(nodes)}
    tree = Tree("bench")
    tree.add(ResearchNode(id="root", parent=None, question="root?", depth=0))
    for i, question in enumerate(previews):
        tree.add(ResearchNode(id=f"n{i}", parent="root", question=question, depth=1, prior=1.0, source="gap"))
    ledger = Ledger()
    look = Lookahead(previews.get, ledger)
    look.refresh(tree)  # scores and indexes the nodes (in a campaign: a few per expansion, as they come)
    t0 = time.perf_counter()
    for r in range(rounds):
        ledger.read.update(f"p{rng.randrange(5000)}" for _ in range(12))  # one expansion read 12 passages
        look.refresh(tree)
    return {"refresh_ms_per_expansion_at_10k": round((time.perf_counter() - t0) / rounds * 1000, 2),
            "unexpanded_nodes": nodes}


def merge(names: list[str], out: str) -> None:
    """One result from several partial runs (e.g. one process per split seed)."""
    from common import RESULTS

    parts = [json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8")) for name in names]
    runs = [run for part in parts for run in part["runs"]]
    write_result(out, {**parts[0], "summary": summarise(runs), "overhead": refresh_overhead(), "runs": runs,
                       "merged_from": names})
    for name in names:
        (RESULTS / f"{name}.json").unlink()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budgets", type=int, nargs="+", default=[20, 60])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--splits", nargs="+", default=["test", "all"], help="tune | test | all")
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    parser.add_argument("--out", default="bench_planner")
    parser.add_argument("--set", nargs="*", default=[], help="campaign mcts settings to try, e.g. min_gain=0.5")
    parser.add_argument("--merge", nargs="*", default=[], help="only merge these result names (run in parallel)")
    parser.add_argument("--ceo", action="store_true",
                        help="with the scripted loopback CEO; written under `scripted_ceo` in the --out file")
    args = parser.parse_args()
    if args.merge:
        merge(args.merge, args.out)
        return
    if not REAL_CSV.exists():
        raise SystemExit(f"{REAL_CSV} not present")
    settings = {k: int(v) if v.isdigit() else float(v) for k, v in (item.split("=", 1) for item in args.set)}
    server, roles = scripted_ceo() if args.ceo else (None, None)
    runs: list[dict] = []
    reach: dict = {}
    load_before = os.getloadavg()
    try:
        with tempfile.TemporaryDirectory(prefix="sro-bench-planner-") as tmp:
            for seed in args.seeds:
                halves = split_rows(seed)
                for split in args.splits:
                    if split == "all" and seed != args.seeds[0]:
                        continue  # the full corpus does not depend on the split seed; random still varies by seed
                    template = Path(tmp) / f"{split}-{seed}"
                    docs = build_workspace(template, halves[split])
                    if args.ceo:
                        reach[split] = scripted_reach(template)
                    for budget in args.budgets:
                        for strategy in args.strategies:
                            run = run_one(template, Path(tmp), strategy, budget, seed, settings, roles)
                            runs.append({"split": split, "seed": seed, "budget": budget, "strategy": strategy,
                                         "documents": docs, **run})
                            print(runs[-1], flush=True)
                    shutil.rmtree(template)
    finally:
        if server is not None:
            server.stop()
    load = {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]}
    if not args.ceo:
        write_result(args.out, {"question": QUESTION, "settings": settings, "summary": summarise(runs),
                                "overhead": refresh_overhead(), "runs": runs,
                                "core_predicates": sorted(CORE), "load_avg": load})
        return
    from common import RESULTS

    path = RESULTS / f"{args.out}.json"
    result = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"question": QUESTION}
    result["scripted_ceo"] = {
        "what": "the same four strategies with the scripted loopback CEO (RLM root and proposer, litellm "
                "transport; worker and judge offline); its proposals are data-blind (12 topics x 8 aspects, "
                "picked by a hash of the current question, priors fixed by rank), see the module docstring",
        "settings": settings, "summary": summarise(runs), "runs": runs, "load_avg": load,
        "scripted_questions_reach": reach}
    write_result(args.out, result)


if __name__ == "__main__":
    main()
