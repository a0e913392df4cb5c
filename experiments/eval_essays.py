"""Coverage of plain expository text: how many of an essay's reference facts the accepted graph holds.

    python experiments/eval_essays.py [--split tune|test|all] [--as before|after] [--json]

Data: datasets/essays/{tune,test}.yaml, 32 synthetic encyclopedic essays on common-noun topics (black holes,
the heart, bread, tides, ...), each with 8-15 hand-written reference facts (subject | predicate | object).
Split by topic; rules are developed on tune only, test is reported.

What runs (the normal path, nothing simulated): `sro ingest table` puts the essays of a split (id, title,
text) into a fresh workspace; `TripleStage.for_workspace(ws, "generic", offline=True)` extracts (spaCy SVO + literals),
resolves and judges every chunk; only *accepted* triples are read back and matched.

Matcher (one rule, not tuned to any output; `match` below). Each phrase is parsed alone with the shared
spaCy model; its *head* is the lemma of its syntactic root (a noun for noun phrases: "faint glow" -> glow,
"field of surgery" -> field) and its *complement* is the lemma of the object of an "of" attached to the
head ("field of surgery" -> surgery). A reference phrase matches an extracted one when
- the heads are equal (lemmas, so "black holes" matches "black hole"; a proper name matches when the
  reference's head is one of the extracted phrase's words: "Gutenberg" / "Johannes Gutenberg"), and
- the reference's of-complement, if it has one, is among the extracted phrase's lemmas ("field" alone
  does not match "field of surgery"); other modifiers are optional ("glow" matches "faint glow").
A reference predicate matches when its main verb lemma (`predicates.lemma_phrase`, auxiliaries dropped:
"is called" -> call, "is" -> be, "made from" -> make) is one of the extracted predicate's lemmas.
Subject matches subject and object matches object; subject and object may be swapped only when exactly
one of the two predicates is a passive with "by" ("developed by" against "develop"). A reference fact is
covered when an accepted triple of the same essay matches it. Each accepted triple may cover several
reference facts only if they are the same fact written twice (they never are).

Writes experiments/results/eval_essays.json: per split, coverage (covered / reference facts), the share of
essays with at least one accepted fact, accepted counts; `--as before` stores the figures under "before"
(run it with the code of main before the change: PYTHONPATH=<main checkout>), default "after"; the
other key already in the file is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from common import RESULTS, ROOT, write_result  # noqa: E402

import yaml  # noqa: E402

SRO = str(Path(sys.executable).with_name("sro"))
DATA = ROOT / "datasets" / "essays"


class Phrase(NamedTuple):
    head: str
    complement: str | None
    lemmas: frozenset[str]


class Fact(NamedTuple):
    subject: str
    predicate: str
    object: str


def load(split: str) -> list[dict]:
    names = ["tune", "test"] if split == "all" else [split]
    return [e for name in names for e in yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))]


def reference(essay: dict) -> list[Fact]:
    return [Fact(*(part.strip() for part in line.split("|"))) for line in essay["facts"]]


@lru_cache(maxsize=10_000)
def phrase(text: str) -> Phrase:
    from sro.nlp.nlp import load_nlp

    doc = load_nlp()(text.strip())
    lemmas = frozenset(t.lemma_.lower() for t in doc if not t.is_punct)
    roots = [t for t in doc if t.dep_ == "ROOT"]
    if not roots:
        return Phrase("", None, lemmas)
    root = roots[0]
    complement = next((p.lemma_.lower() for prep in root.children if prep.dep_ == "prep" and prep.lower_ == "of"
                       for p in prep.children if p.dep_ == "pobj"), None)
    return Phrase(root.lemma_.lower(), complement, lemmas)


def same_thing(ref: str, got: str) -> bool:
    r, g = phrase(ref), phrase(got)
    if not r.head:
        return False
    proper = ref[:1].isupper() and r.head in g.lemmas
    if r.head != g.head and not proper:
        return False
    return r.complement is None or r.complement in g.lemmas


def verb_of(predicate: str) -> str:
    from sro.nlp.predicates import lemma_phrase

    words = lemma_phrase(predicate).split()
    return words[0] if words else ""


def predicate_matches(ref: str, got: str) -> bool:
    from sro.nlp.predicates import lemma_phrase

    verb = verb_of(ref)
    return bool(verb) and verb in set(lemma_phrase(got).split()) | set(got.lower().split())


def passive(predicate: str) -> bool:
    return predicate.lower().split()[-1:] == ["by"]


def match(ref: Fact, got: Fact) -> bool:
    if not predicate_matches(ref.predicate, got.predicate):
        return False
    if same_thing(ref.subject, got.subject) and same_thing(ref.object, got.object):
        return True
    swapped = passive(ref.predicate) != passive(got.predicate)
    return swapped and same_thing(ref.subject, got.object) and same_thing(ref.object, got.subject)


def ingest(workspace: Path, essays: list[dict]) -> None:
    rows = Path(workspace.parent / f"{workspace.name}.jsonl")
    rows.write_text("".join(json.dumps({"id": e["id"], "title": e["topic"], "text": e["text"]}) + "\n"
                            for e in essays), encoding="utf-8")
    out = subprocess.run([SRO, "-w", str(workspace), "ingest", "table", str(rows), "-d", "essays", "--text", "text",
                          "--id", "id", "--title", "title", "--json"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"ingest failed: {out.stderr.strip() or out.stdout.strip()}")


async def accepted(workspace: Path) -> dict[str, list[Fact]]:
    """Accepted triples per essay id, from the real TripleStage (generic pipeline, offline)."""
    from sro.triples.stage import TripleStage
    from sro.workspace import Workspace

    ws = Workspace.open(workspace, overrides={role: {"model": None} for role in ("ceo", "worker", "judge")})
    try:
        stage = TripleStage.for_workspace(ws, "generic", offline=True)
        out: dict[str, list[Fact]] = {}
        for batch in ws.datasets.iter_chunks("essays", batch=64):
            result = await stage.run(batch, campaign="eval_essays")
            for t in result.accepted:
                c = t.candidate
                out.setdefault(c.evidence.doc_id, []).append(Fact(c.subject.text, c.predicate, c.object.text))
        return out
    finally:
        ws.close()


def essay_of(doc_id: str, ids: set[str]) -> str:
    """The essay id inside a document id ("essays:black-holes" or similar)."""
    return next((i for i in ids if doc_id == i or doc_id.endswith(":" + i) or doc_id.endswith("/" + i)), doc_id)


def evaluate(essays: list[dict], show: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="sro-eval-essays-") as tmp:
        workspace = Path(tmp) / "ws"
        ingest(workspace, essays)
        raw = asyncio.run(accepted(workspace))
    ids = {e["id"] for e in essays}
    facts: dict[str, list[Fact]] = {}
    for doc_id, got in raw.items():
        facts.setdefault(essay_of(doc_id, ids), []).extend(got)
    per_essay, covered, total = {}, 0, 0
    for e in essays:
        got = facts.get(e["id"], [])
        refs = reference(e)
        hits = [r for r in refs if any(match(r, g) for g in got)]
        if e["id"] == show:
            print("accepted:", *got, "missed:", *(r for r in refs if r not in hits), sep="\n  ")
        per_essay[e["id"]] = {"reference": len(refs), "covered": len(hits), "accepted": len(got)}
        covered, total = covered + len(hits), total + len(refs)
    return {"essays": len(essays), "reference_facts": total, "covered": covered,
            "coverage": round(covered / total, 3) if total else 0.0,
            "essays_with_accepted_fact": round(sum(v["accepted"] > 0 for v in per_essay.values()) / len(essays), 3),
            "accepted": sum(v["accepted"] for v in per_essay.values()), "per_essay": per_essay}


def commit() -> str:
    import sro

    out = subprocess.run(["git", "-C", str(Path(sro.__file__).parent), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="all", choices=("all", "tune", "test"))
    ap.add_argument("--as", dest="label", default="after", choices=("before", "after"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show", default=None, help="print the accepted triples and the missed reference facts of "
                    "one tune essay (by id); refused for test essays")
    args = ap.parse_args(argv)
    splits = ["tune", "test"] if args.split == "all" else [args.split]
    if args.show and args.show not in {e["id"] for e in load("tune")}:
        raise SystemExit("--show: only tune essays may be inspected")
    figures = {"code": commit(), **{s: evaluate(load(s), args.show) for s in splits}}
    path = RESULTS / "eval_essays.json"
    result = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    result = {"data": "datasets/essays (synthetic)", "pipeline": "generic (offline)"} | result
    result[args.label] = {**result.get(args.label, {}), **figures}
    write_result("eval_essays", result)
    if args.json:
        print(json.dumps(figures, indent=2))
    print("eval_essays (" + args.label + "): " + ", ".join(
        f"{s} coverage {figures[s]['coverage']:.3f} ({figures[s]['covered']}/{figures[s]['reference_facts']}), "
        f"essays with an accepted fact {figures[s]['essays_with_accepted_fact']:.2f}" for s in splits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
