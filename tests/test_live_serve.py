"""`sro serve` over HTTP on loopback (bearer token, owner-only serve.json, the API) and the explorer in
headless Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat

import httpx
import pytest

from tests.support.live_fixture import build_workspace, start_server
from tests.test_live_workspace import ENV

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = build_workspace(tmp_path_factory.mktemp("serve") / "ws", ENV)
    proc, info = start_server(root, ENV)
    yield root, info
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    assert not (root / "serve.json").exists()


def _get(info, path, token=True, **kw):
    headers = {"Authorization": f"Bearer {info['token']}"} if token else {}
    return httpx.get(info["url"] + path, headers=headers, timeout=30, **kw)


def test_serve_file_is_owner_only_and_requests_need_the_token(server):
    root, info = server
    assert stat.S_IMODE(os.stat(root / "serve.json").st_mode) == 0o600
    assert info["url"].startswith("http://127.0.0.1:") and info["pid"] > 0
    assert _get(info, "/api/datasets", token=False).status_code == 401
    wrong = httpx.get(info["url"] + "/api/datasets", headers={"Authorization": "Bearer nope"}, timeout=30)
    assert wrong.status_code == 401
    ok = _get(info, "/api/datasets")
    assert ok.status_code == 200 and [d["name"] for d in ok.json()] == ["solar"]


def test_campaigns_facts_and_sparql(server):
    _, info = server
    campaigns = _get(info, "/api/campaigns").json()
    assert [c["campaign"] for c in campaigns] == ["solar-costs"]
    one = _get(info, "/api/campaigns/solar-costs").json()
    assert one["tree"]["root"]["question"] == "Is Solar economical?" and one["nodes_expanded"] >= 1
    facts = _get(info, "/api/facts", params={"min_score": "0.5"}).json()
    assert facts and all(f["total"] >= 0.5 and f["verdict"] == "accepted" for f in facts)
    first = facts[0]
    doc = _get(info, f"/api/documents/{first['doc_id']}").json()
    assert first["quote"] in doc["text"] or doc["text"][first["start_char"]:first["end_char"]]
    about = _get(info, "/api/facts", params={"entity": first["subject"]}).json()
    assert about and all(first["subject"].lower() in (f["subject"].lower(), f["object"].lower()) for f in about)
    headers = {"Authorization": f"Bearer {info['token']}"}
    def ask(value: str) -> bool:
        return httpx.post(info["url"] + "/api/sparql", headers=headers, timeout=30, json={
            "query": "ASK { ?s ?p ?o FILTER(STR(?o) = STR(?x)) }", "bindings": {"x": value}}).json()["boolean"]

    assert ask(f'"{first["object"]}"') is True
    assert ask('"no fact has this object"') is False


def test_bad_requests_are_400_with_one_message(server):
    _, info = server
    unknown = _get(info, "/api/campaigns/nosuch")
    assert unknown.status_code == 400 and "nosuch" in unknown.json()["error"]
    bad = _get(info, "/api/search", params={"dataset": "solar", "q": "battery", "k": "many"})
    assert bad.status_code == 400 and bad.json() == {"error": "k must be an integer"}
    headers = {"Authorization": f"Bearer {info['token']}"}
    update = httpx.post(info["url"] + "/api/sparql", headers=headers, timeout=30,
                        json={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert update.status_code == 400


def test_judge_takes_the_sro_judge_format_and_agrees_with_sro_judge(server, tmp_path):
    from tests.test_judge_file import LINES, run

    _, info = server
    headers = {"Authorization": f"Bearer {info['token']}"}

    def post(body) -> httpx.Response:
        return httpx.post(info["url"] + "/api/judge", headers=headers, timeout=120, json=body)

    judged = post({"triples": LINES, "pipeline": "solar_reddit"})
    assert judged.status_code == 200, judged.text
    cli = run(tmp_path, LINES, "--pipeline", "solar_reddit", "--json")
    assert judged.json() == json.loads(cli.output[cli.output.index("{"):])
    assert [r["verdict"] for r in judged.json()["results"]] == ["accepted", "rejected", "rejected"]
    missing = post({"triples": [{"id": "x", "subject": "only a subject"}]})
    assert missing.status_code == 400 and missing.json()["error"].startswith("triples[0]: not a valid triple")
    assert post({"triples": []}).status_code == 400
    assert post({"triples": LINES, "pipeline": "/etc"}).json()["error"].startswith("pipeline must be one of")
    assert post({"triples": LINES, "extra": 1}).status_code == 400


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_explorer_renders_a_campaign_and_an_entity_graph(server, tmp_path):
    _, info = server
    facts = _get(info, "/api/facts").json()
    entity = facts[0]["subject"]
    errors: list[str] = []
    with _explorer(info, errors) as page:
        page.click("#campaign-list tbody tr")
        assert page.is_hidden("#run-form")  # a read-only server: no run form
        page.wait_for_selector("#campaign-tree li.tree-node")
        assert "Is Solar economical?" in page.inner_text("#campaign-title")
        page.click("nav button[data-tab=graph]")
        page.fill("#graph-form input[name=entity]", entity)
        page.click("#graph-form button")
        page.wait_for_function("typeof cy !== 'undefined' && cy !== null && cy.nodes().length > 1")
        page.screenshot(path=str(tmp_path / "explorer.png"))
        page.click("nav button[data-tab=facts]")
        page.fill("#fact-form input[name=entity]", entity)
        page.click("#fact-form button")
        page.click("#fact-list tbody tr")
        highlighted = page.wait_for_selector("#fact-source mark").inner_text()
        reasons = page.inner_text("#fact-reasons")
        page.click("nav button[data-tab=sparql]")
        page.fill("#sparql-form textarea[name=query]", "SELECT ?o WHERE { ?s ?p ?o FILTER(STR(?o) = STR(?x)) } LIMIT 1")
        page.fill("#sparql-form textarea[name=bindings]", f'x="{facts[0]["object"]}"')
        page.click("#sparql-form button")
        page.wait_for_selector("#sparql-result tbody tr")
        bound = page.inner_text("#sparql-result tbody")
    assert errors == []
    first = _get(info, "/api/facts", params={"entity": entity}).json()[0]
    assert highlighted == _get(info, f"/api/documents/{first['doc_id']}").json()["text"][
        first["start_char"]:first["end_char"]]
    assert "grounding" in reasons
    assert bound.strip() == facts[0]["object"]


def test_a_read_only_server_refuses_to_start_campaigns(server):
    _, info = server
    headers = {"Authorization": f"Bearer {info['token']}"}
    refused = httpx.post(info["url"] + "/api/campaigns", headers=headers, timeout=30,
                         json={"question": "Is solar worth it?", "dataset": "solar"})
    assert refused.status_code == 403 and "--allow-runs" in refused.json()["error"]
    assert _get(info, "/api/server").json()["allow_runs"] is False
    assert _get(info, "/api/campaigns").json()[0]["campaign"] == "solar-costs"  # GET still works


def test_allow_runs_starts_a_campaign_whose_progress_the_api_and_explorer_show(tmp_path):
    root = build_workspace(tmp_path / "ws", ENV)
    proc, info = start_server(root, ENV, "--allow-runs")
    headers = {"Authorization": f"Bearer {info['token']}"}

    def post(body) -> httpx.Response:
        return httpx.post(info["url"] + "/api/campaigns", headers=headers, timeout=60, json=body)

    try:
        assert _get(info, "/api/server").json()["allow_runs"] is True
        assert "models" in post({"question": "Is solar worth it?", "dataset": "solar",
                                 "models": {"worker": {"model": "x"}}}).json()["error"]
        assert "unknown dataset" in post({"question": "Is solar worth it?", "dataset": "nosuch"}).json()["error"]
        assert "exists" in post({"question": "Is solar worth it?", "dataset": "solar", "name": "solar-costs"}).json()["error"]
        started = post({"spec": {"question": "What do owners say about Powerwall batteries?", "datasets": ["solar"],
                                 "name": "from-api", "budgets": {"max_nodes": 2}}})
        assert started.status_code == 202, started.text
        assert started.json()["campaign"] == "from-api"
        seen = _watch(info, "from-api")
        if CHROMIUM is not None:
            _start_from_the_explorer(info)
        runs = _finished(info)
        assert {(r["campaign"], r["running"], r["exit_code"]) for r in runs} <= {
            ("from-api", False, 0), ("from-explorer", False, 0)} and len(runs) == 1 + (CHROMIUM is not None), runs
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert seen[0]["status"] == "running"  # progress while it runs: the server's reads went to the run
    assert seen[-1]["stopped_reason"] == "max_nodes" and seen[-1]["nodes_expanded"] == 2
    assert seen[-1]["question"] == "What do owners say about Powerwall batteries?"


@contextlib.contextmanager
def _explorer(info, errors: list[str]):
    """The explorer in headless Chromium, logged in with the token; console and page errors go to `errors`."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{info['url']}/#token={info['token']}")
        try:
            yield page
        finally:
            browser.close()


