"""CUAD evaluation of the legal_contracts pipeline: extracted contract facts against CUAD's gold answers.

    python experiments/eval_cuad.py [--data PATH] [--json] [--limit N] [--workspace DIR] [--model]

What runs (the real engine, nothing simulated):
1. `sro ingest docs` puts every contract of `<data>/contracts/*.txt` into a fresh workspace (dataset
   "contracts"); 2. `TripleStage.for_workspace(ws, "legal_contracts")` (offline: spaCy SVO + the pipeline's patterns,
   resolution, the axiom judge) runs over all chunks; 3. only *accepted* triples are read back and compared
   with `gold_master_clauses.csv`. The gold table is opened only after extraction has finished.
With `--model` (and a worker model configured through SRO_WORKER_MODEL etc.) the same run is repeated with
the LLM extractor and reported under "model"; without one, "model" says why it was skipped.

Normalisation rules (pipelines/normalize.py, applied identically to extraction and gold):
- dates -> ISO 8601 at the precision given: "June 8, 2010" / gold "6/8/10" -> 2010-06-08; gold
  "[]/[]/2004" -> 2004; "11/[]/2006" -> 2006-11 (two-digit years <= 40 are 20xx);
- durations -> ISO 8601, years and months in months (P12M == "1 year" == "12 months"), days and
  weeks in days (P90D); CUAD's "successive 1 year" -> P12M; "perpetual" stays "perpetual";
- governing law -> a canonical jurisdiction ("the State of New York" -> New York, "England and Wales" ->
  England); a gold answer naming several ("Massachusetts; Netherlands") is matched by any of them;
- parties -> lower case, no punctuation, legal-form suffixes (Inc., Corp., LLC, ...) removed; a party
  matches a gold party when the keys are equal, one contains the other, or their token-set similarity is
  >= 90 (rapidfuzz);
- yes/no clause categories: "Yes" when at least one accepted triple of the predicate exists.
Functional predicates (agreement/effective/expiration date, governing law): the accepted value with the
earliest evidence offset in the contract is the answer (the judge already turns later different values
into conflicts).

Metrics per category over the contracts with a gold row:
- accuracy = share of contracts where the answer equals the gold answer (no answer == empty gold counts as
  correct; for yes/no categories this is plain accuracy);
- precision = correct answers / contracts with an answer; recall = correct answers / contracts with a
  gold answer (for yes/no: precision and recall of "Yes").
Parties: an answer is correct when every extracted party matches a gold party (its name or one of the
aliases the gold answer defines for it, e.g. "NTL") and at least min(2, #gold parties) gold parties are
matched.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import write_result  # noqa: E402

from pipelines.normalize import duration, iso_date, jurisdictions, party_key  # noqa: E402

DEFAULT_DATA = Path("/work/shared/data/legal/cuad")
SRO = str(Path(sys.executable).with_name("sro"))

# category -> (gold column, predicate local name, kind)
VALUE_CATEGORIES = {
    "parties": ("Parties-Answer", "hasParty", "party"),
    "agreement_date": ("Agreement Date-Answer", "agreementDate", "date"),
    "effective_date": ("Effective Date-Answer", "effectiveDate", "date"),
    "expiration_date": ("Expiration Date-Answer", "expirationDate", "expiration"),
    "renewal_term": ("Renewal Term-Answer", "renewalTerm", "duration"),
    "notice_period_to_terminate_renewal": ("Notice Period To Terminate Renewal- Answer",
                                           "noticeToTerminateRenewal", "duration"),
    "governing_law": ("Governing Law-Answer", "governingLaw", "jurisdiction"),
}
YES_NO_CATEGORIES = {
    "termination_for_convenience": ("Termination For Convenience-Answer", "terminationForConvenience"),
    "exclusivity": ("Exclusivity-Answer", "exclusivity"),
    "non_compete": ("Non-Compete-Answer", "nonCompete"),
    "cap_on_liability": ("Cap On Liability-Answer", "capOnLiability"),
    "anti_assignment": ("Anti-Assignment-Answer", "antiAssignment"),
    "audit_rights": ("Audit Rights-Answer", "auditRights"),
}


# --- normalisation of one value ------------------------------------------------------------------------
def norm(kind: str, text: str) -> str | None:
    text = (text or "").strip()
    if not text or text == "[]":
        return None
    if kind == "date":
        return iso_date(text)
    if kind == "duration":
        return "perpetual" if "perpetual" in text.lower() else duration(text.split(";")[0])
    if kind == "expiration":
        return "perpetual" if "perpetual" in text.lower() else iso_date(text)
    if kind == "jurisdiction":
        found = jurisdictions(text)
        return found[0] if found else None
    return text


def gold_parties(answer: str) -> list[list[str]]:
    """Each gold party as its name key plus the keys of its defined aliases: 'ACCURAY INCORPORATED
    ("Accuray")' -> ["accuray", ...]; an extracted alias ("NTL" for Northern Telecom) names the same party."""
    parties: list[list[str]] = []
    for part in answer.split(";"):
        name = party_key(part.split("(")[0])
        aliases = [party_key(a) for a in re.findall(r"[\"“]([^\"“”]{1,40})[\"”]", part)]
        keys = [k for k in dict.fromkeys([name, *aliases]) if k and k not in {"party", "parties"}]
        if keys:
            parties.append(keys)
    return parties


