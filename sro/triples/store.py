"""DuckDB persistence of the triple stage: candidates, judgments, aliases, finished chunks.

Ids are deterministic (a hash of what the candidate says and where), so re-running a chunk adds nothing.
Every candidate is kept, accepted or not, with its judgment and reasons. Rows go in with parameterised
multi-row VALUES in batches: no user value is ever spliced into SQL.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

import duckdb

from sro.data.db import bulk_insert as db_bulk_insert, transaction

from sro.nlp.models import Candidate
from sro.judge.models import AxiomScore, Judgment

SCHEMA = """
CREATE TABLE IF NOT EXISTS candidates (
    id VARCHAR PRIMARY KEY, pipeline VARCHAR, chunk_id VARCHAR, doc_id VARCHAR, start_char INTEGER,
    end_char INTEGER, subject VARCHAR, subject_iri VARCHAR, predicate VARCHAR, predicate_iri VARCHAR,
    object VARCHAR, object_iri VARCHAR, object_kind VARCHAR, quote VARCHAR, extractor VARCHAR, model VARCHAR,
    campaign VARCHAR, node VARCHAR, data JSON, created_at TIMESTAMP DEFAULT current_timestamp);
CREATE TABLE IF NOT EXISTS judgments (
    candidate_id VARCHAR PRIMARY KEY, verdict VARCHAR, total DOUBLE, scores JSON, reasons JSON,
    judged_at TIMESTAMP DEFAULT current_timestamp);
CREATE TABLE IF NOT EXISTS aliases (
    alias VARCHAR PRIMARY KEY, key VARCHAR, iri VARCHAR, label VARCHAR, type VARCHAR, mentions BIGINT);
CREATE TABLE IF NOT EXISTS candidates_done (
    pipeline VARCHAR, chunk_id VARCHAR, extractor VARCHAR, candidates INTEGER,
    done_at TIMESTAMP DEFAULT current_timestamp, PRIMARY KEY (pipeline, chunk_id));
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            con.execute(statement)


def candidate_id(c: Candidate) -> str:
    obj = c.object.value if c.object.kind == "literal" else c.object.text
    parts = [c.evidence.doc_id, str(c.evidence.start), str(c.evidence.end), c.subject.text, c.predicate,
             c.object.kind, obj, c.extractor]
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:20]


SEP = "\x1f"


def id_list(ids: Iterable[str]) -> str:
    """Many ids as ONE parameter (split in SQL with string_split(?, chr(31))). DuckDB's Python binding
    tries `import pandas` for every element of a list parameter, which costs ~0.5 ms per id here."""
    return SEP.join(ids)


def bulk_insert(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: Sequence[tuple],
                suffix: str = "ON CONFLICT DO NOTHING") -> None:
    """Idempotent bulk INSERT (see sro.data.db.bulk_insert; per-value parameters are ~100x slower). The
    tables' column types are read once per connection (an information_schema query costs ~3 ms)."""
    if not rows:
        return
    try:
        known = _TYPES.setdefault(con, {})
    except TypeError:  # not weakly referenceable: read the types every time
        known = {}
    types = known.get(table)
    if types is None:
        types = known[table] = dict(con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
            [table]).fetchall())
    db_bulk_insert(con, table, columns, rows, types=types, suffix=suffix)


# connection -> table -> column types, for the triples tables (created by SCHEMA above, never altered)
_TYPES: "weakref.WeakKeyDictionary[Any, dict[str, dict[str, str]]]" = weakref.WeakKeyDictionary()


def forget_nodes(con: duckdb.DuckDBPyConnection, campaign: str, nodes: Sequence[str]) -> int:
    """Delete the candidates (and their judgments) that `nodes` of `campaign` stored, in one transaction;
    returns how many candidates went. A campaign resuming after a kill calls this for the nodes that never
    committed: the judge's corroboration axiom counts stored candidates, so leftovers of a killed attempt
    would count as extra support when the node is expanded again (see sro/campaign/runner.py)."""
    if not nodes or con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                                "('candidates', 'judgments')").fetchone()[0] < 2:
        return 0
    cur = con.cursor()
    try:
        with transaction(cur):
            ids = [r[0] for r in cur.execute(
                "SELECT id FROM candidates WHERE campaign = ? AND node IN (SELECT unnest(string_split(?, chr(31))))",
                [campaign, id_list(nodes)]).fetchall()]
            if ids:
                where = "IN (SELECT unnest(string_split(?, chr(31))))"
                cur.execute(f"DELETE FROM judgments WHERE candidate_id {where}", [id_list(ids)])
                cur.execute(f"DELETE FROM candidates WHERE id {where}", [id_list(ids)])
        return len(ids)
    finally:
        cur.close()


CANDIDATE_COLUMNS = ["id", "pipeline", "chunk_id", "doc_id", "start_char", "end_char", "subject", "subject_iri",
                     "predicate", "predicate_iri", "object", "object_iri", "object_kind", "quote", "extractor",
                     "model", "campaign", "node", "data"]


def _rows(pipeline: str, items: Sequence[tuple[str, Candidate, Judgment]]) -> tuple[list[tuple], list[tuple]]:
    """The candidates' and the judgments' rows of a batch."""
    cand_rows, judge_rows = [], []
    for cid, c, j in items:
        obj_iri = c.object.iri if c.object.kind == "entity" else None
        obj = c.object.text if c.object.kind == "entity" else c.object.value
        cand_rows.append((cid, pipeline, c.evidence.chunk_id, c.evidence.doc_id, c.evidence.start, c.evidence.end,
                          c.subject.text, c.subject.iri, c.predicate, c.predicate_iri, obj, obj_iri, c.object.kind,
                          c.evidence.quote, c.extractor, c.model, c.campaign, c.node, c.model_dump_json()))
        judge_rows.append((cid, j.verdict, j.total, _scores_json(j.scores), json.dumps(j.reasons)))
    return cand_rows, judge_rows