def _start_from_the_explorer(info) -> None:
    """The explorer's run form (shown with --allow-runs) starts a campaign; its row appears in the list."""
    errors: list[str] = []
    with _explorer(info, errors) as page:
        page.wait_for_selector("#run-form", state="visible")
        page.fill("#run-form input[name=question]", "Which inverters fail?")
        page.fill("#run-form input[name=dataset]", "solar")
        page.fill("#run-form input[name=campaign]", "from-explorer")
        page.fill("#run-form input[name=max_nodes]", "1")
        page.click("#run-form button")
        page.wait_for_function("document.querySelector('#campaign-list tbody').innerText.includes('from-explorer')",
                               timeout=60000)
    assert errors == []


def _finished(info, timeout_s: float = 120) -> list[dict]:
    """GET /api/runs once every run it lists has exited (a run writes its report after the campaign stops)."""
    import time

    deadline = time.monotonic() + timeout_s
    runs = _get(info, "/api/runs").json()
    while any(r["running"] for r in runs) and time.monotonic() < deadline:
        time.sleep(0.5)
        runs = _get(info, "/api/runs").json()
    return runs


def _watch(info, name: str, timeout_s: float = 240) -> list[dict]:
    """The campaign's rows as GET /api/campaigns shows them, polled until it is no longer running."""
    import time

    seen: list[dict] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = {c["campaign"]: c for c in _get(info, "/api/campaigns").json()}
        if name in rows:
            seen.append(rows[name])
            if rows[name]["status"] != "running":
                return seen
        failed = [r for r in _get(info, "/api/runs").json() if r["campaign"] == name and r["exit_code"]]
        assert not failed, failed
        time.sleep(0.5)
    raise AssertionError(f"campaign {name} did not finish: {seen[-1:] or 'never listed'}")