def party_match(a: str, names: list[str] | str) -> bool:
    from rapidfuzz import fuzz

    for b in [names] if isinstance(names, str) else names:
        if a == b or (len(a) > 3 and len(b) > 3 and (a in b or b in a)) or fuzz.token_set_ratio(a, b) >= 90:
            return True
    return False


# --- extraction through the real engine -------------------------------------------------------------------
def split_of(name: str) -> str:
    """"tune" or "test" for a contract file (a stable hash of its stem): the patterns are tuned on one half
    and measured on contracts they never saw."""
    return "test" if int(hashlib.sha1(Path(name).stem.lower().encode("utf-8")).hexdigest(), 16) % 2 else "tune"


def chosen(contracts: Path, limit: int | None, split: str) -> list[Path]:
    files = [f for f in sorted(contracts.glob("*.txt")) if split == "all" or split_of(f.name) == split]
    return files[: limit or None]


def ingest(workspace: Path, contracts: Path, limit: int | None, split: str = "all") -> dict:
    files = chosen(contracts, limit, split)
    with tempfile.TemporaryDirectory() as tmp:
        # link the chosen files into one folder so that doc ids stay "contracts:<file name>"
        for f in files:
            os.symlink(f, Path(tmp) / f.name)
        out = subprocess.run([SRO, "-w", str(workspace), "ingest", "docs", tmp, "-d", "contracts", "--json"],
                             capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"ingest failed: {out.stderr.strip() or out.stdout.strip()}")
    return json.loads(out.stdout)


def patterns_only_stage(ws, pipeline_name: str, offline: bool):
    """TripleStage whose offline extractor honours `offline_svo: false` (patterns only).

    Everything else (resolution, the axiom judge, DuckDB storage, the graph) is the real stage. When the
    engine's OfflineExtractor honours the flag itself, this wrapper changes nothing.
    """
    from sro.nlp import sentences
    from sro.extract.base import Extraction
    from sro.extract.patterns import PatternEngine
    from sro.triples.stage import TripleStage

    class PatternExtractor:
        def __init__(self, pipeline):
            self.engine = PatternEngine(pipeline)

        async def run(self, chunks, docs) -> Extraction:
            return Extraction([c for ch in chunks
                               for c in self.engine.run(ch, list(sentences.split(ch.text)), docs.get(ch.doc_id))])

    class Stage(TripleStage):
        def extractor(self, client):
            if self.offline and not self.pipeline.offline_svo:
                return PatternExtractor(self.pipeline)
            return super().extractor(client)

    return Stage.for_workspace(ws, pipeline_name, offline=offline)


async def extract(workspace: Path, offline: bool) -> tuple[dict[str, dict[str, list]], dict]:
    """Run TripleStage over every chunk; return accepted values per document stem and predicate."""
    from sro.triples.result import StageResult
    from sro.workspace import Workspace

    overrides = {role: {"model": None} for role in ("ceo", "worker", "judge")} if offline else None
    ws = Workspace.open(workspace, overrides=overrides)
    try:
        stage = patterns_only_stage(ws, "legal_contracts", offline)
        total = StageResult()
        per_doc: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        started = time.perf_counter()
        for batch in ws.datasets.iter_chunks("contracts", batch=64):
            result = await stage.run(batch, campaign="eval_cuad")
            for t in result.accepted:
                c = t.candidate
                stem = Path(c.evidence.doc_id.split(":", 1)[-1]).stem.lower()  # "contracts:<file name>"
                value = getattr(c.object, "value", None) or getattr(c.object, "label", None) or c.object.text
                predicate = (t.predicate_iri or c.predicate).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                per_doc[stem][predicate].append((c.evidence.start, value, c.object.text))
            total.merge(result, keep_triples=False)
        stats = total.summary() | {"seconds": round(time.perf_counter() - started, 1)}
        return per_doc, stats
    finally:
        ws.close()


