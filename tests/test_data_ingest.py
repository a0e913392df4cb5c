"""Ingest on a real DuckDB: Reddit dumps (plain and .zst), tables and documents, including corrupt inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zstandard

from sro.config import Settings
from sro.data.db import connect
from sro.data.ingest.docs import docs_loader, expand
from sro.data.ingest.reddit_dump import reddit_loader
from sro.data.ingest.runner import run_ingest
from sro.data.ingest.table import TableColumns, table_loader
from sro.data.store import DatasetStore


def submission(i: int, text: str = "", **extra) -> dict:
    return {"id": f"s{i}", "title": f"Solar question {i}", "selftext": text or f"My inverter number {i} failed.",
            "author": f"user{i}", "created_utc": 1700000000 + i, "score": i, "subreddit": "solar",
            "permalink": f"/r/solar/comments/s{i}/solar_question_{i}/", "num_comments": 1, **extra}


def comment(i: int, link: int, body: str = "", parent: str | None = None) -> dict:
    return {"id": f"c{i}", "body": body or f"Comment {i}: panels work fine.", "author": f"c{i}",
            "created_utc": "1700000100", "score": 2, "subreddit": "solar", "link_id": f"t3_s{link}",
            "parent_id": parent or f"t3_s{link}"}


def write_ndjson(path: Path, records: list, *, zst: bool = False) -> Path:
    data = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records).encode()
    path.write_bytes(zstandard.ZstdCompressor().compress(data) if zst else data)
    return path


@pytest.fixture()
def store(tmp_path):
    con = connect(tmp_path / "sro.duckdb")
    yield DatasetStore(con, Settings(chunk_size=200, chunk_overlap=20))
    con.close()


def _reddit(store, files, **kw):
    return run_ingest(store, "r", files, reddit_loader("r", **{k: v for k, v in kw.items() if k != "on_error"}),
                      on_error=kw.get("on_error", "skip"))


def _counts(store) -> tuple[int, int]:
    con = store.cursor()
    return (con.execute("SELECT count(*) FROM documents").fetchone()[0],
            con.execute("SELECT count(*) FROM chunks").fetchone()[0])


def test_reddit_zst_submissions_and_comments(store, tmp_path):
    rs = write_ndjson(tmp_path / "RS_test.zst", [submission(1), submission(2, "[removed]"), submission(3)], zst=True)
    rc = write_ndjson(tmp_path / "RC_test.zst", [comment(1, 1), comment(2, 1, parent="t1_c1"),
                                                 comment(3, 3, "[deleted]")], zst=True)
    report = _reddit(store, [rs, rc])
    assert (report.documents_added, report.skipped, report.errors) == (4, 2, [])
    assert report.skip_reasons == {"deleted_or_removed": 2}
    sub = store.document("reddit:t3_s1")
    assert sub.kind == "submission" and sub.text == "Solar question 1\n\nMy inverter number 1 failed."
    assert sub.source_uri == "https://www.reddit.com/r/solar/comments/s1/solar_question_1/"
    assert sub.score == 1 and sub.author == "user1" and sub.created.year == 2023
    top, reply = store.document("reddit:t1_c1"), store.document("reddit:t1_c2")
    assert top.parent_id == reply.parent_id == "reddit:t3_s1"
    assert top.metadata["depth"] == 0 and reply.metadata["parent"] == "t1_c1"
    again = _reddit(store, [rs, rc])
    assert (again.documents_added, again.chunks_added, again.already_present) == (0, 0, 4)


def test_subreddit_and_since_filters(store, tmp_path):
    other = submission(9, subreddit="cooking")
    rs = write_ndjson(tmp_path / "RS.ndjson", [submission(1), other, submission(2, created_utc=1500000000)])
    from datetime import datetime

    report = _reddit(store, [rs], subreddit="Solar", since=datetime(2020, 1, 1))
    assert report.documents_added == 1
    assert report.skip_reasons == {"other_subreddit": 1, "before_since": 1}


def test_blank_texts_are_skipped_and_leading_space_texts_kept(store, tmp_path):
    """The blank check short-cuts on the first character: only whitespace-only texts count as empty."""
    rc = write_ndjson(tmp_path / "RC_blank.ndjson", [
        comment(1, 1, "   "), comment(2, 1, "  panels ok"), comment(3, 1, "~"), comment(4, 1, "\u00e9t\u00e9"),
        comment(5, 1, "\u3000 \u00a0"),  # Unicode spaces: trim() removes them too
    ])
    report = _reddit(store, [rc])
    assert (report.documents_added, report.skip_reasons) == (3, {"empty_text": 2})
    assert store.document("reddit:t1_c2").text == "  panels ok"


def test_invalid_json_line_is_skipped_with_its_line_number(store, tmp_path):
    rs = write_ndjson(tmp_path / "RS.zst", [submission(1), "{not json", submission(2), "[1, 2]"], zst=True)
    report = _reddit(store, [rs])
    assert report.documents_added == 2
    assert [(e.line, e.message.split(":")[0]) for e in report.errors] == [(2, "invalid JSON"), (4, "not a JSON object")]
    assert all(e.file == str(rs) for e in report.errors)


def test_on_error_stop_keeps_nothing_of_the_file_and_stops(store, tmp_path):
    good = write_ndjson(tmp_path / "RS_a.ndjson", [submission(1)])
    bad = write_ndjson(tmp_path / "RS_b.ndjson", [submission(2), submission(3), "{oops"])
    later = write_ndjson(tmp_path / "RS_c.ndjson", [submission(4)])
    report = _reddit(store, [good, bad, later], on_error="stop")
    assert report.stopped and report.errors[0].line == 3 and report.errors[0].file == str(bad)
    ids = {d.id for d in store.dataset("r").peek(10)}
    assert ids == {"reddit:t3_s1"}  # no half file, later file not read


def test_undecodable_bytes_name_the_line(store, tmp_path):
    path = tmp_path / "RC.ndjson"
    path.write_bytes(json.dumps(comment(1, 1)).encode() + b"\n" + b'{"id": "x", "body": "caf\xe9"}\n')
    report = _reddit(store, [path])
    assert report.documents_added == 1
    assert report.errors[0].line == 2 and "UTF-8" in report.errors[0].message


def test_bad_zstd_frame_fails_the_file_and_keeps_existing_data(store, tmp_path):
    first = write_ndjson(tmp_path / "RS_ok.zst", [submission(1)], zst=True)
    _reddit(store, [first])
    before = _counts(store)
    payload = "".join(json.dumps(submission(i)) + "\n" for i in range(10, 2000)).encode()
    frame = bytearray(zstandard.ZstdCompressor().compress(payload))
    frame[len(frame) // 2 : len(frame) // 2 + 64] = b"\xff" * 64  # corrupt the middle of the frame
    broken = tmp_path / "RS_broken.zst"
    broken.write_bytes(bytes(frame))
    report = _reddit(store, [broken])
    assert report.files_failed == 1 and report.errors[0].file == str(broken)
    assert report.errors[0].line is not None and "corrupt" in report.errors[0].message
    assert _counts(store) == before


def test_binary_garbage_is_rejected(store, tmp_path):
    junk = tmp_path / "RS_junk.ndjson"
    junk.write_bytes(bytes(range(256)) * 40)
    report = _reddit(store, [junk])
    assert report.files_failed == 1 and report.documents_added == 0
    assert "not NDJSON" in report.errors[0].message and report.errors[0].line == 1
    notzst = tmp_path / "RS_junk.zst"
    notzst.write_bytes(b"this is not zstd at all\n" * 10)
    assert _reddit(store, [notzst]).files_failed == 1


def test_table_csv_and_missing_text_column(store, tmp_path):
    csv = tmp_path / "posts.csv"
    csv.write_text('id,title,body,ts\n1,Panels,"We paid $18,500\nfor 7.2 kW",1700000000\n2,Empty,,1700000001\n'
                   '3,,,1700000002\n')
    cols = TableColumns(text="body", id="id", title="title", created="ts")
    report = run_ingest(store, "t", [csv], table_loader("t", cols))
    assert (report.documents_added, report.skip_reasons) == (2, {"empty_text": 1})
    doc = store.document("t:1")
    assert doc.text == "We paid $18,500\nfor 7.2 kW" and doc.kind == "row" and doc.created.year == 2023
    assert store.document("t:2").text == "Empty"  # a title-only row keeps its title as text
    assert run_ingest(store, "t", [csv], table_loader("t", cols)).documents_added == 0
    bad = run_ingest(store, "t", [csv], table_loader("t", TableColumns(text="nope")))
    assert bad.files_failed == 1 and "missing text column 'nope'" in bad.errors[0].message


def test_table_jsonl_and_parquet(store, tmp_path):
    jl = write_ndjson(tmp_path / "rows.jsonl", [{"k": "a", "t": "first row"}, {"k": "b", "t": "second row"}])
    cols = TableColumns(text="t", id="k")
    assert run_ingest(store, "j", [jl], table_loader("j", cols)).documents_added == 2
    pq = tmp_path / "rows.parquet"
    store.cursor().execute("COPY (SELECT 'p' || i AS k, 'parquet row ' || i AS t FROM range(5) r(i)) TO "
                           f"'{pq}' (FORMAT parquet)")
    assert run_ingest(store, "j", [pq], table_loader("j", cols)).documents_added == 5


def _tiny_pdf(text: str) -> bytes:
    """A minimal one-page PDF with a text stream (offsets computed, so pypdf reads it without repair)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
               b"/Contents 5 0 R >>", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_docs_folder_with_all_formats_and_bad_files(store, tmp_path):
    folder = tmp_path / "contracts"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("MASTER SERVICES AGREEMENT\n\nGoverned by the laws of Delaware.")
    (folder / "sub" / "b.md").write_text("# Notes\n\nNotice period of 30 days.")
    (folder / "c.html").write_text("<html><head><title>Lease</title><script>x()</script></head>"
                                   "<body><p>Term of 12 months.</p></body></html>")
    (folder / "d.pdf").write_bytes(_tiny_pdf("Cap on liability of 100000 USD"))
    (folder / "e.txt").write_bytes(b"line one\nline two \xff\xfe bad\n")
    (folder / "f.txt").write_bytes(b"\x00\x01\x02binary")
    files = dict(expand([str(folder)]))
    report = run_ingest(store, "c", list(files), docs_loader("c", files, store))
    assert report.documents_added == 5 and report.files_failed == 1  # e.txt is not UTF-8: decoded, and said so
    assert [(Path(e.file).name, e.line) for e in report.errors] == [("f.txt", 1)]
    assert [(Path(w.file).name, w.message) for w in report.warnings] == [
        ("e.txt", "not UTF-8: decoded as cp1252 (detected)")]
    assert store.document("c:e.txt").text == "line one\nline two \u00ff\u00fe bad\n"
    assert store.document("c:sub/b.md").text.endswith("Notice period of 30 days.")
    html = store.document("c:c.html")
    assert html.title == "Lease" and "Term of 12 months." in html.text and "x()" not in html.text
    assert "Cap on liability" in store.document("c:d.pdf").text
    again = run_ingest(store, "c", list(files), docs_loader("c", files, store))
    assert again.documents_added == 0 and again.already_present == 5


