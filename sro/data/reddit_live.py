"""Live Reddit collector: submissions of a subreddit (newest or a search) and their full comment trees.

Uses asyncpraw; credentials come from the environment (praw_client_id, praw_client_secret, praw_user_agent)
or praw.ini, exactly as PRAW documents. A user's own `asyncpraw.Reddit` or `praw.Reddit` may be passed in.
Rate limits: (async)prawcore paces requests from Reddit's x-ratelimit headers; an HTTP 429 is retried after
its retry-after delay. Resumable: a thread (submission + comments) is stored in one transaction, and threads
whose submission is already stored are skipped without fetching their comments.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Awaitable, Callable, TypeVar

from sro.data.ingest.report import IngestIssue, IngestReport
from sro.data.models import Document
from sro.data.store import DatasetStore, check_name
from sro.errors import IngestError

if TYPE_CHECKING:
    import asyncpraw
    from collections.abc import AsyncIterator
    import praw

T = TypeVar("T")
MAX_RETRIES = 5
REDDIT = "https://www.reddit.com"


def _created(obj: object) -> datetime | None:
    ts = getattr(obj, "created_utc", None)
    return datetime.fromtimestamp(float(ts), tz=timezone.utc).replace(tzinfo=None) if ts is not None else None


def _author(obj: object) -> str | None:
    author = getattr(obj, "author", None)
    return str(author) if author is not None else None


def _uri(permalink: str | None) -> str:
    return permalink if (permalink or "").startswith("http") else REDDIT + (permalink or "")


def submission_document(sub: asyncpraw.models.Submission | praw.models.Submission,
                        dataset: str) -> Document | None:
    """Same id and text rules as the dump ingest: title + blank line + selftext; removed bodies skipped."""
    body = getattr(sub, "selftext", "") or ""
    if body in ("[deleted]", "[removed]"):
        return None
    title = getattr(sub, "title", "") or ""
    text = f"{title}\n\n{body}" if body else title
    if not text.strip():
        return None
    return Document(
        id=f"reddit:t3_{sub.id}", dataset=dataset, source_uri=_uri(getattr(sub, "permalink", None)), title=title,
        text=text, author=_author(sub), created=_created(sub), score=getattr(sub, "score", None), kind="submission",
        metadata={"subreddit": str(getattr(sub, "subreddit", "")), "num_comments": getattr(sub, "num_comments", None),
                  "url": getattr(sub, "url", None), "flair": getattr(sub, "link_flair_text", None)},
    )


def comment_document(com: asyncpraw.models.Comment | praw.models.Comment, dataset: str) -> Document | None:
    body = getattr(com, "body", "") or ""
    if body in ("[deleted]", "[removed]") or not body.strip():
        return None
    return Document(
        id=f"reddit:t1_{com.id}", dataset=dataset, source_uri=_uri(getattr(com, "permalink", None)), text=body,
        author=_author(com), created=_created(com), score=getattr(com, "score", None),
        parent_id=f"reddit:{com.link_id}", kind="comment",
        metadata={"subreddit": str(getattr(com, "subreddit", "")), "parent": getattr(com, "parent_id", None),
                  "depth": getattr(com, "depth", None)},
    )


async def _retrying(call: Callable[[], Awaitable[T]]) -> T:
    """Retry an API call after HTTP 429 (honouring retry-after) or a transient server error."""
    from asyncprawcore.exceptions import ServerError, TooManyRequests

    for attempt in range(MAX_RETRIES):
        try:
            return await call()
        except TooManyRequests as exc:
            delay = float(exc.retry_after or 2 ** attempt)
        except ServerError:
            delay = 2.0 ** attempt
        if attempt == MAX_RETRIES - 1:
            break
        await asyncio.sleep(min(delay, 120.0))
    raise IngestError(f"Reddit API still refusing after {MAX_RETRIES} attempts (rate limited or down)")


def default_client() -> asyncpraw.Reddit:
    """asyncpraw.Reddit from praw.ini / environment; a clear error when credentials are missing."""
    import asyncpraw
    from asyncpraw.exceptions import MissingRequiredAttributeException

    try:
        return asyncpraw.Reddit()
    except MissingRequiredAttributeException as exc:
        raise IngestError(
            f"Reddit credentials missing ({exc}); set praw_client_id, praw_client_secret and praw_user_agent "
            "or add them to praw.ini"
        ) from None


def _stored(store: DatasetStore, doc_id: str) -> bool:
    return bool(store.cursor().execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone())


async def _thread_docs(sub: asyncpraw.models.Submission, dataset: str, comments: bool,
                       report: IngestReport) -> list[Document]:
    docs = [submission_document(sub, dataset)]
    if comments:
        await _retrying(sub.load)
        await _retrying(lambda: sub.comments.replace_more(limit=None))
        docs += [comment_document(c, dataset) for c in sub.comments.list()]
    kept = [d for d in docs if d is not None]
    skipped = len(docs) - len(kept)
    if skipped:
        report.skipped += skipped
        report.skip_reasons["deleted_or_removed"] = report.skip_reasons.get("deleted_or_removed", 0) + skipped
    return kept


async def collect(
    store: DatasetStore, dataset: str, subreddit: str, *, query: str | None = None, limit: int = 100,
    comments: bool = True, reddit: asyncpraw.Reddit | praw.Reddit | None = None,
    on_thread: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Collect up to `limit` submissions (newest, or matching `query`) with their comment trees."""
    check_name(dataset)
    if reddit is not None and _is_sync(reddit):
        return await asyncio.to_thread(collect_sync, store, dataset, subreddit, query=query, limit=limit,
                                       comments=comments, reddit=reddit)
    owned = reddit is None
    reddit = reddit or default_client()
    report = IngestReport(dataset=dataset)
    started = time.perf_counter()
    try:
        sr = await reddit.subreddit(subreddit)
        listing = sr.search(query, limit=limit, sort="new") if query else sr.new(limit=limit)
        submissions = await _retrying(lambda: _gather(listing))
        for sub in submissions:
            report.files += 1
            if _stored(store, f"reddit:t3_{sub.id}"):
                report.already_present += 1
                continue
            try:
                docs = await _thread_docs(sub, dataset, comments, report)
                added, chunks = store.add_documents(dataset, docs)
            except IngestError as exc:
                report.files_failed += 1
                report.errors.append(IngestIssue(file=f"{REDDIT}/comments/{sub.id}", message=exc.reason))
                continue
            report.documents_added += added
            report.chunks_added += chunks
            report.already_present += len(docs) - added
            if on_thread:
                on_thread(report)
    finally:
        if owned:
            await reddit.close()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


