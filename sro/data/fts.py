"""BM25 full-text search: an incremental inverted index in DuckDB tables, stemmed by the FTS extension.

Why not `PRAGMA create_fts_index`: it rebuilds the whole index after every ingest and its `match_bm25`
macro scores every row of the table, which measured ~200 ms per query at 20k posts. Here the FTS extension's
Snowball `stem()` normalises tokens; postings (term hash, chunk, tf, chunk length) are appended for new
chunks only, sorted by term within each batch so DuckDB's zone maps skip row groups that cannot hold a query
term; BM25 (k1=1.2, b=0.75, per-dataset N and average length) is computed only over the query's postings.
"""

from __future__ import annotations

import math

import duckdb

from sro.data.db import transaction

K1, B = 1.2, 0.75
BATCH = 100_000  # chunks per indexing batch: bounds memory and gives each batch term-sorted row groups
TOKEN_RE = "[a-z0-9]+"
# strip_accents is half the tokenising cost and the identity on ASCII text (byte length = character length).
TOKENS = (f"regexp_extract_all(CASE WHEN strlen({{x}}) = length({{x}}) THEN lower({{x}}) "
          f"ELSE lower(strip_accents({{x}})) END, '{TOKEN_RE}')")

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
CREATE TABLE IF NOT EXISTS fts_stats (dataset VARCHAR, n BIGINT, avgdl DOUBLE);
CREATE TABLE IF NOT EXISTS fts_df (dataset VARCHAR, term UBIGINT, df BIGINT);
"""
# Per-dataset BM25 statistics (chunk count, average length, document frequency per term), refreshed after
# each indexing batch so a query reads two tiny tables instead of counting postings.
_STATS = [
    "DELETE FROM fts_stats",
    "INSERT INTO fts_stats SELECT dataset, count(*), avg(len)::DOUBLE FROM fts_lengths WHERE len > 0 GROUP BY dataset",
]
_DF_BATCH = """
INSERT INTO fts_df SELECT l.dataset, t.term, count(*) FROM _fts_terms t JOIN fts_lengths l ON l.chunk_key = t.key
WHERE l.chunk_key BETWEEN $lo AND $hi GROUP BY ALL
"""
_DF_COMPACT = "CREATE OR REPLACE TABLE fts_df AS SELECT dataset, term, sum(df)::BIGINT AS df FROM fts_df GROUP BY ALL"
# Batches append term-sorted runs; once enough unsorted postings piled up (>= 10% of the table and at least
# COMPACT_MIN rows) the table is rewritten in term order, so a term's postings sit in one or two row groups.
COMPACT_MIN = 1_000_000
BULK_MIN = 50_000  # chunks pending from which indexing runs in bulk mode (see index_pending)
_UNSORTED = "fts_unsorted_postings"
_COMPACT = [
    "CREATE TABLE fts_postings_sorted AS SELECT * FROM fts_postings ORDER BY term",
    "DROP TABLE fts_postings",
    "ALTER TABLE fts_postings_sorted RENAME TO fts_postings",
]
_DF_BACKFILL = "INSERT INTO fts_df SELECT dataset, term, count(*) FROM fts_postings GROUP BY ALL"

_PENDING = """
SELECT min(key), max(key), count(*) FROM chunks c
WHERE NOT EXISTS (SELECT 1 FROM fts_lengths l WHERE l.chunk_key = c.key)
"""

_INDEX = [f"""
CREATE OR REPLACE TEMP TABLE _fts_terms AS
WITH todo AS (
    SELECT key, text FROM chunks c
    WHERE key BETWEEN $lo AND $hi AND NOT EXISTS (SELECT 1 FROM fts_lengths l WHERE l.chunk_key = c.key)
), toks AS (
    SELECT key, unnest({TOKENS.format(x="text")}) AS tok FROM todo
), vocab AS (  -- stem each distinct token once
    SELECT tok, hash(stem(tok, 'porter')) AS term FROM (SELECT DISTINCT tok FROM toks)
    WHERE tok NOT IN (SELECT word FROM fts_stopwords)
)
SELECT t.key, v.term, count(*) AS tf FROM toks t JOIN vocab v USING (tok) GROUP BY t.key, v.term
""", """
INSERT INTO fts_lengths
    SELECT c.key, c.dataset, coalesce(sum(t.tf), 0) FROM chunks c LEFT JOIN _fts_terms t ON t.key = c.key
    WHERE c.key BETWEEN $lo AND $hi AND NOT EXISTS (SELECT 1 FROM fts_lengths l WHERE l.chunk_key = c.key)
    GROUP BY c.key, c.dataset
""", """
INSERT INTO fts_postings
    SELECT t.term, t.key, l.dataset, t.tf, l.len FROM _fts_terms t JOIN fts_lengths l ON l.chunk_key = t.key
    WHERE l.chunk_key BETWEEN $lo AND $hi {order}
