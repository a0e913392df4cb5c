"""The executor a distributed extraction submits batches to (sro.triples.executors: processes or Ray).

`submit` hands a batch to a worker and returns a handle at once; `ready(handle)` is a future done when the
batch is (an event loop awaits it); `result(handle)` waits and returns the worker's records (candidates, their quote parses, timings) or `{"error": ...}` when the batch stays pending."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from concurrent.futures import Future

    from pipelines import Pipeline
    from sro.data.models import Chunk, Document


class Executor(Protocol):
    kind: str  # "processes" | "ray"
    workers: int
    inflight: int  # batches submitted and not yet stored, at most

    def submit(self, pipeline: Pipeline, chunks: list[Chunk], docs: dict[str, Document]) -> object: ...

    def result(self, handle: object) -> dict: ...

    def ready(self, handle: object) -> Future: ...  # done (or failed) once `result(handle)` would not wait

    def close(self) -> None: ...