async def _gather(listing: AsyncIterator[T]) -> list[T]:
    return [item async for item in listing]


def _is_sync(reddit: object) -> bool:
    import praw

    return isinstance(reddit, praw.Reddit)


def collect_sync(
    store: DatasetStore, dataset: str, subreddit: str, *, query: str | None = None, limit: int = 100,
    comments: bool = True, reddit: praw.Reddit,
) -> IngestReport:
    """The same collection with a user's synchronous `praw.Reddit` (PRAW paces and retries itself)."""
    report = IngestReport(dataset=dataset)
    started = time.perf_counter()
    sr = reddit.subreddit(subreddit)
    for sub in (sr.search(query, limit=limit, sort="new") if query else sr.new(limit=limit)):
        report.files += 1
        if _stored(store, f"reddit:t3_{sub.id}"):
            report.already_present += 1
            continue
        docs = [submission_document(sub, dataset)]
        if comments:
            sub.comments.replace_more(limit=None)
            docs += [comment_document(c, dataset) for c in sub.comments.list()]
        kept = [d for d in docs if d is not None]
        report.skipped += len(docs) - len(kept)
        added, chunks = store.add_documents(dataset, kept)
        report.documents_added += added
        report.chunks_added += chunks
    report.seconds = round(time.perf_counter() - started, 3)
    return report