""", _DF_BATCH, "DROP TABLE _fts_terms"]

# Tokens come from the same SQL expression as at index time; stop words are dropped in Python (binding a
# 170-string list parameter costs DuckDB ~30 ms), then the remaining tokens are stemmed and hashed.
QUERY_TOKENS = f"SELECT {TOKENS.format(x='$1::VARCHAR')}"
QUERY_TERMS = "SELECT list_distinct(list_transform(?::VARCHAR[], tok -> hash(stem(tok, 'porter'))))"
_STOP = frozenset(STOPWORDS)

# {terms} is a list of typed placeholders ("?::UBIGINT, ..."), never values: constant IN-lists let DuckDB
# prune postings row groups by their zone maps. IDF comes in as parameters (a CASE over the query's terms),
# so scoring needs no join, and all arithmetic is DOUBLE (DuckDB's DECIMAL literals are several times slower).
DF = """
SELECT term, sum(df) AS df,
       (SELECT n FROM fts_stats WHERE dataset = $1) AS n, (SELECT avgdl FROM fts_stats WHERE dataset = $1) AS avgdl
FROM fts_df WHERE term IN ({terms}) AND dataset = $1 GROUP BY term
"""
SEARCH = f"""
SELECT chunk_key,
       sum(({{idf}}) * tf::DOUBLE * {K1 + 1}::DOUBLE
           / (tf::DOUBLE + {K1}::DOUBLE * ({1 - B}::DOUBLE + {B}::DOUBLE * len::DOUBLE / ?::DOUBLE))) AS score
FROM fts_postings WHERE term IN ({{terms}}) AND dataset = ?
GROUP BY chunk_key ORDER BY score DESC, chunk_key LIMIT ?
"""
# Chunk rows by constant keys: keys grow with insertion, so zone maps skip all other row groups instead of
# reading every chunk's text.
FETCH = "SELECT id, doc_id, dataset, ordinal, start_pos, end_pos, text, key FROM chunks WHERE key IN ({keys})"


def ensure_fts_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)
    if (not con.execute("SELECT count(*) FROM (SELECT 1 FROM fts_df LIMIT 1)").fetchone()[0]
            and con.execute("SELECT count(*) FROM (SELECT 1 FROM fts_postings LIMIT 1)").fetchone()[0]):
        con.execute(_DF_BACKFILL)  # index built before fts_df existed
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
    before = _postings(con)
    # Bulk (a large share of the chunks is new): batches append unsorted and one compaction sorts everything,
    # instead of sorting every batch and then the whole table again.
    indexed = int(con.execute("SELECT count(*) FROM fts_lengths").fetchone()[0])
    bulk = n >= BULK_MIN and n * 10 >= indexed
    start = lo
    while start <= hi:
        with transaction(con):
            params = {"lo": start, "hi": start + batch - 1}
            for statement in _INDEX:
                statement = statement.replace("{order}", "" if bulk else "ORDER BY t.term")
                con.execute(statement, params if "$lo" in statement else None)
            for statement in _STATS:
                con.execute(statement)
        start += batch
    con.execute(_DF_COMPACT)
    _maybe_compact(con, _postings(con) - before, force=bulk)
    return n


def _postings(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM fts_postings").fetchone()[0])


def _maybe_compact(con: duckdb.DuckDBPyConnection, appended: int, force: bool = False) -> None:
    row = con.execute("SELECT value FROM data_state WHERE key = ?", [_UNSORTED]).fetchone()
    unsorted = int(row[0]) + appended if row else appended
    if (force and unsorted) or (unsorted >= COMPACT_MIN and unsorted * 10 >= _postings(con)):
        with transaction(con):
            for statement in _COMPACT:
                con.execute(statement)
        unsorted = 0
    con.execute("INSERT INTO data_state VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [_UNSORTED, str(unsorted)])


def query_terms(con: duckdb.DuckDBPyConnection, query: str) -> list[int]:
    tokens = [t for t in con.execute(QUERY_TOKENS, [query]).fetchone()[0] or [] if t not in _STOP]
    if not tokens:
        return []
    return list(con.execute(QUERY_TERMS, [tokens]).fetchone()[0] or [])


def bm25(con: duckdb.DuckDBPyConnection, dataset: str, query: str, k: int) -> list[tuple]:
    """Top-k chunks of `dataset` for `query`: rows shaped like records.CHUNK_SELECT plus the score."""
    terms = query_terms(con, query)
    if not terms:
        return []
    marks = ", ".join(f"${i + 2}::UBIGINT" for i in range(len(terms)))
    rows = con.execute(DF.format(terms=marks), [dataset, *terms]).fetchall()
    if not rows:
        return []
    n, avgdl = rows[0][2], rows[0][3]
    if not n or not avgdl:
        return []
    idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d, _, _ in rows}
    case = "CASE term " + " ".join("WHEN ?::UBIGINT THEN ?::DOUBLE" for _ in idf) + " END"
    params = [v for item in idf.items() for v in item] + [avgdl, *idf, dataset, k]
    sql = SEARCH.format(idf=case, terms=", ".join("?::UBIGINT" for _ in idf))
    top = con.execute(sql, params).fetchall()
    if not top:
        return []
    rows = con.execute(FETCH.format(keys=", ".join("?::BIGINT" for _ in top)), [key for key, _ in top]).fetchall()
    by_key = {row[7]: row[:7] for row in rows}
    ranked = sorted(top, key=lambda t: (-t[1], by_key[t[0]][0]))
    return [(*by_key[key], score) for key, score in ranked]
