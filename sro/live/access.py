"""API calls from long-running front ends (`sro mcp`, `sro serve`). A call claims the workspace when it is
free (as a read command: a writer that comes waits for it) and gives it back after IDLE_RELEASE_S without
calls; when another process holds it, the call runs there, through the holder's socket, as the hidden
`sro api` command. So a front end never keeps a writer out for long, and a writer never blocks a front end."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import anyio

from sro.live import acquire, api, relay
from sro.live import claim as claims
from sro.live.workspaces import BorrowedWorkspace, HeldWorkspace

IDLE_RELEASE_S = 1.0  # a front end keeps the workspace open between calls, then lets writers in


class Access:
    def __init__(self, root: Path, overrides: dict[str, Any] | None = None):
        self.root = Path(root).resolve()
        self.overrides = overrides or {}
        if not self.root.is_dir():
            raise api.ApiError(f"no workspace at {self.root}")
        self._lock = threading.Lock()
        self._held: HeldWorkspace | None = None
        self._users = 0
        self._timer: threading.Timer | None = None

    def call(self, name: str, args: dict[str, Any] | None = None) -> Any:
        """The JSON result of `name(args)`; ApiError (or another SROError) on a bad request."""
        args = args or {}
        while True:
            ws, other = self._enter()
            if ws is None:
                result = self._forward(other, name, args)
                if result is not None:
                    return result[0]
                continue
            view = BorrowedWorkspace(ws)
            try:
                return json.loads(json.dumps(api.run(view, name, args), default=str))
            finally:
                view.close()
                self._leave()

    def _enter(self) -> tuple[HeldWorkspace | None, dict | None]:
        """The workspace this front end holds (claimed now if free), or the holder to forward to."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._held is None:
                other = self._writer_coming()
                if other is not None:
                    return None, other
                ws = HeldWorkspace.open(self.root, self.overrides)
                other = acquire(ws, "api", "read")
                if other is not None:
                    return None, other
                self._held = ws
            self._users += 1
            return self._held, None

    def _writer_coming(self, wait_s: float = 10.0) -> dict | None:
        """The holder once a writer that waits for the workspace has claimed it, so calls go to it instead of
        claiming the workspace again; None when no writer waits (or it did not come)."""
        deadline = time.monotonic() + wait_s
        while claims.wanted(self.root) and time.monotonic() < deadline:
            other = claims.holder(self.root)
            if other is not None and other.get("role") == "write":
                return other
            time.sleep(0.05)
        return None

    def _leave(self) -> None:
        if claims.wanted(self.root):
            with self._lock:
                self._users -= 1
            self.close()  # a writer waits: give the workspace back now
            return
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._timer = threading.Timer(IDLE_RELEASE_S, self.close)
                self._timer.daemon = True
                self._timer.start()

    def close(self) -> None:
        """Give the workspace back (once no call uses it), so a writer can take it."""
        with self._lock:
            if self._users or self._held is None:
                return
            held, self._held = self._held, None
        held.close()

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

