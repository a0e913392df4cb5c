"""Pushshift / Arctic Shift NDJSON dumps (RS_ submissions, RC_ comments), plain, .gz or .zst.

Fast path: DuckDB's own read_json reads the (compressed) file and shapes rows in one SQL statement.
A file bigger than SLICE_MIN is decompressed in slices of ~SLICE_BYTES (cut at line ends, plain NDJSON that
DuckDB reads in parallel); each slice is shaped and moved into the tables before the next one, all in the
file's one transaction, so the staging table stays in memory instead of spilling to disk.
If DuckDB rejects the file (or a slice), a streaming Python pass finds the exact bad lines (bad UTF-8, invalid JSON,
corrupt zstd frame), writes the good lines to a temporary NDJSON file and the same SQL loads that.
"""

from __future__ import annotations

import json
import os
from contextlib import closing
import tempfile
from datetime import datetime
from pathlib import Path

import duckdb

from sro.data.ingest.integrity import check_compressed
from sro.data.ingest.lines import DECOMPRESS_ERRORS, compression_of, iter_lines, iter_slices
from sro.data.ingest.report import FileOutcome
from sro.data.ingest.runner import Loader
from sro.errors import IngestError

_FIELDS = [
    "id", "title", "selftext", "body", "author", "created_utc", "score", "subreddit", "permalink", "link_id",
    "parent_id", "num_comments", "url", "is_self", "over_18", "link_flair_text", "domain",
]
_COLUMNS = "{" + ", ".join(f"{f}: 'VARCHAR'" for f in _FIELDS) + "}"
# Reddit escapes <, > and & in titles and bodies; most texts hold no '&' and skip the three passes.
_UNESCAPE = "CASE WHEN contains({x}, '&') THEN replace(replace(replace({x}, '&lt;', '<'), '&gt;', '>'), '&amp;', '&') " \
            "ELSE {x} END"

# trim() walks the whole string through utf8proc (it was ~20% of the shaping CPU); a text starting with a
# printable non-space ASCII character cannot trim to '', so only the rare rest pays for it. A CASE, because
# DuckDB evaluates both sides of an AND for every row, but a CASE branch only for the rows that reach it.
_BLANK = "CASE WHEN substring({x}, 1, 1) BETWEEN '!' AND '~' THEN false ELSE trim({x}) = '' END"

SHAPE_SQL = f"""
CREATE OR REPLACE TEMP TABLE _stage AS
WITH raw AS (
    SELECT *, (body IS NOT NULL OR link_id IS NOT NULL) AS is_comment,
           TRY_CAST(created_utc AS DOUBLE) AS ts
    FROM read_json($path, format = 'newline_delimited', compression = $compression,
                   maximum_object_size = 67108864, columns = {_COLUMNS})
), shaped AS (
    SELECT *,
        CASE WHEN is_comment THEN body
             WHEN coalesce(selftext, '') = '' THEN title
             ELSE title || chr(10) || chr(10) || selftext END AS raw_text,
        CASE WHEN ts IS NULL THEN NULL ELSE make_timestamp(CAST(ts * 1000000 AS BIGINT)) END AS created
    FROM raw
)
SELECT
    'reddit:' || CASE WHEN is_comment THEN 't1_' ELSE 't3_' END || id AS id,
    $dataset AS dataset,
    CASE WHEN permalink LIKE 'http%' THEN permalink
         WHEN permalink IS NOT NULL THEN 'https://www.reddit.com' || permalink
         WHEN is_comment THEN 'https://www.reddit.com/r/' || subreddit || '/comments/'
                              || replace(link_id, 't3_', '') || '/_/' || id || '/'
         ELSE 'https://www.reddit.com/r/' || subreddit || '/comments/' || id || '/' END AS source_uri,
    CASE WHEN is_comment THEN NULL ELSE {_UNESCAPE.format(x="title")} END AS title,
    {_UNESCAPE.format(x="raw_text")} AS text,
    CASE WHEN author IN ('[deleted]', '[removed]') THEN NULL ELSE author END AS author,
    created,
    TRY_CAST(TRY_CAST(score AS DOUBLE) AS BIGINT) AS score,
    CASE WHEN is_comment THEN 'reddit:' || link_id END AS parent_id,
    CASE WHEN is_comment THEN 'comment' ELSE 'submission' END AS kind,
    CASE WHEN is_comment
         THEN json_object('subreddit', subreddit, 'parent', parent_id,
                          'depth', CASE WHEN parent_id LIKE 't3_%' THEN 0 END)
         ELSE json_object('subreddit', subreddit, 'num_comments', TRY_CAST(num_comments AS BIGINT), 'url', url,
                          'is_self', TRY_CAST(is_self AS BOOLEAN), 'over_18', TRY_CAST(over_18 AS BOOLEAN),
                          'flair', link_flair_text, 'domain', domain) END AS metadata,
    CASE WHEN id IS NULL OR id = '' THEN 'no_id'
         WHEN (CASE WHEN is_comment THEN body ELSE selftext END) IN ('[deleted]', '[removed]')
              THEN 'deleted_or_removed'
         WHEN raw_text IS NULL OR ({_BLANK.format(x="raw_text")}) THEN 'empty_text'
         WHEN $subreddit <> '' AND lower(coalesce(subreddit, '')) <> lower($subreddit) THEN 'other_subreddit'
         WHEN created < $since THEN 'before_since'
    END AS skip_reason
FROM shaped
"""