def test_mcp_over_streamable_http_needs_the_token(server):
    import anyio
    import httpx2
    import mcp
    from mcp.client.streamable_http import streamable_http_client

    _, info = server

    async def tools(token: str) -> tuple:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
            async with mcp.Client(streamable_http_client(info["url"] + "/mcp/", http_client=http)) as client:
                listed = [str(r.uri) for r in (await client.list_resources()).resources]
                reports = json.loads((await client.read_resource("sro://reports")).contents[0].text)
                one = (await client.read_resource(reports[0]["uri"])).contents[0].text
                return {t.name for t in (await client.list_tools()).tools}, listed, reports, one

    names, listed, reports, one = anyio.run(tools, info["token"])
    assert {"search", "sql", "sparql", "facts", "judge", "campaign_status"} <= names
    assert listed == ["sro://reports"]
    assert [(r["campaign"], r["uri"]) for r in reports] == [("solar-costs", "sro://reports/solar-costs")]
    assert one == "campaign solar-costs has no report yet"  # the fixture's campaign writes none
    assert _get(info, "/mcp/", token=False).status_code == 401


def test_a_writer_is_not_kept_out_by_the_server(server, tmp_path):
    import subprocess
    import sys

    from tests.test_live_workspace import ROOT

    root, info = server
    assert _get(info, "/api/datasets").status_code == 200  # the server holds the workspace for a moment
    note = tmp_path / "note.txt"
    note.write_text("The inverter clicks at night.")
    done = subprocess.run([sys.executable, "-m", "sro", "--workspace", str(root), "ingest", "docs", str(note),
                           "-d", "notes"], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(d["name"] for d in _get(info, "/api/datasets").json()) == ["notes", "solar"]
