"""The two faces of a live workspace: the holder's own, and a borrowed view for forwarded read commands.

A borrowed view shares the holder's DuckDB database through its own cursor (it sees what the holder has
committed; DuckDB's MVCC keeps its reads consistent), the holder's dataset store (each operation takes its own
cursor) and the holder's Oxigraph store (thread-safe for reads). Closing a view closes only the cursor.
"""

from __future__ import annotations

import threading
from functools import cached_property

from sro.live import claim as claims
from sro.workspace import Workspace


class HeldWorkspace(Workspace):
    """A workspace whose process holds the live claim; closing it gives the claim back."""

    claim: claims.Claim | None = None

    def close(self) -> None:
        claim, self.claim = self.claim, None
        if claim is not None:
            stop_serving(claim, self)
        try:
            super().close()
        finally:
            if claim is not None:
                claims.release(claim)  # after the database and store are closed: their locks go first


class BorrowedWorkspace(Workspace):
    def __init__(self, owner: Workspace):
        super().__init__(owner.settings, owner.overrides, owner.spec_models)
        self.root = owner.root
        self._owner = owner

    @cached_property
    def db(self):
        with self._owner._lock:
            return self._owner.db.cursor()

    @cached_property
    def graph(self):
        with self._owner._lock:
            return self._owner.graph

    @cached_property
    def datasets(self):
        """The holder's: one full-text index lock, so a search never re-indexes alongside the holder's own."""
        with self._owner._lock:
            return self._owner.datasets

    def close(self) -> None:
        self.__dict__.pop("graph", None)  # the holder's store: not ours to close
        super().close()


class Serving:
    """In-flight forwarded commands, so the holder closes its database only after they finish."""

    def __init__(self) -> None:
        self.active = 0
        self.idle = threading.Condition()
        self.workspaces: list[Workspace] = []

    def enter(self) -> Workspace:
        with self.idle:
            if not self.workspaces:
                raise LookupError("the holder is closing")
            self.active += 1
            return self.workspaces[-1]

    def leave(self) -> None:
        with self.idle:
            self.active -= 1
            self.idle.notify_all()

    def drain(self, timeout_s: float) -> None:
        with self.idle:
            self.idle.wait_for(lambda: self.active == 0, timeout=timeout_s)


def stop_serving(claim: claims.Claim, ws: Workspace) -> None:
    """Forget `ws`; the last workspace of the claim stops the server and lets forwarded commands finish
    (the caller then closes the database and drops the lock, so a new holder never meets a half-closed one)."""
    serving: Serving = claim.serving
    with serving.idle:
        if ws in serving.workspaces:
            serving.workspaces.remove(ws)
        last = claim.count == 1
    if last and claim.server is not None:
        claim.server.stop()
        claim.server = None
        serving.drain(timeout_s=30.0)
