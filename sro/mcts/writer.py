"""Group commit of expansions, off the planner's thread.

A DuckDB commit on disk costs an fsync (milliseconds); selection and backpropagation cost microseconds.
The planner therefore hands each expansion's `Commit` to this writer and goes on; a thread writes whatever
has queued up in one transaction, in order. The database is always a *prefix* of the planner's history:
a crash loses at most the commits still queued, and their nodes are simply `new` again on resume (cache
hits, idempotent triples), exactly like a node that was mid-expansion. `flush()` waits until everything
is durable and re-raises a write error, so a failed write never goes unnoticed.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

from sro.mcts.store import Commit


class CommitWriter:
    def __init__(self, write: Callable[[list[Commit]], None], *, max_group: int = 256):
        self._write, self._max_group = write, max_group
        self._queue: "queue.Queue[Commit | Callable[[], None] | None]" = queue.Queue()
        self._error: BaseException | None = None
        self._pending = 0
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="mcts-writer", daemon=True)
        self._thread.start()

    def submit(self, commit: Commit | Callable[[], None]) -> None:
        """Queue a commit, or a callable to run on the writer thread after everything queued before it
        (side writes that must not hold up the planner, e.g. research notes)."""
        self._raise()
        with self._lock:
            self._pending += 1
        self._queue.put(commit)

    def flush(self, timeout: float | None = None) -> None:
        """Block until every submitted commit is written (or failed); raise the first write error."""
        with self._lock:
            self._lock.wait_for(lambda: self._pending == 0 or self._error is not None, timeout)
        self._raise()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._queue.put(None)
            self._thread.join(10)

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < self._max_group:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # finish this group, then stop
                    break
                group.append(nxt)
            try:
                if self._error is None:
                    self._write_group(group)
            except BaseException as exc:  # noqa: BLE001 - handed to the planner's thread by flush/submit
                self._error = exc
            with self._lock:
                self._pending -= len(group)
                self._lock.notify_all()


    def _write_group(self, group: list) -> None:
        """Consecutive commits go in one transaction; a callable runs in its place in the order."""
        batch: list[Commit] = []
        for item in group:
            if isinstance(item, Commit):
                batch.append(item)
                continue
            if batch:
                self._write(batch)
                batch = []
            item()
        if batch:
            self._write(batch)


class SyncWriter:
    """Same interface, written at once (tests and tools that want each commit durable before going on)."""

    def __init__(self, write: Callable[[list[Commit]], None]):
        self._write = write

    def submit(self, commit: Commit | Callable[[], None]) -> None:
        if isinstance(commit, Commit):
            self._write([commit])
        else:
            commit()

    def flush(self, timeout: float | None = None) -> None:
        return None

    def close(self) -> None:
        return None
