"""`sro query`, `sro export`, `sro graph stats`, `sro graph import` against a real workspace store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import rdflib
from typer.testing import CliRunner

from sro.commands.cli import app
from sro.errors import GraphError
from tests.support.graph_fixtures import EX, sample_facts

runner = CliRunner()


def _ws_with_facts(tmp_path: Path) -> Path:
    from sro.workspace import Workspace

    ws_dir = tmp_path / "ws"
    with Workspace.open(ws_dir) as ws:
        ws.graph.add_facts(sample_facts())
    return ws_dir


def _run(ws: Path, *args: str):
    return runner.invoke(app, ["--workspace", str(ws), *args], catch_exceptions=True)


def test_query_with_bindings_and_formats(tmp_path):
    ws = _ws_with_facts(tmp_path)
    q = "PREFIX sro: <https://sro.dev/ns#> SELECT ?quote WHERE { ?e sro:quote ?quote ; sro:score ?s FILTER(?s >= ?min) }"
    res = _run(ws, "query", q, "--bind", "min=0.9", "--format", "json")
    assert res.exit_code == 0, res.output
    quotes = [b["quote"]["value"] for b in json.loads(res.stdout)["results"]["bindings"]]
    assert sorted(quotes) == ["He said \"Acme\" <made> it\n", "a quote"]
    res = _run(ws, "query", "SELECT ?o WHERE { ?s ?p ?o }", "--bind", f"s=<{EX}contract1>",
               "--bind", f"p=<{EX}term>", "--format", "csv")
    assert res.stdout.splitlines()[:2] == ["o", "P10Y"]
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?s ?p ?o }")
    assert _run(ws, "query", "--file", str(rq), "--format", "json").stdout.strip().endswith("true}")
    res = _run(ws, "query", "SELECT ?s WHERE { ?s ?p ?o }", "--bind", "o=nope } UNION { ?s ?p ?o")
    assert res.exit_code == 0 and "0 row(s)" in res.output  # bound as a plain literal, never spliced
    res = _run(ws, "query", "SELECT ?s WHERE { ?s ?p ?o }", "--bind", "o=\"nope\" } UNION { ?s ?p ?o")
    assert res.exit_code == 1 and "is not a valid literal" in str(res.exception)


def test_bind_and_update_mistakes_are_errors(tmp_path):
    ws = _ws_with_facts(tmp_path)
    cases = {("SELECT ?s WHERE { ?s ?p ?o }", "x=1"): "the query has no variable ?x",
             ("SELECT ?s WHERE { ?s ?p ?o }", "s=<http://a b>"): "invalid IRI",
             ("SELECT ?s WHERE { ?s ?p ?o }", "s=<http://a"): "is not a valid IRI",
             ("SELECT ?s WHERE { ?s ?p ?o }", 'o="x"@'): "is not a valid literal"}
    for (query, bind), message in cases.items():
        res = _run(ws, "query", query, "--bind", bind)
        assert res.exit_code == 1 and message in str(res.exception), (bind, res.output)
    before = _run(ws, "graph", "stats", "--json").stdout
    for update in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "PREFIX e: <http://e#> # note\nDELETE WHERE { ?s ?p ?o }",
                   "clear all", "LOAD <http://example.org/x.ttl>"):
        res = _run(ws, "query", update)
        assert res.exit_code == 1 and "SPARQL update" in str(res.exception) and "sro graph import" in str(res.exception)
    assert _run(ws, "graph", "stats", "--json").stdout == before


def test_syntax_error_is_a_graph_error(tmp_path):
    ws = _ws_with_facts(tmp_path)
    res = _run(ws, "query", "SELECT * WHERE {\n ?s ?p }")
    assert isinstance(res.exception, GraphError) and "line 2" in str(res.exception)


def test_export_stats_import(tmp_path):
    ws = _ws_with_facts(tmp_path)
    stats = json.loads(_run(ws, "graph", "stats", "--json").stdout)
    assert stats["facts"] == len(sample_facts())
    out = tmp_path / "out.trig"
    res = _run(ws, "export", "--format", "trig", "-o", str(out), "--min-score", "0.8", "--json")
    summary = json.loads(res.stdout)
    ds = rdflib.Dataset()
    ds.parse(out, format="trig")
    assert summary["statements"] == len(list(ds.quads((None, None, None, None))))
    ws2 = tmp_path / "ws2"
    res = _run(ws2, "graph", "import", str(out), "--json")
    assert json.loads(res.stdout)["quads"] == summary["statements"]
    assert json.loads(_run(ws2, "graph", "stats", "--json").stdout)["facts"] == 3
    assert _run(ws2, "graph", "optimize").exit_code == 0
    assert json.loads(_run(ws2, "graph", "stats", "--json").stdout)["facts"] == 3


def test_cli_exits_nonzero_with_line_on_corrupt_import(tmp_path):
    bad = tmp_path / "bad.nt"
    bad.write_text(f"<{EX}a> <{EX}b> <{EX}c> .\n<{EX}a> <{EX}b> \"open .\n")
    sro = str(Path(sys.executable).with_name("sro"))
    proc = subprocess.run([sro, "--workspace", str(tmp_path / "ws"), "graph", "import", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"{bad}:2:" in proc.stderr


def test_stats_of_an_empty_graph_says_how_to_fill_it(tmp_path):
    (tmp_path / "empty").mkdir()
    res = _run(tmp_path / "empty", "graph", "stats")
    assert res.exit_code == 0 and "The graph is empty" in res.output
    assert "The graph is empty" not in _run(_ws_with_facts(tmp_path), "graph", "stats").output
