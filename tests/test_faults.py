"""Fault injection through the real CLI (subprocesses): broken inputs and wrong settings give the documented
exit code and one `error:` line without a traceback, create nothing by mistake and lose nothing stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sro.errors import ExitCode

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "datasets" / "demo"
SRO = [sys.executable, "-m", "sro"]


def sro(ws: Path | None, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SRO_")}
    cmd = [*SRO, *(["-w", str(ws)] if ws is not None else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env={**base, **(env or {})}, timeout=timeout,
                          cwd=ROOT)


def one_error(proc: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    """The process exited with `code` and said why in exactly one `error:` line, without a traceback."""
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == code, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and len(errors) == 1, proc.stderr[-2000:]
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def counts(ws: Path) -> dict[str, int]:
    con = duckdb.connect(str(ws / "sro.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT dataset, count(*), count(DISTINCT id) FROM documents GROUP BY ALL").fetchall()
        for dataset, n, distinct in rows:
            assert n == distinct, f"{dataset}: duplicated documents"
        datasets = [r[0] for r in con.execute("SELECT name FROM datasets").fetchall()]
        return {**{d: 0 for d in datasets}, **{r[0]: r[1] for r in rows}}
    finally:
        con.close()


def cut(src: Path, dst: Path, share: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * share)])
    return dst


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("faults") / "ws"
    out = sro(ws, "ingest", "reddit-dump", str(DEMO / "RS_demo.zst"), "-d", "solar", "--json")
    assert out.returncode == 0, out.stderr
    return ws


@pytest.mark.parametrize("share", [0.5, 0.9, 0.999])
def test_truncated_zstd_dump_is_refused_with_file_and_offset_and_stores_nothing(ws, tmp_path, share):
    before = counts(ws)
    bad = cut(DEMO / "RC_demo.zst", tmp_path / "RC_cut.zst", share)
    proc = sro(ws, "ingest", "reddit-dump", str(bad), "-d", "comments", "--json")
    assert proc.returncode == ExitCode.ERROR and "Traceback" not in proc.stderr
    (issue,) = json.loads(proc.stdout)["errors"]
    assert issue["file"] == str(bad) and "truncated zstd data" in issue["message"]
    assert f"ends at byte {bad.stat().st_size}" in issue["message"]
    assert counts(ws) == before  # not even an empty "comments" dataset


def test_partial_failure_exits_4_stores_the_good_files_and_lists_the_bad(ws, tmp_path):
    bad = cut(DEMO / "RC_demo.zst", tmp_path / "RC_half.zst", 0.5)
    proc = sro(ws, "ingest", "reddit-dump", str(DEMO / "RC_demo.zst"), str(bad), "-d", "mixed", "--json")
    assert proc.returncode == ExitCode.PARTIAL, proc.stderr
    report = json.loads(proc.stdout)
    manifest = json.loads((DEMO / "manifest.json").read_text())
    assert report["files_failed"] == 1 and [e["file"] for e in report["errors"]] == [str(bad)]
    assert counts(ws)["mixed"] == manifest["files"]["RC_demo.zst"] - manifest["deleted_comments"]


def test_docs_folder_decodes_latin1_reports_bad_pdf_and_keeps_library_noise_off_the_terminal(ws, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "menu.txt").write_bytes("Crème brûlée, déjà vu, naïve façade. Le garçon a mangé.\n".encode("cp1252"))
    (folder / "note.md").write_text("# Note\n\nFine text.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n")
    proc = sro(ws, "ingest", "docs", str(folder), "-d", "docs")
    assert proc.returncode == ExitCode.PARTIAL, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert all(line.startswith(("warning ", "error ", "ingest docs")) for line in lines), lines
    assert any("menu.txt: not UTF-8: decoded as cp1252" in line for line in lines)
    assert any("broken.pdf: unreadable PDF" in line for line in lines)
    hits = json.loads(sro(ws, "grep", "docs", "Crème brûlée", "--json").stdout)
    assert len(hits) == 1


def test_table_failures_leave_no_dataset_and_an_empty_table_is_a_warning(ws, tmp_path):
    before = counts(ws)
    proc = sro(ws, "ingest", "table", str(tmp_path / "nosuch.csv"), "-d", "t1", "--text", "body")
    assert proc.returncode == ExitCode.ERROR and "no such file" in proc.stderr
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"id,body\n1,\x00\x01\x02\xff\xfe\n")
    proc = sro(ws, "ingest", "table", str(binary), "-d", "t2", "--text", "body")
    assert proc.returncode == ExitCode.ERROR and "binary data (NUL byte at byte 10)" in proc.stderr
    assert counts(ws) == before
    header = tmp_path / "header.csv"
    header.write_text("id,body\n")
    proc = sro(ws, "ingest", "table", str(header), "-d", "t3", "--text", "body")
    assert proc.returncode == ExitCode.OK and "warning" in proc.stderr and "no rows" in proc.stderr


def test_export_to_a_missing_folder_is_one_line_and_creates_nothing(ws, tmp_path):
    target = tmp_path / "missing" / "dir" / "g.trig"
    one_error(sro(ws, "export", "-o", str(target)), ExitCode.ERROR, "cannot write", "does not exist")
    assert not (tmp_path / "missing").exists()


def test_query_refuses_updates_and_bad_bindings(ws):
    one_error(sro(ws, "query", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"), ExitCode.ERROR, "SPARQL update",
              "sro graph import")
    one_error(sro(ws, "query", "SELECT ?s { ?s ?p ?o }", "--bind", "x=1"), ExitCode.ERROR, "no variable ?x")
    one_error(sro(ws, "query", "SELECT ?s { ?s ?p ?o }", "--bind", "s=<not an iri>"), ExitCode.ERROR,
              "invalid IRI")
    assert json.loads(sro(ws, "graph", "stats", "--json").stdout)["quads"] == 0


@pytest.mark.parametrize("args", [("datasets",), ("search", "solar", "x"), ("query", "ASK {}"),
                                  ("export", "-o", "-"), ("graph", "stats"), ("triples",), ("status",)])
def test_a_missing_workspace_is_an_error_and_is_not_created(tmp_path, args):
    typo = tmp_path / "typo"
    one_error(sro(typo, *args), ExitCode.CONFIG, f"no workspace at {typo}")
    assert not typo.exists()


def test_help_shows_plain_types():
    out = sro(None, "ingest", "table", "--help", env={"COLUMNS": "200"}).stdout
    assert "<list[Path]>" not in out and "<str>" not in out and "PATH" in out and "TEXT" in out


def test_usage_errors_are_one_line_with_exit_2(ws):
    one_error(sro(ws, "search", "solar"), ExitCode.USAGE, "Missing argument", "sro search --help")
    one_error(sro(ws, "ingest", "table", "x.csv", "-d", "t", "--bogus"), ExitCode.USAGE, "--bogus")


def test_a_missing_key_fails_fast_by_name_without_a_request(ws, llm_server):
    env = {"SRO_WORKER_MODEL": "openai/test-worker", "SRO_WORKER_BASE_URL": llm_server.base_url,
           "SRO_WORKER_API_KEY_ENV": "SRO_UNSET_KEY_VAR"}
    one_error(sro(ws, "extract", "-d", "solar", env=env), ExitCode.CONFIG, "SRO_UNSET_KEY_VAR is not set")
    assert llm_server.count() == 0  # refused before the first request, so no retry waits either


def test_offline_false_without_models_is_a_configuration_error(ws, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: c1\nquestion: Is solar worth it?\ndatasets: [solar]\noffline: false\n")
    one_error(sro(ws, "run", str(spec)), ExitCode.CONFIG, "offline: false", "no model is configured")


def test_extract_whose_every_call_failed_exits_1_and_marks_nothing_done(ws, llm_server):
    llm_server.default("server on fire", status=500)
    env = {"SRO_WORKER_MODEL": "openai/test-worker", "SRO_WORKER_BASE_URL": llm_server.base_url,
           "SRO_WORKER_API_KEY_ENV": "SRO_TEST_KEY", "SRO_TEST_KEY": "sk-x", "SRO_WORKER_MAX_RETRIES": "0",
           "SRO_WORKER_TRANSPORT": "direct"}
    proc = sro(ws, "extract", "-d", "solar", "-n", "3", "--json", env=env)
    assert proc.returncode == ExitCode.ERROR, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["failed_chunks"] == summary["chunks"] == 3 and llm_server.count() >= 1
    con = duckdb.connect(str(ws / "sro.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM candidates_done").fetchone()[0] == 0
    finally:
        con.close()


def test_an_unexpected_failure_even_a_rust_panic_is_one_line(monkeypatch, capsys):
    import sro.commands.cli as cli

    class PanicException(BaseException):  # what pyo3 raises for a panic in pyoxigraph
        pass

    class Engine:
        def main(self, **_: object) -> None:
            raise PanicException("called `Option::unwrap()` on a `None` value\nstack backtrace: ...")

    monkeypatch.setattr(cli, "command", Engine)
    monkeypatch.delenv("SRO_DEBUG", raising=False)
    assert cli._exit_code() == ExitCode.ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (PanicException: called `Option::unwrap()`" in err
    assert "SRO_DEBUG=1" in err and "backtrace" not in err


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_a_read_only_workspace_is_searched_queried_and_exported_without_a_write(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sro.commands.cli import app
    from sro.workspace import Workspace
    from tests.support.graph_fixtures import sample_facts

    root = tmp_path / "ws"
    with Workspace.open(root) as ws:
        from sro.data.ingest.docs import docs_loader, expand
        from sro.data.ingest.runner import run_ingest

        files = dict(expand([str(DEMO / "contracts")]))
        run_ingest(ws.datasets, "c", list(files), docs_loader("c", files, ws.datasets))
        ws.graph.add_facts(sample_facts())
    before = _tree(root)
    monkeypatch.setattr("sro.workspace.writable", lambda path: False)  # as for a folder this user cannot write
    run = CliRunner().invoke
    hits = run(app, ["-w", str(root), "search", "c", "liability cap", "--json"])
    assert hits.exit_code == 0 and json.loads(hits.stdout), hits.output
    assert run(app, ["-w", str(root), "grep", "c", "Agreement", "-n", "2", "--json"]).exit_code == 0
    quads = run(app, ["-w", str(root), "query", "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", "--json"])
    assert quads.exit_code == 0 and int(json.loads(quads.stdout)["results"]["bindings"][0]["n"]["value"]) > 0
    out = tmp_path / "g.nq"
    assert run(app, ["-w", str(root), "export", "--format", "nquads", "-o", str(out)]).exit_code == 0
    assert out.stat().st_size > 0
    refused = run(app, ["-w", str(root), "ingest", "docs", str(DEMO / "contracts"), "-d", "more"])
    assert refused.exception.exit_code == ExitCode.CONFIG and "is read-only" in str(refused.exception)
    assert _tree(root) == before
