"""`sro serve`: a local HTTP API (Starlette on uvicorn) and the web explorer over one workspace.

Every /api and /mcp request needs `Authorization: Bearer <token>` (401 otherwise); the token is made fresh
at start and written with the URL and pid to `<workspace>/serve.json`, readable by its owner only. The explorer's
static files carry no workspace data and load without the token, which the page reads from the URL fragment
(`#token=...`, never sent to the server). Requests whose Host is not the bound host are refused, so a web page
elsewhere cannot reach the API through DNS rebinding. Reads go through sro.live.access, so a running writer
never blocks the server, nor the server a writer. With `--allow-runs`, POST /api/campaigns starts a campaign in
its own process (sro.live.runs); without it that request is a 403.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import socket
from pathlib import Path
from typing import Any

import anyio

from sro.errors import SROError
from sro.live.access import Access
from sro.live.runs import Runs, spec_of

STATIC = Path(__file__).parent / "static"
SERVE_FILE = "serve.json"


def _error(status: int, message: str):
    from starlette.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status)


class BearerAuth:
    """ASGI middleware: /api and /mcp need the bearer token; the explorer's static files do not."""

    def __init__(self, app, token: str):
        self.app, self.token = app, token.encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(("/api", "/mcp")):
            headers = dict(scope.get("headers") or [])
            given = headers.get(b"authorization", b"")
            if not hmac.compare_digest(given, b"Bearer " + self.token):
                return await _error(401, "missing or wrong bearer token (see serve.json)")(scope, receive, send)
        await self.app(scope, receive, send)


def _arg(request, name: str, kind=str) -> Any:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return kind(value)
    except ValueError:
        raise SROError(f"{name} must be {'an integer' if kind is int else 'a number'}") from None


async def _body(request) -> dict:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise SROError("the request body must be JSON") from None
    if not isinstance(body, dict):
        raise SROError("the request body must be a JSON object")
    return body


def routes(access: Access) -> list:
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def endpoint(name: str, args):
        async def handle(request):
            try:
                found = await access.acall(name, {k: v for k, v in (await args(request)).items() if v is not None})
            except SROError as exc:
                return _error(400, str(exc))
            return JSONResponse(found)
        return handle

    async def none(request):
        return {}

    async def facts(request):
        return {"entity": _arg(request, "entity"), "predicate": _arg(request, "predicate"),
                "min_score": _arg(request, "min_score", float), "limit": _arg(request, "limit", int),
                "verdict": _arg(request, "verdict")}

    async def search(request):
        return {"dataset": _arg(request, "dataset"), "query": _arg(request, "q"), "k": _arg(request, "k", int)}

    async def path_name(request):
        return {"name": request.path_params["name"]}

    async def doc(request):
        return {"doc_id": request.path_params["doc_id"]}

    return [
        Route("/api/datasets", endpoint("datasets", none)),
        Route("/api/campaigns", endpoint("campaigns", none)),
        Route("/api/campaigns/{name}", endpoint("campaign", path_name)),
        Route("/api/facts", endpoint("facts", facts)),
        Route("/api/search", endpoint("search", search)),
        Route("/api/documents/{doc_id:path}", endpoint("document", doc)),
        Route("/api/sparql", endpoint("sparql", _body), methods=["POST"]),
        Route("/api/sql", endpoint("sql", _body), methods=["POST"]),
        Route("/api/judge", endpoint("judge", _body), methods=["POST"]),
    ]


def run_routes(access: Access, runs: Runs | None) -> list:
    """Starting campaigns (`--allow-runs`; 403 without it) and what this server started."""
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def start(request):
        if runs is None:
            return _error(403, "this server is read-only; start it with `sro serve --allow-runs` to run campaigns")
        try:
            body = await _body(request)
            known = {d["name"] for d in await access.acall("datasets")}
            campaigns = {c["campaign"] for c in await access.acall("campaigns")}
            spec = spec_of(body, known, campaigns)
            return JSONResponse(await anyio.to_thread.run_sync(runs.start, spec), status_code=202)
        except SROError as exc:
            return _error(400, str(exc))

    async def started(request):
        return JSONResponse(await anyio.to_thread.run_sync(runs.list) if runs is not None else [])

    async def server(request):
        return JSONResponse({"workspace": str(access.root), "allow_runs": runs is not None})

    return [Route("/api/campaigns", start, methods=["POST"]), Route("/api/runs", started),
            Route("/api/server", server)]


def build_app(access: Access, token: str, hosts: list[str], runs: Runs | None = None):
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from sro.live.mcp_server import build

    mcp_app = build(access).streamable_http_app(streamable_http_path="/")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with mcp_app.router.lifespan_context(mcp_app):
            yield

    return Starlette(
        routes=[*routes(access), *run_routes(access, runs), Mount("/mcp", app=mcp_app), Mount("/", app=StaticFiles(directory=STATIC, html=True))],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts), Middleware(BearerAuth, token=token)],
        lifespan=lifespan,
    )


def write_serve_file(root: Path, info: dict) -> Path:
    path = root / SERVE_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(info, fh)
    os.chmod(path, 0o600)  # an older file keeps its mode through O_TRUNC
    return path


def serve(root: Path, host: str, port: int, allow_runs: bool = False) -> None:
    import uvicorn

    access = Access(root)
    runs = Runs(access.root) if allow_runs else None
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # clients that come before uvicorn is up wait in the backlog
    except OSError as exc:
        raise SROError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    url = f"http://{host}:{port}"
    hosts = [host, f"{host}:{port}"] + (["localhost", f"localhost:{port}"] if host == "127.0.0.1" else [])
    path = write_serve_file(access.root, {"url": url, "token": token, "pid": os.getpid()})
    print(f"serving {access.root} at {url}/#token={token}  (token also in {path})", flush=True)
    config = uvicorn.Config(build_app(access, token, hosts, runs), log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        path.unlink(missing_ok=True)
        access.close()
