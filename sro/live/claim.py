"""Who holds a workspace: one process at a time, arbitrated by an flock on `<workspace>/.live.lock`.

The holder writes `<workspace>/holder.json` (pid, command, role, socket) next to the lock. The kernel drops
the flock when the holder exits however it exits, so a stale holder.json never blocks anyone: the lock is the
truth and the file only says who holds it. Claims are re-entrant within a process (counted per workspace).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sro.live.client import HOLDER_FILE, holder  # noqa: F401 - holder: who holds it, read by readers too

LOCK_FILE = ".live.lock"
_HELD: dict[Path, "Claim"] = {}
_GUARD = threading.Lock()


@dataclass
class Claim:
    root: Path
    fd: int
    info: dict
    count: int = 1
    server: object | None = field(default=None, repr=False)
    serving: object | None = field(default=None, repr=False)


def _open_lock(root: Path) -> int:
    return os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)


def try_claim(root: Path, info: dict, *, block: bool = False) -> Claim | None:
    """The workspace's claim for this process, or None when another process holds it."""
    root = root.resolve()
    with _GUARD:
        held = _HELD.get(root)
        if held is not None:
            held.count += 1
            return held
        fd = _open_lock(root)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if block else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        claim = Claim(root, fd, info)
        _HELD[root] = claim
        return claim


def publish(claim: Claim) -> None:
    """Write holder.json atomically, owner-readable only."""
    path = claim.root / HOLDER_FILE
    tmp = path.with_name(f".{HOLDER_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(claim.info, fh)
    tmp.replace(path)


def release(claim: Claim) -> bool:
    """Drop one use of the claim; True when it was the last one and the lock is gone."""
    with _GUARD:
        claim.count -= 1
        if claim.count > 0:
            return False
        _HELD.pop(claim.root, None)
        try:
            (claim.root / HOLDER_FILE).unlink(missing_ok=True)
        finally:
            os.close(claim.fd)  # closing the descriptor drops the flock
        return True


def holder_info(command: str, role: str, socket: str) -> dict:
    return {"pid": os.getpid(), "command": command, "role": role, "socket": socket, "started": time.time()}


# A writer that waits for a reader (a front end such as `sro serve` between calls) says so in WANT_FILE, so the
# front end gives the workspace back after its current call and forwards its next calls to the writer instead
# of claiming it again: a front end polled often would otherwise keep a writer out indefinitely.
WANT_FILE = ".live.want"


def want(root: Path) -> None:
    (root / WANT_FILE).write_text(str(os.getpid()), encoding="utf-8")


def unwant(root: Path) -> None:
    path = root / WANT_FILE
    with contextlib.suppress(OSError, ValueError):
        if int(path.read_text(encoding="utf-8")) == os.getpid():
            path.unlink()


def wanted(root: Path) -> bool:
    """True while a live writer waits for the workspace."""
    try:
        pid = int((root / WANT_FILE).read_text(encoding="utf-8"))
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return pid != os.getpid()