# --- scoring ----------------------------------------------------------------------------------------------
def score(per_doc: dict[str, dict[str, list]], gold_rows: dict[str, dict]) -> dict:
    counts = {name: defaultdict(int) for name in [*VALUE_CATEGORIES, *YES_NO_CATEGORIES]}
    for stem, row in gold_rows.items():
        facts = per_doc.get(stem, {})
        for name, (column, predicate, kind) in VALUE_CATEGORIES.items():
            c = counts[name]
            values = sorted(facts.get(predicate, []))
            if kind == "party":
                gold = gold_parties(row[column])
                predicted = list(dict.fromkeys(k for _, v, text in values if (k := party_key(text))))
                ok_pred = all(any(party_match(p, g) for g in gold) for p in predicted)
                matched = sum(any(party_match(p, g) for p in predicted) for g in gold)
                correct = bool(predicted) and ok_pred and matched >= min(2, len(gold))
                has_pred, has_gold = bool(predicted), bool(gold)
                exact = correct or (not predicted and not gold)
            else:
                gold_text = row[column]
                if kind == "jurisdiction":
                    gold_set = set(jurisdictions(gold_text)) if gold_text.strip() else set()
                else:
                    gold_set = {g} if (g := norm(kind, gold_text)) else set()
                answer = norm(kind, values[0][1]) or norm(kind, values[0][2]) if values else None
                has_pred, has_gold = answer is not None, bool(gold_set)
                correct = has_pred and answer in gold_set
                exact = correct or (not has_pred and not has_gold)
            c["n"] += 1
            c["correct"] += correct
            c["exact"] += exact
            c["pred"] += has_pred
            c["gold"] += has_gold
        for name, (column, predicate) in YES_NO_CATEGORIES.items():
            c = counts[name]
            gold_yes = row[column].strip().lower() == "yes"
            yes = bool(facts.get(predicate))
            c["n"] += 1
            c["correct"] += gold_yes and yes
            c["exact"] += gold_yes == yes
            c["pred"] += yes
            c["gold"] += gold_yes
    out = {}
    for name, c in counts.items():
        out[name] = {
            "precision": round(c["correct"] / c["pred"], 3) if c["pred"] else 0.0,
            "recall": round(c["correct"] / c["gold"], 3) if c["gold"] else 0.0,
            "accuracy": round(c["exact"] / c["n"], 3) if c["n"] else 0.0,
            "n_answered": c["pred"], "n_gold": c["gold"],
        }
    return out


def load_gold(data: Path) -> dict[str, dict]:
    csv.field_size_limit(1 << 30)
    with open(data / "gold_master_clauses.csv", encoding="utf-8") as fh:
        return {Path(r["Filename"]).stem.lower(): r for r in csv.DictReader(fh)}


def run_mode(data: Path, workspace: Path, offline: bool, limit: int | None, split: str = "all") -> dict:
    ingested = ingest(workspace, data / "contracts", limit, split)
    per_doc, stats = asyncio.run(extract(workspace, offline))
    gold = load_gold(data)  # opened only now: extraction never sees the answers
    stems = {f.stem.lower() for f in chosen(data / "contracts", limit, split)}
    gold = {k: v for k, v in gold.items() if k in stems}
    return {"n_contracts": len(gold), "categories": score(per_doc, gold), "stage": stats,
            "ingest": {k: ingested.get(k) for k in ("documents", "chunks", "added", "chunks_added") if k in ingested}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", action="store_true", help="print the full JSON result")
    ap.add_argument("--limit", type=int, default=None, help="only the first N contracts (smoke runs)")
    ap.add_argument("--workspace", type=Path, default=None, help="keep the workspace here (default: temp)")
    ap.add_argument("--model", action="store_true", help="also run with the configured worker model")
    ap.add_argument("--split", default="all", choices=("all", "tune", "test"),
                    help="contracts of the tune or test half (split_of); results/ holds 'all' and 'test'")
    args = ap.parse_args(argv)
    if not (args.data / "contracts").is_dir() or not (args.data / "gold_master_clauses.csv").exists():
        print(f"eval_cuad: no CUAD data under {args.data} (contracts/ and gold_master_clauses.csv)")
        return 2
    result: dict = {"data": str(args.data), "split": args.split}
    with tempfile.TemporaryDirectory(prefix="sro-eval-cuad-") as tmp:
        base = args.workspace or Path(tmp)
        offline = run_mode(args.data, base / "offline", True, args.limit, args.split)
        result["n_contracts"] = offline.pop("n_contracts")
        result["offline"] = offline.pop("categories")
        result["offline_run"] = offline
        if args.model:
            from sro.config import load_settings

            if load_settings(base / "model").worker.offline:
                result["model"] = {"skipped": "no worker model configured (set SRO_WORKER_MODEL)"}
            else:
                model = run_mode(args.data, base / "model", False, args.limit, args.split)
                result["model"] = model.pop("categories")
                result["model_run"] = model
        else:
            result["model"] = {"skipped": "not requested (--model)"}
    if not args.limit:
        write_result("eval_cuad" if args.split == "all" else f"eval_cuad_{args.split}", result)
    if args.json:
        print(json.dumps(result, indent=2))
    o = result["offline"]
    print(f"eval_cuad: {result['n_contracts']} contracts offline: governing law acc {o['governing_law']['accuracy']:.2f}"
          f", agreement date acc {o['agreement_date']['accuracy']:.2f}, parties acc {o['parties']['accuracy']:.2f}"
          f", renewal term acc {o['renewal_term']['accuracy']:.2f}"
          f" ({result['offline_run']['stage'].get('seconds')} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
