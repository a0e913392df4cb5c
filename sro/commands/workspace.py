"""The workspace a command works on."""

from __future__ import annotations

from typing import Any

import typer

from sro.config import layered
from sro.live import open_workspace


def workspace_of(ctx: typer.Context, overrides: dict[str, Any] | None = None, *, create: bool = False,
                 spec_models: dict[str, Any] | None = None):
    """Open the workspace named by the global --workspace option (or SRO_WORKSPACE / default). Only commands
    that add data (ingest, run, graph import) pass create=True; for the others a missing workspace is an error.
    A read command while another process holds the workspace is forwarded to it (sro.live)."""
    root = ctx.find_root()
    opts = root.obj or {}
    return open_workspace(ctx, opts.get("workspace"), layered(opts.get("overrides", {}), overrides), create=create,
                          spec_models=spec_models)
