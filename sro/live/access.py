"""API calls from long-running front ends (`sro mcp`, `sro serve`). They never hold the workspace between
requests: each call claims it for the call alone when it is free, or runs in the process that holds it
(through the holder's socket, as the hidden `sro api` command), so writers are never kept waiting."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import anyio

from sro.live import acquire, api, relay
from sro.live.workspaces import HeldWorkspace


class Access:
    def __init__(self, root: Path, overrides: dict[str, Any] | None = None):
        self.root = Path(root).resolve()
        self.overrides = overrides or {}
        if not self.root.is_dir():
            raise api.ApiError(f"no workspace at {self.root}")

    def call(self, name: str, args: dict[str, Any] | None = None) -> Any:
        """The JSON result of `name(args)`; ApiError (or another SROError) on a bad request."""
        args = args or {}
        while True:
            ws = HeldWorkspace.open(self.root, self.overrides)
            other = acquire(ws, "api", "read")
            if other is None:
                with ws:
                    return json.loads(json.dumps(api.run(ws, name, args), default=str))
            result = self._forward(other, name, args)
            if result is not None:
                return result[0]

    def _forward(self, other: dict, name: str, args: dict) -> tuple[Any] | None:
        out, err = io.BytesIO(), io.BytesIO()
        argv = ["--workspace", str(self.root), "api", name, json.dumps(args)]
        code = relay.forward(other["socket"], argv, out, err)
        if code is None:
            return None
        if code != 0:
            message = err.getvalue().decode("utf-8", "replace").strip().splitlines() or ["failed"]
            raise api.ApiError(message[-1].removeprefix("error: "))
        return (json.loads(out.getvalue()),)

    async def acall(self, name: str, args: dict[str, Any] | None = None) -> Any:
        return await anyio.to_thread.run_sync(self.call, name, args)

