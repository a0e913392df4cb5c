"""Bulk ingest: indexes dropped before the files and built once after them; same rows, same guarantees."""

from __future__ import annotations

import duckdb
import pytest

import sro.data.ingest.reddit_dump as reddit_dump
import sro.data.ingest.runner as runner
from sro.config import Settings
from sro.data.db import connect
from sro.data.ingest.reddit_dump import reddit_loader
from sro.data.ingest.runner import bulk_mode, run_ingest
from sro.data.schema import INDEXES
from sro.data.store import DatasetStore
from tests.test_data_ingest import submission, write_ndjson
from tests.test_data_slices import _records, _rows, ingest_with_bad_line_36


def _store(path):
    return DatasetStore(connect(path), Settings(chunk_size=200, chunk_overlap=20))


def _indexes(store) -> set[str]:
    return {r[0] for r in store.cursor().execute("SELECT index_name FROM duckdb_indexes()").fetchall()}


def _ingest(store, files, **kw):
    return run_ingest(store, "r", files, reddit_loader("r"), **kw)


def _older_workspace(db, id_column: str):
    """A `documents` table as earlier versions made it: text NOT NULL, the id a primary key or NOT NULL."""
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE documents (id VARCHAR {id_column}, dataset VARCHAR NOT NULL, source_uri VARCHAR, "
                "title VARCHAR, text VARCHAR NOT NULL, author VARCHAR, created TIMESTAMP, score BIGINT, "
                "parent_id VARCHAR, kind VARCHAR, metadata JSON)")
    con.close()
    return db


@pytest.fixture()
def bulk(monkeypatch):
    monkeypatch.setattr(runner, "BULK_MIN_BYTES", 0)
    monkeypatch.setattr(reddit_dump, "SLICE_MIN", 0)
    monkeypatch.setattr(reddit_dump, "SLICE_BYTES", 700)


def test_bulk_ingest_equals_incremental_and_rebuilds_every_index(tmp_path, monkeypatch):
    path = write_ndjson(tmp_path / "RS.zst", _records(), zst=True)
    plain = _store(tmp_path / "a.duckdb")
    assert not bulk_mode(plain, [path])  # a small file: incremental
    one = _ingest(plain, [path])
    monkeypatch.setattr(runner, "BULK_MIN_BYTES", 0)
    big = _store(tmp_path / "b.duckdb")
    assert bulk_mode(big, [path])
    dropped, real_drop = [], runner.drop_indexes
    monkeypatch.setattr(runner, "drop_indexes", lambda con: dropped.append(_indexes(big)) or real_drop(con))
    many = _ingest(big, [path])
    assert dropped == [set(INDEXES)]
    assert (many.documents_added, many.chunks_added) == (one.documents_added, one.chunks_added) == (40, one.chunks_added)
    assert _rows(big) == _rows(plain)
    assert _indexes(big) == set(INDEXES) == _indexes(plain)
    again = _ingest(big, [path])  # the anti-join, not an index, keeps re-ingest from adding anything
    assert (again.documents_added, again.chunks_added, again.already_present) == (0, 0, 41)
    assert _rows(big) == _rows(plain)
    with pytest.raises(duckdb.ConstraintException):  # the rebuilt index is unique again
        big.cursor().execute("INSERT INTO documents (id, dataset, text) VALUES ('reddit:t3_s1', 'r', 'x')")


def test_failed_file_in_bulk_mode_keeps_nothing_and_indexes_come_back(tmp_path, bulk):
    store = _store(tmp_path / "f.duckdb")
    before, _, _ = ingest_with_bad_line_36(store, tmp_path)
    assert _rows(store) == before and _indexes(store) == set(INDEXES)


def test_bulk_mode_only_when_the_input_is_big_next_to_the_tables(tmp_path, monkeypatch):
    store = _store(tmp_path / "m.duckdb")
    path = write_ndjson(tmp_path / "RS.ndjson", [submission(i) for i in range(30)])
    size = path.stat().st_size
    monkeypatch.setattr(runner, "BULK_MIN_BYTES", size + 1)
    assert not bulk_mode(store, [path])
    monkeypatch.setattr(runner, "BULK_MIN_BYTES", size)
    monkeypatch.setattr(runner, "BYTES_PER_ROW", size)  # the file "adds" one row
    assert bulk_mode(store, [path])  # empty tables
    _ingest(store, [write_ndjson(tmp_path / "RS_old.ndjson", [submission(100 + i) for i in range(5)])])
    assert not bulk_mode(store, [path])  # 5 stored > 4 x 1 expected


def test_dropped_indexes_come_back_with_the_next_store(tmp_path):
    """A bulk ingest killed between the drop and the rebuild: the next open recreates the indexes."""
    db = tmp_path / "k.duckdb"
    store = _store(db)
    from sro.data.schema import drop_indexes

    drop_indexes(store.cursor())
    assert _indexes(store) == set()
    store.con.close()
    assert _indexes(_store(db)) == set(INDEXES)


