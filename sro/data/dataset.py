"""Dataset: the exploration API over one dataset (count, peek, get, sample, search, grep, sql, describe)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import duckdb

from sro.data.db import interrupt_after
from sro.data.models import Document, Hit
from sro.data.records import CHUNK_SELECT, DOC_SELECT, DOC_TEXT_JOIN, documents_from_rows, hit_from_row
from sro.errors import DatasetError

if TYPE_CHECKING:
    from sro.data.store import DatasetStore

BASE_FIELDS = ["id", "source_uri", "title", "text", "author", "created", "score", "parent_id", "kind"]
_MAX_K = 10_000
MAX_PATTERN_CHARS = 2_000

def fields_of(con: duckdb.DuckDBPyConnection, dataset: str) -> list[str]:
    """Document columns that hold values in this dataset, then metadata keys (from up to 1000 documents)."""
    present = con.execute(
        # every document has a text (NULL in the table for one-chunk documents: records.DOC_TEXT)
        "SELECT " + ", ".join("count(*)" if c == "text" else f"count({c})" for c in BASE_FIELDS)
        + " FROM documents WHERE dataset = ?",
        [dataset],
    ).fetchone()
    fields = [c for c, n in zip(BASE_FIELDS, present or []) if n]
    keys = con.execute(
        """
        SELECT DISTINCT unnest(json_keys(metadata)) AS k
        FROM (SELECT metadata FROM documents WHERE dataset = ? AND metadata IS NOT NULL LIMIT 1000)
        ORDER BY k
        """,
        [dataset],
    ).fetchall()
    return fields + [f"metadata.{k[0]}" for k in keys]


def _k(k: int) -> int:
    if not isinstance(k, int) or k < 1:
        raise DatasetError(f"k must be a positive integer, got {k!r}")
    return min(k, _MAX_K)


class Dataset:
    def __init__(self, store: "DatasetStore", name: str):
        self.store = store
        self.name = name

    def _con(self) -> duckdb.DuckDBPyConnection:
        return self.store.cursor()

    def __repr__(self) -> str:
        return f"Dataset({self.name!r})"

    def count(self) -> int:
        return int(self._con().execute("SELECT count(*) FROM documents WHERE dataset = ?", [self.name]).fetchone()[0])

    def peek(self, n: int = 5) -> list[Document]:
        con = self._con()
        rows = con.execute(DOC_SELECT + " WHERE dataset = ? ORDER BY id LIMIT ?", [self.name, _k(n)]).fetchall()
        return documents_from_rows(con, rows)

    def get(self, doc_id: str) -> Document:
        con = self._con()
        row = con.execute(DOC_SELECT + " WHERE dataset = ? AND id = ?", [self.name, doc_id]).fetchone()
        if row is None:
            raise DatasetError(f"no document {doc_id!r} in dataset {self.name!r}")
        return documents_from_rows(con, [row])[0]

    def sample(self, n: int, seed: int = 0) -> list[Document]:
        """n documents in a pseudo-random order that depends only on (id, seed): reproducible."""
        con = self._con()
        rows = con.execute(
            DOC_SELECT + " WHERE dataset = ? ORDER BY hash(id, ?::BIGINT), id LIMIT ?", [self.name, seed, _k(n)]
        ).fetchall()
        return documents_from_rows(con, rows)

    def search(self, query: str, k: int = 10) -> list[Hit]:
        """BM25 over this dataset's chunks (Porter stemmer of the FTS extension, English stop words)."""
        if not query or not query.strip():
            return []
        from sro.data.fts import bm25

        self.store.refresh_index()
        return [hit_from_row(r, float(r[7])) for r in bm25(self._con(), self.name, query, _k(k))]

    def grep(self, regex: str, k: int = 10, timeout_s: float | None = None) -> list[Hit]:
        """The first k chunks (in insertion order) whose text matches an RE2 regular expression.

        No ORDER BY: DuckDB keeps insertion order for a plain scan, so the result is deterministic and the scan
        stops as soon as k chunks matched instead of running the regex over the whole dataset. With
        `timeout_s` the scan is interrupted at that deadline (the sandbox passes what is left of its step)."""
        if not isinstance(regex, str) or len(regex) > MAX_PATTERN_CHARS:
            raise DatasetError(f"the pattern must be a string of at most {MAX_PATTERN_CHARS} characters")
        cur = self._con()
        try:
            with interrupt_after(cur, timeout_s):
                rows = cur.execute(
                    CHUNK_SELECT + " WHERE dataset = ? AND regexp_matches(text, ?) LIMIT ?",
                    [self.name, regex, _k(k)],
                ).fetchall()
        except (duckdb.InvalidInputException, duckdb.BinderException) as exc:
            raise DatasetError(f"invalid regular expression {regex!r}: {exc}") from None
        except duckdb.InterruptException:
            raise DatasetError(f"grep stopped after {timeout_s:.1f} s; use a simpler pattern or a smaller k") from None
        return [hit_from_row(r) for r in rows]

    def sql(self, query: str, params: list[Any] | dict[str, Any] | None = None,
            timeout_s: float | None = None) -> list[dict]:
        """A read-only SQL query over views `documents` and `chunks` of this dataset only."""
        from sro.data.readonly import TIMEOUT_S, run_readonly

        return run_readonly(self.store, self.name, query, params, timeout_s=timeout_s or TIMEOUT_S)

    def fields(self) -> list[str]:
        return fields_of(self._con(), self.name)

    def describe(self) -> dict:
        """A compact description for prompts: size, fields, kinds and a short preview.

        Cached per store by the dataset's `version` (bumped by every write), so a campaign that starts one
        RLM session per node describes each dataset once; each caller gets its own copy."""
        row = self._con().execute("SELECT version FROM datasets WHERE name = ?", [self.name]).fetchone()
        return self._described(None if row is None else row[0])

    def _described(self, version: int | None) -> dict:
        cache = self.store._describe_cache
        hit = cache.get(self.name)
        if hit is not None and version is not None and hit[0] == version:
            return copy.deepcopy(hit[1])
        info = self._describe()
        if version is not None:
            cache[self.name] = (version, copy.deepcopy(info))
        return info

    def _describe(self) -> dict:
        con = self._con()
        docs, chars = con.execute(
            f"SELECT count(*), coalesce(sum(coalesce(length(d.text), c0.end_pos)), 0) FROM documents d "
            f"{DOC_TEXT_JOIN} WHERE d.dataset = ?", [self.name]
        ).fetchone()
        chunks = con.execute("SELECT count(*) FROM chunks WHERE dataset = ?", [self.name]).fetchone()[0]
        kinds = con.execute(
            "SELECT kind, count(*) FROM documents WHERE dataset = ? GROUP BY kind ORDER BY kind", [self.name]
        ).fetchall()
        synthetic = con.execute("SELECT synthetic FROM datasets WHERE name = ?", [self.name]).fetchone()
        preview = [
            {"id": d.id, "title": d.title, "text": d.text[:200]} for d in self.peek(3)
        ]
        return {
            "name": self.name, "documents": int(docs), "chunks": int(chunks), "chars": int(chars),
            "kinds": {k or "doc": int(n) for k, n in kinds}, "fields": self.fields(),
            "synthetic": bool(synthetic and synthetic[0]), "preview": preview,
        }