SCORE_FIELDS = tuple(AxiomScore.model_fields)


def _scores_json(scores: Sequence[AxiomScore]) -> str:
    """`json.dumps([s.model_dump() for s in scores])`, joined from each score's own text: a batch's ~2,000 scores
    are a few hundred distinct ones (the same axiom, value and reason), whose text is kept."""
    texts = []
    for score in scores:
        values = tuple(score.__dict__[name] for name in SCORE_FIELDS)  # plain fields: str, float, bool
        texts.append(_score_json(values, tuple(map(type, values))))  # the types too: 1.0 == 1 == True
    return "[" + ", ".join(texts) + "]"


@lru_cache(maxsize=4096)
def _score_json(values: tuple, _types: tuple) -> str:
    return json.dumps(dict(zip(SCORE_FIELDS, values)))


class TripleStore:
    def __init__(self, con: duckdb.DuckDBPyConnection, *, schema_ready: bool = False):
        self.con = con
        if not schema_ready:
            ensure_schema(con)

    def existing(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        if not ids:
            return set()
        rows = self.con.execute("SELECT id FROM candidates WHERE id IN (SELECT unnest(string_split(?, chr(31))))",
                                [id_list(ids)]).fetchall()
        return {r[0] for r in rows}

    def save(self, pipeline: str, items: Sequence[tuple[str, Candidate, Judgment]],
             also: Callable[[], object] | None = None, *, done: dict[str, int] | None = None,
             extractor: str = "") -> int:
        """Store a batch in ONE transaction: its candidates not stored yet and their judgments, `also` (e.g.
        the resolver's alias flush, on the same connection) and the finished chunks `done` (chunk id ->
        candidates). Returns how many candidates were new. The stored ids are read inside the transaction,
        so the inserts need no ON CONFLICT (it costs ~2 ms a statement): a batch stored twice adds nothing."""
        with transaction(self.con):
            known = self.existing(cid for cid, _, _ in items)
            fresh = [(cid, c, j) for cid, c, j in items if cid not in known]
            cand_rows, judge_rows = _rows(pipeline, fresh)
            bulk_insert(self.con, "candidates", CANDIDATE_COLUMNS, cand_rows, suffix="")
            bulk_insert(self.con, "judgments", ["candidate_id", "verdict", "total", "scores", "reasons"],
                        judge_rows, suffix="")
            if also is not None:
                also()
            if done:
                self.mark_done(pipeline, done, extractor)
        return len(fresh)

    def mark_done(self, pipeline: str, counts: dict[str, int], extractor: str) -> None:
        """Record finished chunks (chunk id -> candidates); a chunk recorded already keeps its row. Run it in a
        transaction (`save` does): the recorded ones are read first and only the others inserted, without ON
        CONFLICT (its index probe per row was half the cost of this write)."""
        known = self.done_chunks(pipeline, counts)
        rows = [(pipeline, chunk_id, extractor, n) for chunk_id, n in counts.items() if chunk_id not in known]
        bulk_insert(self.con, "candidates_done", ["pipeline", "chunk_id", "extractor", "candidates"], rows, suffix="")

    def done_chunks(self, pipeline: str, chunk_ids: Iterable[str]) -> set[str]:
        ids = list(chunk_ids)
        if not ids:
            return set()
        rows = self.con.execute("SELECT chunk_id FROM candidates_done WHERE pipeline = ? AND chunk_id IN "
                                "(SELECT unnest(string_split(?, chr(31))))", [pipeline, id_list(ids)]).fetchall()
        return {r[0] for r in rows}

    def support(self, keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], list[str]]:
        """(s_iri, p_iri, o) -> the distinct doc ids of stored candidates saying the same thing (corroboration),
        in no particular order."""
        keys = list(set(keys))
        if not keys:
            return {}
        rows = self.con.execute(  # grouped here: DuckDB's list(DISTINCT) aggregate cost as much as the scan
            "SELECT subject_iri, predicate_iri, coalesce(object_iri, object), doc_id FROM candidates "
            "WHERE subject_iri IN (SELECT unnest(string_split(?, chr(31))))",
            [id_list({k[0] for k in keys})]).fetchall()
        wanted = set(keys)
        found: dict[tuple[str, str, str], dict[str, None]] = {}
        for s, p, o, doc in rows:
            if (s, p, o) in wanted:
                found.setdefault((s, p, o), {})[doc] = None
        return {key: list(docs) for key, docs in found.items()}

    def triples(self, *, rejected: bool = False, limit: int = 50, pipeline: str | None = None) -> list[dict[str, Any]]:
        verdicts = ["rejected", "conflict"] if rejected else ["accepted"]
        sql = ("SELECT c.subject, c.predicate_iri, c.object, j.verdict, j.total, j.reasons, c.quote, c.doc_id, "
               "c.start_char, c.end_char, c.extractor FROM candidates c JOIN judgments j ON j.candidate_id = c.id "
               "WHERE j.verdict IN (SELECT unnest(string_split(?, chr(31)))) AND (? IS NULL OR c.pipeline = ?) "
               "ORDER BY c.doc_id, c.start_char, c.id LIMIT ?")
        cur = self.con.execute(sql, [id_list(verdicts), pipeline, pipeline, limit])
        cols = [d[0] for d in cur.description]
        out = [dict(zip(cols, row)) for row in cur.fetchall()]
        for row in out:
            row["reasons"] = json.loads(row["reasons"] or "[]")
        return out
