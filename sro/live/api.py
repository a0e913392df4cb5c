"""Read operations over a workspace as plain JSON: one implementation behind `sro api`, `sro mcp` and
`sro serve`. Every function takes the workspace and validated keyword arguments; user values reach DuckDB and
SPARQL only as bound parameters."""

from __future__ import annotations

import inspect
import json
from typing import Any, Callable

from sro.errors import SROError

MAX_K = 200
MAX_FACTS = 500
MAX_JUDGE = 1000  # triples per judge call


class ApiError(SROError):
    """A bad request to the workspace API (unknown operation, missing or invalid argument)."""


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(f"{name} must be an integer from {low} to {high}")
    return value


def _str(value: Any, name: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(f"{name} must be a non-empty string")
    return value


def datasets(ws) -> list[dict]:
    return [d.model_dump(mode="json") for d in ws.datasets.list()]


def search(ws, dataset: str, query: str, k: int = 10) -> list[dict]:
    hits = ws.datasets.dataset(_str(dataset, "dataset")).search(_str(query, "query"), k=_int(k, "k", 1, MAX_K))
    return [h.model_dump(mode="json") for h in hits]


def sql(ws, dataset: str, query: str, params: list | dict | None = None) -> list[dict]:
    from sro.data.readonly import run_readonly

    if params is not None and not isinstance(params, (list, dict)):
        raise ApiError("params must be a list or an object")
    ws.datasets.dataset(_str(dataset, "dataset"))  # unknown dataset: a clear error
    return json.loads(json.dumps(run_readonly(ws.datasets, dataset, _str(query, "query"), params), default=str))


def sparql(ws, query: str, bindings: dict | None = None, timeout_s: float = 30.0) -> dict:
    from graph_store import GraphStoreError
    from graph_store.terms import parse_binding

    if bindings is not None and not isinstance(bindings, dict):
        raise ApiError("bindings must be an object of name -> value")
    try:
        bound = {str(k): parse_binding(str(v)) for k, v in (bindings or {}).items()}
        result = ws.graph.query(_str(query, "query"), bindings=bound, timeout_s=timeout_s)
        return json.loads(result.serialize("json"))
    except GraphStoreError as exc:
        raise ApiError(str(exc)) from None


FACTS_SQL = """
SELECT c.id, c.subject, c.subject_iri, c.predicate, c.predicate_iri, c.object, c.object_iri, j.verdict, j.total,
       j.scores, j.reasons, c.quote, c.doc_id, c.chunk_id, c.start_char, c.end_char, c.extractor, c.campaign,
       d.source_uri
FROM candidates c JOIN judgments j ON j.candidate_id = c.id LEFT JOIN documents d ON d.id = c.doc_id
WHERE j.verdict = ? AND j.total >= ?
  AND (? IS NULL OR lower(c.subject) = lower(?) OR lower(c.object) = lower(?) OR c.subject_iri = ? OR c.object_iri = ?)
  AND (? IS NULL OR c.predicate = ? OR c.predicate_iri = ?)
ORDER BY j.total DESC, c.id LIMIT ?"""


def facts(ws, entity: str | None = None, predicate: str | None = None, min_score: float = 0.0,
          verdict: str = "accepted", limit: int = 100) -> list[dict]:
    """Judged facts with their quotes, scores (the axioms' verdicts) and sources."""
    if verdict not in ("accepted", "rejected", "conflict"):
        raise ApiError("verdict must be accepted, rejected or conflict")
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)):
        raise ApiError("min_score must be a number")
    e, p = _str(entity, "entity", optional=True), _str(predicate, "predicate", optional=True)
    if not _has_table(ws, "judgments"):
        return []
    cur = ws.db.cursor()
    rows = cur.execute(FACTS_SQL, [verdict, float(min_score), e, e, e, e, e, p, p, p,
                                   _int(limit, "limit", 1, MAX_FACTS)])
    cols = [d[0] for d in rows.description]
    out = [dict(zip(cols, row)) for row in rows.fetchall()]
    for row in out:
        row["scores"] = json.loads(row["scores"] or "{}")
        row["reasons"] = json.loads(row["reasons"] or "[]")
    return out


def _has_table(ws, name: str) -> bool:
    return ws.db.cursor().execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                                  [name]).fetchone()[0] > 0


def campaigns(ws) -> list[dict]:
    from sro.campaign.status import status_rows

    return status_rows(ws, None) if _has_table(ws, "campaigns") else []


def campaign(ws, name: str) -> dict:
    from sro.campaign.status import status_rows
    from sro.llm.ledger import Ledger
    from sro.mcts.export import tree_dict
    from sro.mcts.store import TreeStore

    if not _has_table(ws, "campaigns"):
        raise ApiError(f"unknown campaign {name!r}: this workspace has no campaigns")
    row = status_rows(ws, _str(name, "name"))[0]
    spend = Ledger(lambda: ws.db).summary(name)
    report = ws.root / "runs" / name / "report.md"
    return {**row, "tree": tree_dict(TreeStore(ws.db).load(name)), "spend": spend,
            "spend_usd": round(sum(r["cost_usd"] for r in spend), 6),
            "report": report.read_text(encoding="utf-8") if report.exists() else None}


def judge(ws, triples: list, pipeline: str = "generic") -> dict:
    """Judge triples in the `sro judge` input format (a list of its line objects): verdicts, scores, reasons."""
    from pipelines import available
    from sro.triples import from_file

    if pipeline not in available():  # a name, never a path: a client must not make the server read a folder
        raise ApiError(f"pipeline must be one of {', '.join(available())}")
    lines = from_file.parse_items(triples, MAX_JUDGE)
    lines, _, judgments, _ = from_file.judge_triples(ws, lines, pipeline)
    return from_file.summary(lines, judgments)


def document(ws, doc_id: str) -> dict:
    return ws.datasets.document(_str(doc_id, "doc_id")).model_dump(mode="json")


OPERATIONS: dict[str, Callable[..., Any]] = {f.__name__: f for f in (
    datasets, search, sql, sparql, facts, campaigns, campaign, document, judge)}


def run(ws, name: str, args: dict[str, Any]) -> Any:
    fn = OPERATIONS.get(name)
    if fn is None:
        raise ApiError(f"unknown operation {name!r}; known: {', '.join(sorted(OPERATIONS))}")
    if not isinstance(args, dict):
        raise ApiError("arguments must be a JSON object")
    try:
        inspect.signature(fn).bind(ws, **args)
    except TypeError as exc:
        raise ApiError(f"{name}: {exc}") from None
    return fn(ws, **args)
