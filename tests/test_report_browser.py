"""The HTML report in a real browser (headless Chromium driven by Playwright): every `[n]` is an in-page link
that lands on its citation, and each citation links out to its source. Skipped, saying why, when Playwright
or a Chromium is missing (`scripts/setup_browser.sh` installs both)."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from sro.campaign.report import write_report
from tests.support import report_ws

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                                     "(pip install playwright; see scripts/setup_browser.sh)")


def chromium() -> str | None:
    for candidate in (os.environ.get("SRO_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                      "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture
def report(workspace) -> dict:
    """Written before the browser starts: Playwright's sync API runs its own event loop."""
    report_ws.build(workspace)
    return asyncio.run(write_report(workspace, "c1"))


@pytest.fixture
def page(report):
    path = chromium()
    if path is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set SRO_CHROMIUM; see scripts/setup_browser.sh)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_every_citation_marker_lands_on_its_citation(report, page):
    result = report
    page.goto(Path(result["paths"]["html"]).as_uri())
    markers = page.locator("a.cite")
    count = markers.count()
    assert count >= 3
    for i in range(count):
        marker = markers.nth(i)
        n = marker.inner_text().strip("[]")
        marker.click()
        assert page.evaluate("location.hash") == f"#cite-{n}"
        target = page.locator(f"#cite-{n}")
        assert target.count() == 1 and target.evaluate("el => el.matches(':target')")
        assert target.is_visible() and target.evaluate("el => el.getBoundingClientRect().top") < 200
    sources = page.locator("ol.cites a.source")
    assert sources.count() == len(result["citations"])
    hrefs = {sources.nth(i).get_attribute("href") for i in range(sources.count())}
    assert hrefs == {c["source_uri"] for c in result["citations"]}
