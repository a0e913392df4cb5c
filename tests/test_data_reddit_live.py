"""The live collector against a loopback fake Reddit API (real asyncpraw/praw HTTP stack, no network)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sro.config import Settings
from sro.data.db import connect
from sro.data.reddit_live import collect
from sro.data.store import DatasetStore
from tests.support.fake_reddit import FakeReddit

# asyncprawcore itself triggers aiohttp's BasicAuth deprecation warning; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TREE = [("c1", "My SolarEdge inverter died after 3 years.", [("c2", "Same here, replaced under warranty.", [])]),
        ("c3", "[deleted]", []), ("c4", "Enphase has been fine for us.", [])]


@pytest.fixture()
def fake():
    with FakeReddit() as server:
        server.add_thread("solar", "aaa111", "Inverter died", "What now? Installer does not answer.", TREE)
        server.add_thread("solar", "bbb222", "Payback question", "Is a payback period of 8 years good?",
                          [("d1", "Ours is 7 years with NEM 2.0.", [])], created=1_700_000_500.0)
        server.add_thread("solar", "ccc333", "Removed", "[removed]", [], created=1_700_000_900.0)
        server.add_thread("cooking", "zzz999", "Bread", "Not solar.", [])
        yield server


@pytest.fixture()
def store(tmp_path):
    con = connect(tmp_path / "sro.duckdb")
    yield DatasetStore(con, Settings())
    con.close()


def _client(fake: FakeReddit):
    import asyncpraw

    return asyncpraw.Reddit(client_id="id", client_secret="secret", user_agent="sro-tests",
                            oauth_url=fake.url, reddit_url=fake.url)


async def _collect(fake, store, **kw):
    reddit = _client(fake)
    try:
        return await collect(store, "live", "solar", reddit=reddit, **kw)
    finally:
        await reddit.close()


def test_collects_threads_with_comment_trees(fake, store):
    fake.more_after = 1  # c3 and c4 arrive through /api/morechildren
    report = asyncio.run(_collect(fake, store))
    assert report.documents_added == 6 and report.errors == []
    assert report.skip_reasons == {"deleted_or_removed": 2}  # removed submission, deleted comment
    assert fake.count("/api/morechildren") == 1
    reply = store.document("reddit:t1_c2")
    assert reply.parent_id == "reddit:t3_aaa111" and reply.metadata["parent"] == "t1_c1"
    assert reply.metadata["depth"] == 1 and reply.kind == "comment"
    assert reply.source_uri.startswith("https://www.reddit.com/r/solar/comments/aaa111/")
    sub = store.document("reddit:t3_bbb222")
    assert sub.text == "Payback question\n\nIs a payback period of 8 years good?" and sub.author == "author_bbb222"
    assert store.dataset("live").search("inverter died", k=1)[0].doc_id in {"reddit:t3_aaa111", "reddit:t1_c1"}


def test_resume_skips_stored_threads_without_refetching(fake, store):
    asyncio.run(_collect(fake, store))
    before = fake.count("/comments/")
    again = asyncio.run(_collect(fake, store))
    assert again.documents_added == 0
    assert fake.count("/comments/") == before + 1  # only the removed thread (never stored) is fetched again


def test_query_and_limit(fake, store):
    report = asyncio.run(_collect(fake, store, query="payback", comments=False))
    assert report.documents_added == 1 and store.dataset("live").count() == 1


def test_rate_limited_requests_are_retried(fake, store):
    fake.throttle("/r/solar/new", times=2)
    report = asyncio.run(_collect(fake, store, limit=2, comments=False))
    assert report.documents_added == 1  # newest two: the removed one is skipped
    assert fake.count("/r/solar/new") == 3


def test_sync_praw_client(fake, store):
    import praw

    reddit = praw.Reddit(client_id="id", client_secret="secret", user_agent="sro-tests",
                         oauth_url=fake.url, reddit_url=fake.url)
    report = asyncio.run(collect(store, "live", "solar", reddit=reddit))
    assert report.documents_added == 6


def test_cli_reads_praw_ini(fake, tmp_path):
    (tmp_path / "praw.ini").write_text(
        f"[DEFAULT]\nclient_id=id\nclient_secret=secret\nuser_agent=sro-tests\noauth_url={fake.url}\n"
        f"reddit_url={fake.url}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("praw_", "SRO_"))}
    sro = Path(sys.executable).parent / "sro"
    out = subprocess.run([str(sro), "-w", str(tmp_path / "ws"), "ingest", "reddit-live", "--subreddit", "solar",
                          "--dataset", "live", "--limit", "2", "--json"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    import json

    assert json.loads(out.stdout)["documents_added"] == 2  # newest two threads: ccc333 (removed), bbb222 + d1
