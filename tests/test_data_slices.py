"""Big dump files staged in slices: same result as one piece, and still all-or-nothing per file."""

from __future__ import annotations

import json

import pytest
import zstandard

import sro.data.ingest.reddit_dump as reddit_dump
from sro.config import Settings
from sro.data.db import connect
from sro.data.ingest.lines import iter_slices
from sro.data.ingest.reddit_dump import reddit_loader
from sro.data.ingest.runner import run_ingest
from sro.data.records import DOC_TEXT, DOC_TEXT_JOIN
from sro.data.store import DatasetStore
from tests.test_data_ingest import submission, write_ndjson


def _store(path):
    return DatasetStore(connect(path), Settings(chunk_size=200, chunk_overlap=20))


def _rows(store):
    con = store.cursor()
    docs = con.execute(f"SELECT d.id, {DOC_TEXT}, d.created, d.score, d.metadata::VARCHAR FROM documents d "
                       f"{DOC_TEXT_JOIN} ORDER BY d.id").fetchall()
    chunks = con.execute("SELECT id, start_pos, end_pos, text FROM chunks ORDER BY id").fetchall()
    version = con.execute("SELECT version FROM datasets").fetchall()
    return docs, chunks, version


def _ingest(store, files, **kw):
    return run_ingest(store, "r", files, reddit_loader("r"), **kw)


@pytest.fixture()
def sliced(monkeypatch):
    monkeypatch.setattr(reddit_dump, "SLICE_MIN", 0)
    monkeypatch.setattr(reddit_dump, "SLICE_BYTES", 700)  # a few records per slice


def _records(n=40):
    long = "Inverter warranty story. " * 30  # longer than a chunk: goes through the Python chunker
    return [submission(i, long if i % 7 == 0 else "", ) for i in range(n)] + [submission(3)]  # one repeated id


def test_iter_slices_cut_at_line_ends(tmp_path):
    lines = [json.dumps(submission(i)) for i in range(50)]
    path = write_ndjson(tmp_path / "RS.zst", lines, zst=True)
    pieces = []
    for piece in iter_slices(path, 500):
        with open(piece, "rb") as fh:
            pieces.append(fh.read())
    assert len(pieces) > 5 and all(p.endswith(b"\n") for p in pieces if p)
    assert b"".join(pieces).decode().splitlines() == lines


def test_sliced_ingest_equals_one_piece(tmp_path, monkeypatch):
    path = write_ndjson(tmp_path / "RS.zst", _records(), zst=True)
    whole = _store(tmp_path / "a.duckdb")
    one = _ingest(whole, [path])
    monkeypatch.setattr(reddit_dump, "SLICE_MIN", 0)
    monkeypatch.setattr(reddit_dump, "SLICE_BYTES", 700)
    split = _store(tmp_path / "b.duckdb")
    many = _ingest(split, [path])
    assert (many.documents_added, many.chunks_added, many.already_present, many.skipped) == \
           (one.documents_added, one.chunks_added, one.already_present, one.skipped) == (40, one.chunks_added, 1, 0)
    assert _rows(split) == _rows(whole)
    again = _ingest(split, [path])
    assert (again.documents_added, again.chunks_added, again.already_present) == (0, 0, 41)
    for h in split.dataset("r").search("inverter warranty", k=3):
        assert split.document(h.doc_id).text[h.start:h.end] == h.text


def ingest_with_bad_line_36(store, tmp_path):
    """One good file, then a file whose line 36 is broken, with --on-error stop. Returns (rows before the bad
    file, the bad file's path, the outcome), after checking the failure names the file and the line."""
    _ingest(store, [write_ndjson(tmp_path / "RS_first.ndjson", [submission(1000)])])
    before = _rows(store)
    records = _records()
    records.insert(35, "{broken")
    path = write_ndjson(tmp_path / "RS.zst", records, zst=True)
    stop = _ingest(store, [path], on_error="stop")
    assert stop.files_failed == 1 and stop.errors[0].line == 36 and stop.errors[0].file == str(path)
    return before, path, stop


def test_bad_line_in_a_later_slice_rolls_back_the_slices_already_moved(tmp_path, sliced):
    store = _store(tmp_path / "s.duckdb")
    before, path, _ = ingest_with_bad_line_36(store, tmp_path)
    assert _rows(store) == before  # slices moved before the bad one are gone with the transaction
    skip = _ingest(store, [path])
    assert skip.documents_added == 40 and [e.line for e in skip.errors] == [36]
    assert skip.skip_reasons == {"bad_line": 1} and skip.already_present == 1


def test_corrupt_zstd_in_a_later_slice_keeps_nothing(tmp_path, sliced):
    store = _store(tmp_path / "z.duckdb")
    payload = "".join(json.dumps(submission(i)) + "\n" for i in range(3000)).encode()
    frame = bytearray(zstandard.ZstdCompressor().compress(payload))
    frame[len(frame) * 3 // 4: len(frame) * 3 // 4 + 64] = b"\xff" * 64
    broken = tmp_path / "RS_broken.zst"
    broken.write_bytes(bytes(frame))
    report = _ingest(store, [broken])
    assert report.files_failed == 1 and "corrupt" in report.errors[0].message
    assert store.cursor().execute("SELECT count(*) FROM documents").fetchone()[0] == 0


def test_empty_file_in_slices(tmp_path, sliced):
    store = _store(tmp_path / "e.duckdb")
    empty = tmp_path / "RS_empty.ndjson"
    empty.write_bytes(b"")
    report = _ingest(store, [empty])
    assert (report.documents_added, report.files_failed) == (0, 0)