REAL = Path("/work/shared/data/reddit")


def test_real_teslasolar_csv_ingests_completely(store):
    csv = REAL / "teslasolar_posts_2025.csv"
    if not csv.exists():
        pytest.skip(f"real data: {csv} not present")
    cols = TableColumns(text="text", id="id", title="title", created="unix_timestamp", url="url", score="score")
    report = run_ingest(store, "ts", [csv], table_loader("ts", cols))
    assert (report.documents_added, report.skipped, report.errors) == (557, 0, [])
    assert store.dataset("ts").search("Powerwall", k=3)


def test_real_pushshift_samples_with_documented_skips(store):
    base = REAL / "pushshift_sample"
    if not base.exists():
        pytest.skip(f"real data: {base} not present")
    rs = _reddit(store, [base / "RS_sample.ndjson"])
    rc = _reddit(store, [base / "RC_sample.ndjson"])
    # Documented in README.md ("Real data checks"): RS 31 lines -> 30 kept, 1 removed; RC 27 lines -> 23 kept, 4 deleted.
    assert (rs.documents_added, rs.skip_reasons, rs.errors) == (30, {"deleted_or_removed": 1}, [])
    assert (rc.documents_added, rc.skip_reasons, rc.errors) == (23, {"deleted_or_removed": 4}, [])
    comments = store.dataset("r").sql("SELECT count(*) AS n FROM documents WHERE parent_id LIKE 'reddit:t3_%'")
    assert comments == [{"n": 23}]
