"""`sro mcp` through the official MCP client over stdio: tools, JSON results, tool errors, and a workspace held
by a running writer in another process."""

from __future__ import annotations

import json
import subprocess
import sys

import anyio
import pytest

from tests.test_live_workspace import ENV, ROOT

mcp = pytest.importorskip("mcp")


def _ingest(ws, tmp_path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Powerwall batteries store solar energy for the night.")
    done = subprocess.run([sys.executable, "-m", "sro", "--workspace", str(ws), "ingest", "docs", str(note),
                           "-d", "notes"], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr


async def _session(ws, work):
    params = mcp.StdioServerParameters(command=sys.executable, args=["-m", "sro", "--workspace", str(ws), "mcp"],
                                       env=ENV, cwd=str(ROOT))
    async with mcp.Client(params) as client:
        return await work(client)


def _payload(result):
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


def test_tools_list_and_search(tmp_path):
    ws = tmp_path / "ws"
    _ingest(ws, tmp_path)

    async def work(client):
        tools = {t.name for t in (await client.list_tools()).tools}
        hits = _payload(await client.call_tool("search", {"dataset": "notes", "query": "solar", "k": 3}))
        rows = _payload(await client.call_tool("sql", {"dataset": "notes", "query": "SELECT count(*) AS n FROM "
                                                       "documents WHERE text LIKE ?", "params": ["%battery%"]}))
        return tools, hits, rows

    tools, hits, rows = anyio.run(_session, ws, work)
    assert {"search", "sql", "sparql", "facts", "judge", "campaign_status", "datasets"} <= tools
    assert hits and hits[0]["dataset"] == "notes" and "solar" in hits[0]["text"]
    assert rows == [{"n": 0}]


def test_bad_arguments_are_tool_errors_and_the_server_lives_on(tmp_path):
    ws = tmp_path / "ws"
    _ingest(ws, tmp_path)

    async def work(client):
        unknown = await client.call_tool("search", {"dataset": "nosuch", "query": "solar"})
        bad_k = await client.call_tool("search", {"dataset": "notes", "query": "solar", "k": 0})
        writes = await client.call_tool("sql", {"dataset": "notes", "query": "DELETE FROM documents"})
        after = _payload(await client.call_tool("datasets", {}))
        return unknown, bad_k, writes, after

    unknown, bad_k, writes, after = anyio.run(_session, ws, work)
    assert unknown.is_error and "nosuch" in unknown.content[0].text
    assert bad_k.is_error and "k must be an integer" in bad_k.content[0].text
    assert writes.is_error
    assert [d["name"] for d in after] == ["notes"] and after[0]["documents"] == 1


def test_judge_tool_takes_the_sro_judge_format(tmp_path):
    from tests.test_judge_file import LINES

    ws = tmp_path / "ws"
    _ingest(ws, tmp_path)

    async def work(client):
        judged = _payload(await client.call_tool("judge", {"triples": LINES, "pipeline": "solar_reddit"}))
        bad = await client.call_tool("judge", {"triples": [{"id": 1}]})
        not_list = await client.call_tool("judge", {"triples": "a"})
        return judged, bad, not_list

    judged, bad, not_list = anyio.run(_session, ws, work)
    assert (judged["judged"], judged["accepted"]) == (3, 1)
    assert {r["id"]: r["verdict"] for r in judged["results"]} == {"a": "accepted", "b": "rejected", "c": "rejected"}
    assert bad.is_error and "triples[0]: not a valid triple" in bad.content[0].text
    assert not_list.is_error


def test_mcp_reads_a_workspace_a_writer_holds(tmp_path):
    ws = tmp_path / "ws"
    writer = subprocess.Popen([sys.executable, "-m", "tests.support.live_writer", str(ws)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    try:
        assert writer.stdout.readline().strip() == "ready 1"

        async def work(client):
            hits = _payload(await client.call_tool("search", {"dataset": "live", "query": "solar"}))
            edges = _payload(await client.call_tool("sparql", {
                "query": "SELECT ?o WHERE { ?s <urn:p:knows> ?o }", "bindings": {"s": "<urn:e:1>"}}))
            return hits, edges

        hits, edges = anyio.run(_session, ws, work)
        assert [h["doc_id"] for h in hits] == ["doc:1"]
        assert [b["o"]["value"] for b in edges["results"]["bindings"]] == ["urn:e:2"]
        assert writer.poll() is None
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