def test_older_workspace_with_a_primary_key_keeps_working(tmp_path, bulk):
    store = _store(_older_workspace(tmp_path / "old.duckdb", "PRIMARY KEY"))
    assert _indexes(store) == set(INDEXES) - {"documents_id_idx"}  # the primary key is the unique index
    path = write_ndjson(tmp_path / "RS.zst", _records(), zst=True)
    assert _ingest(store, [path]).documents_added == 40
    assert _ingest(store, [path]).documents_added == 0
    assert _indexes(store) == set(INDEXES) - {"documents_id_idx"}


def test_texts_are_stored_uncompressed(tmp_path):
    """documents.text and chunks.text skip FSST (a third of the ingest CPU); other columns still compress."""
    store = _store(tmp_path / "c.duckdb")
    texts = [f"Panel {i}: the inverter warranty covers the battery and the roof install. " * 2 for i in range(3000)]
    _ingest(store, [write_ndjson(tmp_path / "RS.ndjson", [submission(i, t) for i, t in enumerate(texts)])])
    con = store.cursor()
    con.execute("CHECKPOINT")
    for table in ("documents", "chunks"):
        kinds = {r[0] for r in con.execute(
            f"SELECT DISTINCT compression FROM pragma_storage_info('{table}') WHERE column_name = 'text' "
            "AND segment_type = 'VARCHAR'").fetchall()}
        assert kinds == {"Uncompressed"}, (table, kinds)


def _stored_texts(store) -> tuple[int, int]:
    """(documents whose text is stored in `documents`, documents whose text is only in their chunk)."""
    return store.cursor().execute(
        "SELECT count(text), count(*) - count(text) FROM documents").fetchone()


def test_one_chunk_texts_are_stored_once_and_read_whole(tmp_path):
    store = _store(tmp_path / "once.duckdb")
    short, long = "Short post about the inverter. " * 3, "A long story about the panels and the roof. " * 20
    path = write_ndjson(tmp_path / "RS.ndjson", [submission(1, short), submission(2, long)])
    assert _ingest(store, [path]).documents_added == 2
    assert _stored_texts(store) == (1, 1)  # the long one keeps its text; the short one is its only chunk
    whole = {1: "Solar question 1\n\n" + short, 2: "Solar question 2\n\n" + long}
    ds = store.dataset("r")
    for n, text in whole.items():
        assert store.document(f"reddit:t3_s{n}").text == ds.get(f"reddit:t3_s{n}").text == text
    assert {d.text for d in ds.peek(5)} == {d.text for d in ds.sample(5)} == set(whole.values())
    assert ds.sql("SELECT text FROM documents ORDER BY id") == [{"text": whole[1]}, {"text": whole[2]}]
    assert ds.describe()["chars"] == sum(map(len, whole.values()))
    assert "text" in ds.fields()


def test_workspace_from_before_keeps_its_texts_and_stores_new_ones_once(tmp_path):
    """A documents table with text NOT NULL (and its unique index) is altered in place on open."""
    db = _older_workspace(tmp_path / "before.duckdb", "NOT NULL")
    con = duckdb.connect(str(db))
    con.execute("CREATE UNIQUE INDEX documents_id_idx ON documents (id)")
    con.execute("INSERT INTO documents (id, dataset, text) VALUES ('old:1', 'r', 'An old post.')")
    con.close()
    store = _store(db)
    assert _indexes(store) == set(INDEXES)
    assert _ingest(store, [write_ndjson(tmp_path / "RS.ndjson", [submission(1, "A new short post.")])]) \
        .documents_added == 1
    assert _stored_texts(store) == (1, 1)
    assert store.document("old:1").text == "An old post."
    assert store.document("reddit:t3_s1").text == "Solar question 1\n\nA new short post."


def test_primary_key_workspace_still_stores_every_text(tmp_path):
    store = _store(_older_workspace(tmp_path / "pk.duckdb", "PRIMARY KEY"))
    assert _ingest(store, [write_ndjson(tmp_path / "RS.ndjson", [submission(1, "A short post.")])]) \
        .documents_added == 1
    assert _stored_texts(store) == (1, 0)


def test_bulk_readers_join_the_chunk_texts_by_hash(tmp_path):
    """The join that gives one-chunk documents their text must stay an equi-join: with `d.text IS NULL` in its
    ON clause DuckDB planned a nested loop (minutes for 1M documents)."""
    from sro.data.records import DOC_TEXT, DOC_TEXT_JOIN

    store = _store(tmp_path / "plan.duckdb")
    plan = " ".join(r[1] for r in store.cursor().execute(
        f"EXPLAIN SELECT {DOC_TEXT} FROM documents d {DOC_TEXT_JOIN} WHERE d.dataset = ?", ["r"]).fetchall())
    assert "HASH_JOIN" in plan and "NESTED_LOOP" not in plan and "BLOCKWISE_NL" not in plan


def test_first_layout_workspace_is_refused_with_a_clear_error(tmp_path):
    from sro.errors import WorkspaceError

    db = tmp_path / "first.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE chunks (id VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, dataset VARCHAR NOT NULL, "
                "ordinal INTEGER NOT NULL, start_pos INTEGER NOT NULL, end_pos INTEGER NOT NULL, text VARCHAR)")
    con.close()
    with pytest.raises(WorkspaceError, match="early SRO build"):
        _store(db)
    assert _store(tmp_path / "new.duckdb").cursor().execute("SELECT count(*) FROM chunks").fetchone() == (0,)
