"""A second process that parses part of each large batch, so offline extraction uses two cores.

spaCy's parse of a sentence is pure CPU under the GIL, so threads do not help. `nlp.pipe(n_process=2)` starts
new processes on every call and sends every Doc back with its tensor; at SRO's batch sizes that was slower
than one process. This worker is started once per process, in the background (`python -m
sro.nlp.parse_worker`: no fork of a threaded parent, no re-import of the caller's `__main__`), and loads
the model itself (~1.5 s). Until it says it is ready, the parent parses everything alone, so nobody waits for
it. A batch is then split: the worker parses its share (syntax, then NER on the docs the caller's
`needs_entities` selects) while the parent parses the rest, and sends the docs back as one DocBin: the
annotations as arrays, no tensors (1,414 sentences: 0.08 s to pack and 0.06 s to unpack, against 0.47 s
each way for `Doc.to_bytes`, and a 2.3 s parse).

The worker holds no data and no secrets: it gets sentence texts, a picklable predicate, and nothing from the
parent's environment beyond what a Python process needs. It exits when the parent closes the pipe or dies
(the read sees end of file), so a killed campaign leaves no orphan.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from spacy.tokens import Doc

READY = "ready"
_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LD_LIBRARY_PATH",
             "SRO_NLP_BLIS", "TMPDIR")


class ParseWorker:
    """One helper process: `submit` a batch once it is `ready`, then `collect` its docs."""

    def __init__(self) -> None:
        parent, child = socket.socketpair()
        env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP}
        env["OPENBLAS_NUM_THREADS"] = "1"
        self._proc = subprocess.Popen([sys.executable, "-m", "sro.nlp.parse_worker", str(child.fileno())],
                                      pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL)
        child.close()
        self._conn = Connection(parent.detach())
        self._ready = False
        self._busy = False

    def ready(self) -> bool:
        if not self._ready and self._proc.poll() is None and self._conn.poll():
            self._ready = self._conn.recv() == READY
        return self._ready and self._proc.poll() is None

    def submit(self, texts: list[str], needs_entities: Callable[["Doc"], bool] | None) -> None:
        if self._busy:  # an earlier batch was abandoned (an exception between submit and collect)
            self.collect()
        self._conn.send((texts, needs_entities))
        self._busy = True

    def collect(self) -> list["Doc"]:
        """The docs of the last `submit`, in order."""
        from spacy.tokens import DocBin

        from sro.nlp.nlp import load_nlp

        self._busy = False
        return list(DocBin().from_bytes(self._conn.recv()).get_docs(load_nlp().vocab))

    def close(self) -> None:
        self._conn.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()


_worker: ParseWorker | None = None
_worker_lock = threading.Lock()


def worker() -> ParseWorker | None:
    """The process's parse worker, started on first call; None when SRO_NLP_PROCESSES=1 or on one core."""
    global _worker
    if _processes() < 2:
        return None
    with _worker_lock:
        if _worker is None or _worker._proc.poll() is not None:
            _worker = ParseWorker()
        return _worker


def _processes() -> int:
    value = os.environ.get("SRO_NLP_PROCESSES", "").strip()
    if not value:
        return min(2, len(os.sched_getaffinity(0)))
    if not value.isdigit():
        from sro.errors import ConfigError

        raise ConfigError(f"SRO_NLP_PROCESSES must be 1 or 2, got {value!r}")
    return int(value)


def _serve(conn: Connection) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the parent decides, the worker follows it out
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from spacy.tokens import DocBin

    from sro.nlp.nlp import add_entities, parse_syntax_batch

    parse_syntax_batch(["Warm the model up."])
    conn.send(READY)
    try:
        while True:
            texts, needs_entities = conn.recv()
            docs = parse_syntax_batch(texts)
            add_entities([d for d in docs if needs_entities is None or needs_entities(d)])
            conn.send(DocBin(store_user_data=False, docs=docs).to_bytes())
    except (EOFError, OSError):  # the parent closed the pipe, exited or was killed
        return


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