def _shape(con: duckdb.DuckDBPyConnection, path: str, compression: str, dataset: str,
           subreddit: str | None, since: datetime | None) -> None:
    con.execute(SHAPE_SQL, {
        "path": path, "compression": compression, "dataset": dataset,
        "subreddit": subreddit or "", "since": since or datetime(1, 1, 1),
    })


SLICE_MIN = 48 << 20  # on-disk size from which a file is staged in slices
SLICE_BYTES = 192 << 20  # uncompressed bytes per slice (~130k Pushshift submissions)


def _fast_path(con, path: Path, outcome: FileOutcome, dataset: str, subreddit, since) -> None:
    if path.stat().st_size < SLICE_MIN:
        _shape(con, str(path), compression_of(path), dataset, subreddit, since)
        outcome.count_stage(con)
        return
    with closing(iter_slices(path, SLICE_BYTES)) as pieces:  # closing: an error stops the slicer at once
        for index, piece in enumerate(pieces):
            if index:
                assert outcome.flush is not None
                outcome.flush()  # the previous slice joins the file's transaction; the last stays staged
            _shape(con, piece, "uncompressed", dataset, subreddit, since)
            outcome.count_stage(con)


def _validate_lines(path: Path, outcome: FileOutcome, out) -> int:
    """Copy the valid JSON-object lines of `path` to `out`; bad lines are reported by number."""
    good = 0
    for lineno, raw in iter_lines(path):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            outcome.bad_line(lineno, f"undecodable bytes (not UTF-8) at column {exc.start + 1}")
            continue
        except json.JSONDecodeError as exc:
            outcome.bad_line(lineno, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(obj, dict):
            outcome.bad_line(lineno, "not a JSON object")
            continue
        out.write(raw + b"\n")
        good += 1
    return good


def _slow_path(con, path: Path, outcome: FileOutcome, dataset: str, subreddit, since) -> None:
    fd, tmp = tempfile.mkstemp(prefix="sro-valid-", suffix=".ndjson")
    try:
        with os.fdopen(fd, "wb") as out:
            good = _validate_lines(path, outcome, out)
        if not good and outcome.bad_lines:
            raise IngestError(
                f"no valid JSON lines ({outcome.bad_lines} bad): binary data or not NDJSON", str(path), 1
            )
        _fast_path(con, Path(tmp), outcome, dataset, subreddit, since)  # valid lines only; big: in slices
    finally:
        os.unlink(tmp)


def reddit_loader(dataset: str, *, subreddit: str | None = None, since: datetime | None = None) -> Loader:
    def load(con: duckdb.DuckDBPyConnection, path: Path, outcome: FileOutcome) -> None:
        if not path.is_file():
            raise IngestError("no such file", str(path))
        check_compressed(path)  # a cut .zst would otherwise be stored as a smaller dump without a word
        try:
            _fast_path(con, path, outcome, dataset, subreddit, since)
        except (duckdb.Error, *DECOMPRESS_ERRORS):
            # DuckDB aborts a transaction on error; rolling it back also drops the slices already moved,
            # so the exact (slow) pass starts over from an empty transaction and fresh counters.
            con.execute("ROLLBACK")
            con.execute("BEGIN")
            outcome.restart()
            _slow_path(con, path, outcome, dataset, subreddit, since)

    return load
