"""A loopback fake of the Reddit API, enough for (async)praw: OAuth token, subreddit listings (new, search),
submission + comment trees (with a `more` stub expanded through /api/morechildren) and rate-limit headers.

    with FakeReddit() as fake:
        fake.add_thread("solar", "abc", "Title", "Body", comments=[("c1", "text", [("c2", "reply", [])])])
        reddit = asyncpraw.Reddit(client_id="x", client_secret="y", user_agent="test",
                                  oauth_url=fake.url, reddit_url=fake.url)

`fake.throttle(path_prefix, times)` answers the next `times` requests under that path with HTTP 429.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

Tree = list[tuple[str, str, "Tree"]]  # (comment id, body, replies)


class FakeReddit:
    def __init__(self) -> None:
        self.threads: dict[str, dict[str, Any]] = {}  # submission id -> {"data": ..., "comments": Tree, "sub": ...}
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self.more_after: int | None = None  # top-level comments beyond this index come back as a `more` stub
        self._throttle: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- scripting -----------------------------------------------------------------------------
    def add_thread(self, sub: str, sid: str, title: str, body: str, comments: Tree | None = None,
                   created: float = 1_700_000_000.0, score: int = 5) -> None:
        permalink = f"/r/{sub}/comments/{sid}/{title.lower().replace(' ', '_')[:30]}/"
        data = {"id": sid, "name": f"t3_{sid}", "title": title, "selftext": body, "author": f"author_{sid}",
                "created_utc": created, "score": score, "subreddit": sub, "permalink": permalink,
                "num_comments": _count(comments or []), "url": f"https://www.reddit.com{permalink}",
                "is_self": True, "over_18": False, "link_flair_text": None, "domain": f"self.{sub}"}
        self.threads[sid] = {"data": data, "comments": comments or [], "sub": sub}

    def throttle(self, path_prefix: str, times: int = 1) -> None:
        self._throttle[path_prefix] = times

    def count(self, path_prefix: str) -> int:
        return sum(1 for _, path in self.requests if path.startswith(path_prefix))

    # --- reddit JSON ---------------------------------------------------------------------------
    def _comment(self, sid: str, cid: str, body: str, replies: Tree, parent: str, depth: int) -> dict:
        thread = self.threads[sid]
        data = {"id": cid, "name": f"t1_{cid}", "body": body, "author": f"author_{cid}", "score": 2,
                "created_utc": thread["data"]["created_utc"] + 60, "link_id": f"t3_{sid}", "parent_id": parent,
                "subreddit": thread["sub"], "permalink": thread["data"]["permalink"] + f"{cid}/", "depth": depth,
                "replies": _listing([self._comment(sid, r, b, rr, f"t1_{cid}", depth + 1) for r, b, rr in replies])
                if replies else ""}
        return {"kind": "t1", "data": data}

    def _submission_page(self, sid: str) -> list:
        thread = self.threads[sid]
        tops = [self._comment(sid, c, b, r, f"t3_{sid}", 0) for c, b, r in thread["comments"]]
        if self.more_after is not None and len(tops) > self.more_after:
            hidden = [t["data"]["id"] for t in tops[self.more_after:]]
            tops = tops[: self.more_after] + [{"kind": "more", "data": {
                "count": len(hidden), "name": f"t1_{hidden[0]}", "id": hidden[0], "parent_id": f"t3_{sid}",
                "depth": 0, "children": hidden}}]
        return [_listing([{"kind": "t3", "data": thread["data"]}]), _listing(tops)]

    def _more_children(self, link_id: str, children: list[str]) -> dict:
        sid = link_id.removeprefix("t3_")
        things = [self._comment(sid, c, b, r, f"t3_{sid}", 0) for c, b, r in self.threads[sid]["comments"]
                  if c in children]
        for thing in things:  # morechildren returns a flat list; replies arrive as separate things
            thing["data"]["replies"] = ""
        return {"json": {"errors": [], "data": {"things": things}}}

    def _listing_for(self, sub: str, query: str | None, limit: int) -> dict:
        items = [t for t in self.threads.values() if t["sub"].lower() == sub.lower()]
        if query:
            items = [t for t in items if query.lower() in (t["data"]["title"] + t["data"]["selftext"]).lower()]
        items.sort(key=lambda t: -t["data"]["created_utc"])
        return _listing([{"kind": "t3", "data": t["data"]} for t in items[:limit]])

    def route(self, method: str, path: str, query: dict[str, list[str]], form: dict[str, list[str]]):
        parts = [p for p in path.split("/") if p]
        if path.startswith("/api/v1/access_token"):
            return 200, {"access_token": "fake-token", "token_type": "bearer", "expires_in": 3600, "scope": "*"}
        if len(parts) >= 3 and parts[0] == "r" and parts[2] in ("new", "search"):
            limit = int(query.get("limit", ["100"])[0])
            return 200, self._listing_for(parts[1], query.get("q", [None])[0], limit)
        if len(parts) >= 2 and parts[0] == "comments" and parts[1] in self.threads:
            return 200, self._submission_page(parts[1])
        if path.startswith("/api/morechildren"):
            args = {**query, **form}
            return 200, self._more_children(args["link_id"][0], args["children"][0].split(","))
        return 404, {"message": "Not Found", "error": 404}

    # --- server --------------------------------------------------------------------------------
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _serve(self, method: str) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("content-length") or 0)
                form = parse_qs(self.rfile.read(length).decode()) if length else {}
                with fake._lock:
                    fake.requests.append((method, parsed.path))
                    prefix = next((p for p, n in fake._throttle.items() if n > 0 and parsed.path.startswith(p)), None)
                    if prefix:
                        fake._throttle[prefix] -= 1
                if prefix:
                    status, body, extra = 429, {"message": "Too Many Requests", "error": 429}, {"retry-after": "0.05"}
                else:
                    status, body = fake.route(method, parsed.path, parse_qs(parsed.query), form)
                    extra = {}
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=UTF-8")
                self.send_header("content-length", str(len(raw)))
                self.send_header("x-ratelimit-remaining", "599")
                self.send_header("x-ratelimit-used", "1")
                self.send_header("x-ratelimit-reset", "1")  # prawcore paces by reset/remaining
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler

    def __enter__(self) -> "FakeReddit":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _listing(children: list) -> dict:
    return {"kind": "Listing", "data": {"after": None, "before": None, "dist": len(children), "children": children}}


def _count(tree: Tree) -> int:
    return sum(1 + _count(replies) for _, _, replies in tree)
