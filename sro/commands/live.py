"""`sro mcp`, `sro serve` and the hidden `sro api` (what front ends run inside a busy workspace's holder)."""

from __future__ import annotations

import json

import typer

from sro.console import print_json
from sro.commands.workspace import workspace_of
from sro.errors import ConfigError


def _root(ctx: typer.Context):
    from sro.config import load_settings

    opts = ctx.find_root().obj or {}
    return load_settings(opts.get("workspace"), opts.get("overrides")).workspace


def register(app: typer.Typer) -> None:
    @app.command("api", hidden=True)
    def api_cmd(ctx: typer.Context, name: str, args: str = typer.Argument("{}")) -> None:
        """Run one workspace API operation and print its JSON result."""
        from sro.live import api

        try:
            parsed = json.loads(args)
        except ValueError:
            raise api.ApiError("arguments must be JSON") from None
        with workspace_of(ctx) as ws:
            print_json(api.run(ws, name, parsed))

    @app.command("mcp")
    def mcp_cmd(ctx: typer.Context) -> None:
        """Serve the workspace to MCP clients (Claude Desktop, IDE agents) over stdio."""
        from sro.live.access import Access
        from sro.live.mcp_server import build

        access = Access(_workspace_dir(ctx))
        try:
            build(access).run("stdio")
        finally:
            access.close()

    @app.command("serve")
    def serve_cmd(
        ctx: typer.Context,
        port: int = typer.Option(8765, "--port", help="TCP port (0: any free port)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind; loopback by default."),
        allow_runs: bool = typer.Option(False, "--allow-runs", help="Let API clients start campaigns "
                                        "(POST /api/campaigns); read-only without it."),
    ) -> None:
        """HTTP API and web explorer over the workspace; every request needs the bearer token in serve.json."""
        from sro.live.http import serve

        serve(_workspace_dir(ctx), host, port, allow_runs)


def _workspace_dir(ctx: typer.Context):
    path = _root(ctx)
    if not path.is_dir():
        raise ConfigError(f"no workspace at {path}; create one with `sro ingest` first")
    return path
