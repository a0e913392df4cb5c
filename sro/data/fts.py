"""BM25 full-text search: an incremental inverted index in DuckDB tables, stemmed by the FTS extension.

Why not `PRAGMA create_fts_index`: it rebuilds the whole index after every ingest and its `match_bm25`
macro scores every row of the table, which measured ~200 ms per query at 20k posts. Here the FTS extension's
Snowball `stem()` normalises tokens; postings (term hash, chunk, tf, chunk length) are appended for new
chunks only, sorted by term within each batch so DuckDB's zone maps skip row groups that cannot hold a query
term; BM25 (k1=1.2, b=0.75, per-dataset N and average length) is computed only over the query's postings.
"""

from __future__ import annotations

import duckdb

K1, B = 1.2, 0.75
BATCH = 200_000  # chunks per indexing batch: bounds memory and gives each batch term-sorted row groups
TOKEN_RE = "[a-z0-9]+"
TOKENS = f"regexp_extract_all(lower(strip_accents({{x}})), '{TOKEN_RE}')"

STOPWORDS = """a about above after again against all am an and any are as at be because been before being below
between both but by can did do does doing don down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
off on once only or other our ours ourselves out over own s same she should so some such t than that the their
theirs them themselves then there these they this those through to too under until up very was we were what when
where which while who whom why will with you your yours yourself yourselves""".split()

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS chunk_key_seq;
CREATE TABLE IF NOT EXISTS fts_stopwords (word VARCHAR);
CREATE TABLE IF NOT EXISTS fts_postings (term UBIGINT, chunk_key BIGINT, dataset VARCHAR, tf INTEGER, len INTEGER);
CREATE TABLE IF NOT EXISTS fts_lengths (chunk_key BIGINT, dataset VARCHAR, len INTEGER);
"""

_PENDING = """
SELECT min(key), max(key), count(*) FROM chunks c
WHERE NOT EXISTS (SELECT 1 FROM fts_lengths l WHERE l.chunk_key = c.key)
"""

_INDEX = [f"""
CREATE OR REPLACE TEMP TABLE _fts_terms AS
WITH todo AS (
    SELECT key, dataset, text FROM chunks c
    WHERE key BETWEEN $lo AND $hi AND NOT EXISTS (SELECT 1 FROM fts_lengths l WHERE l.chunk_key = c.key)
), toks AS (
    SELECT key, dataset, unnest({TOKENS.format(x="text")}) AS tok FROM todo
), vocab AS (  -- stem each distinct token once
    SELECT tok, hash(stem(tok, 'porter')) AS term FROM (SELECT DISTINCT tok FROM toks)
    WHERE tok NOT IN (SELECT word FROM fts_stopwords)
)
SELECT t.key, t.dataset, v.term, count(*) AS tf FROM toks t JOIN vocab v USING (tok) GROUP BY ALL
""", """
INSERT INTO fts_lengths
    SELECT c.key, c.dataset, coalesce(sum(t.tf), 0) FROM chunks c LEFT JOIN _fts_terms t ON t.key = c.key
    WHERE c.key BETWEEN $lo AND $hi AND NOT EXISTS (SELECT 1 FROM fts_lengths l WHERE l.chunk_key = c.key)
    GROUP BY c.key, c.dataset
""", """
INSERT INTO fts_postings
    SELECT t.term, t.key, t.dataset, t.tf, l.len FROM _fts_terms t JOIN fts_lengths l ON l.chunk_key = t.key
    ORDER BY t.term
""", "DROP TABLE _fts_terms"]

QUERY_TERMS = f"""
SELECT DISTINCT hash(stem(tok, 'porter')) FROM unnest({TOKENS.format(x="?")}) AS u(tok)
WHERE tok NOT IN (SELECT word FROM fts_stopwords)
"""

# {terms} is a list of typed placeholders ("?::UBIGINT, ..."), never values: constant IN-lists let DuckDB
# prune postings row groups by their zone maps.
SEARCH = f"""
WITH stats AS (
    SELECT count(*) AS n, avg(len) AS avgdl FROM fts_lengths WHERE dataset = ? AND len > 0
), p AS (
    SELECT term, chunk_key, tf, len FROM fts_postings WHERE term IN ({{terms}}) AND dataset = ?
), df AS (
    SELECT term, count(*) AS df FROM p GROUP BY term
), top AS (
    SELECT p.chunk_key,
           sum(ln(1 + (stats.n - df.df + 0.5) / (df.df + 0.5))
               * p.tf * {K1 + 1} / (p.tf + {K1} * (1 - {B} + {B} * p.len / stats.avgdl))) AS score
    FROM p JOIN df USING (term), stats
    GROUP BY p.chunk_key ORDER BY score DESC, p.chunk_key LIMIT ?
)
SELECT chunk_key, score FROM top
"""
# Chunk rows by constant keys: keys grow with insertion, so zone maps skip all other row groups instead of
# reading every chunk's text.
FETCH = "SELECT id, doc_id, dataset, ordinal, start_pos, end_pos, text, key FROM chunks WHERE key IN ({keys})"


def ensure_fts_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)
    if not con.execute("SELECT count(*) FROM fts_stopwords").fetchone()[0]:
        con.execute("INSERT INTO fts_stopwords SELECT unnest(?::VARCHAR[])", [STOPWORDS])


def pending(con: duckdb.DuckDBPyConnection) -> tuple[int | None, int | None, int]:
    lo, hi, n = con.execute(_PENDING).fetchone()
    return lo, hi, int(n)


def index_pending(con: duckdb.DuckDBPyConnection, batch: int = BATCH) -> int:
    """Index every chunk not indexed yet, `batch` keys per transaction. Returns chunks indexed."""
    lo, hi, n = pending(con)
    if not n:
        return 0
    start = lo
    while start <= hi:
        con.execute("BEGIN")
        try:
            params = {"lo": start, "hi": start + batch - 1}
            for statement in _INDEX:
                con.execute(statement, params if "$lo" in statement else None)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        start += batch
    return n


def query_terms(con: duckdb.DuckDBPyConnection, query: str) -> list[int]:
    return [row[0] for row in con.execute(QUERY_TERMS, [query]).fetchall()]


def bm25(con: duckdb.DuckDBPyConnection, dataset: str, query: str, k: int) -> list[tuple]:
    """Top-k chunks of `dataset` for `query`: rows shaped like records.CHUNK_SELECT plus the score."""
    terms = query_terms(con, query)
    if not terms:
        return []
    sql = SEARCH.format(terms=", ".join("?::UBIGINT" for _ in terms))
    top = con.execute(sql, [dataset, *terms, dataset, k]).fetchall()
    if not top:
        return []
    rows = con.execute(FETCH.format(keys=", ".join("?::BIGINT" for _ in top)), [key for key, _ in top]).fetchall()
    by_key = {row[7]: row[:7] for row in rows}
    ranked = sorted(top, key=lambda t: (-t[1], by_key[t[0]][0]))
    return [(*by_key[key], score) for key, score in ranked]
