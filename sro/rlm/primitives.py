"""Host side of the primitives: serve the sandbox's proxy calls from datasets, the LLM client, the
extraction stage, notes and child RLM sessions. Runs in the sandbox thread of a session.

Everything returned is plain data. The host also keeps what a session result needs: evidence hits,
sub-call counts and extraction results.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol, TypeVar

from sro.errors import DatasetError, SandboxError
from sro.rlm.replies import split_reasoning

T = TypeVar("T")

if TYPE_CHECKING:
    from sro.data.models import Chunk
    from sro.data.models import Hit
    from sro.jsontypes import JSON, JSONObject
    from sro.llm.client import LLMClient
    from sro.workspace import Workspace

MAX_BATCH = 256
MAX_EXTRACT = 64
MAX_EVIDENCE = 200
EVIDENCE_TEXT = 500
LLM_ROLES = ("worker", "judge", "ceo")


class StageOutcome(Protocol):
    """What one extract_triples call hands back (sro.triples.result.StageResult)."""

    def for_model(self) -> dict[str, Any]: ...


# extract_triples: runs extraction on chunks for (campaign, node). The layer that owns extraction hands it in
# (sro.triples.stage.extraction), so the RLM never imports the stages above it.
Extract = Callable[[list["Chunk"], str | None, str | None], Awaitable[StageOutcome]]


@dataclass
class SessionContext:
    ws: "Workspace"
    datasets: list[str]
    client: "LLMClient"
    loop: asyncio.AbstractEventLoop
    campaign: str | None = None
    node: str | None = None
    depth: int = 0
    max_depth: int = 2
    spawn: Callable[[str, JSON], Awaitable[str]] | None = None  # starts a child RLM session
    extract: Extract | None = None  # None: this session cannot extract


def _hit(hit: Hit | JSONObject) -> dict[str, Any]:
    return hit.model_dump(mode="json") if hasattr(hit, "model_dump") else dict(hit)


@dataclass
class PrimitiveHost:
    ctx: SessionContext
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    sub_calls: int = 0
    explore_calls: int = 0  # data and model calls: an answer before any is refused once
    stage_results: list[StageOutcome] = field(default_factory=list)
    _notes: Any = None

    def __call__(self, fn: str, args: list, host_left_s: float = 30.0) -> Any:
        if fn.startswith("dataset.") or fn == "datasets":
            self.explore_calls += 1
            return self._dataset_call(fn, args, host_left_s)
        handler = {
            "llm_query": self.llm_query, "llm_batch": self.llm_batch, "rlm_query": self.rlm_query,
            "extract_triples": self.extract_triples, "notes.get": self._notes_call("get"),
            "notes.set": self._notes_call("set"), "notes.delete": self._notes_call("delete"),
            "notes.keys": self._notes_call("keys"),
        }.get(fn)
        if handler is None:
            raise SandboxError(f"unknown primitive {fn!r}")
        if not fn.startswith("notes."):
            self.explore_calls += 1
        return handler(*args)

    # --- datasets -------------------------------------------------------------------------------
    def datasets(self) -> list[dict[str, Any]]:
        out = []
        for name in self.ctx.datasets:
            info = self.ctx.ws.datasets.dataset(name).describe()
            out.append({k: info.get(k) for k in ("name", "documents", "chunks", "chars", "fields", "kinds")})
        return out

    def _dataset_call(self, fn: str, args: list, host_left_s: float) -> Any:
        if fn == "datasets":
            return self.datasets()
        if not args or not isinstance(args[0], str):
            raise SandboxError(f"{fn}: the first argument is a dataset name")
        name, rest = args[0], args[1:]
        if name not in self.ctx.datasets:
            raise SandboxError(f"dataset {name!r} is not available to this session; "
                               f"available: {', '.join(self.ctx.datasets) or 'none'}")
        ds = self.ctx.ws.datasets.dataset(name)
        method = fn.split(".", 1)[1]
        if method not in {"count", "fields", "describe", "peek", "get", "sample", "search", "grep", "sql"}:
            raise SandboxError(f"unknown dataset method {method!r}")
        if method in ("sql", "grep"):  # the two that can run long: interrupted when the step's host time is up
            value = getattr(ds, method)(*rest[:2], timeout_s=max(0.05, host_left_s))
        else:
            value = getattr(ds, method)(*rest)
        if method in ("search", "grep"):
            hits = [_hit(h) for h in value]
            self._remember(hits)
            return hits
        if method in ("peek", "sample"):
            return [d.model_dump(mode="json") for d in value]
        if method == "get":
            return value.model_dump(mode="json")
        return value

    def _remember(self, hits: list[JSONObject]) -> None:
        for h in hits:
            if len(self.evidence) >= MAX_EVIDENCE:
                return
            key = h.get("chunk_id") or f"{h.get('doc_id')}:{h.get('start')}"
            self.evidence.setdefault(key, {**h, "text": str(h.get("text", ""))[:EVIDENCE_TEXT]})

    # --- models ---------------------------------------------------------------------------------
    def _role(self, role: JSON) -> str:
        if role not in LLM_ROLES:
            raise SandboxError(f"role must be one of {', '.join(LLM_ROLES)}")
        return role

    def llm_query(self, prompt: JSON, role: str = "worker") -> str:
        if not isinstance(prompt, str) or not prompt.strip():
            raise SandboxError("llm_query takes a non-empty prompt string")
        role = self._role(role)
        text = self.ctx.client.complete(role, prompt, namespace="rlm").text
        self.sub_calls += 1
        return split_reasoning(text)[0]  # a reasoning worker's <think> is noise in the root's output

    def llm_batch(self, prompts: JSON, role: str = "worker") -> list[str]:
        if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
            raise SandboxError("llm_batch takes a list of prompt strings")
        if len(prompts) > MAX_BATCH:
            raise SandboxError(f"llm_batch takes at most {MAX_BATCH} prompts per call")
        role = self._role(role)
        results = self.ctx.client.batch(role, prompts, namespace="rlm")
        self.sub_calls += len(prompts)
        return [split_reasoning(r.text)[0] if hasattr(r, "text") else f"ERROR: {r}" for r in results]

    def rlm_query(self, task: JSON, context: JSON = None) -> str:
        if not isinstance(task, str) or not task.strip():
            raise SandboxError("rlm_query takes a task string (and optional plain-data context)")
        if self.ctx.depth + 1 > self.ctx.max_depth or self.ctx.spawn is None:
            raise SandboxError(f"rlm_query depth limit reached (max_depth={self.ctx.max_depth}); "
                               "use llm_query for this sub-question")
        self.sub_calls += 1
        return self._await(self.ctx.spawn(task, context))

    def _await(self, coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.ctx.loop).result()

    # --- extraction -----------------------------------------------------------------------------
    def extract_triples(self, items: JSON) -> dict[str, Any]:
        if not isinstance(items, list) or not items:
            raise SandboxError("extract_triples takes a chunk id, a hit dict or a list of them")
        if len(items) > MAX_EXTRACT:
            raise SandboxError(f"extract_triples takes at most {MAX_EXTRACT} chunks per call")
        chunks = [self._chunk(item) for item in items]
        if self.ctx.extract is None:
            raise SandboxError("extract_triples is not available in this session")
        result = self._await(self.ctx.extract(chunks, self.ctx.campaign, self.ctx.node))
        self.stage_results.append(result)
        return result.for_model()

    def _chunk(self, item: JSON) -> Any:
        chunk_id = item.get("chunk_id") if isinstance(item, dict) else item
        if not isinstance(chunk_id, str):
            raise SandboxError("extract_triples needs chunk ids (hit['chunk_id']) so every triple keeps its "
                               "source span; free text cannot be cited")
        try:
            chunk = self.ctx.ws.datasets.chunk(chunk_id)
        except DatasetError:
            raise SandboxError(f"{chunk_id[:80]!r} is not a known chunk id: extract_triples needs chunk ids "
                               "(hit['chunk_id']) so every triple keeps its source span") from None
        if chunk.dataset not in self.ctx.datasets:
            raise SandboxError(f"chunk {chunk_id!r} is not in this session's datasets")
        return chunk

    # --- notes ----------------------------------------------------------------------------------
    def _notes_call(self, op: str) -> Callable[..., Any]:
        def call(*args: JSON) -> Any:
            if self._notes is None:
                from sro.rlm.notes import NotesStore

                self._notes = NotesStore(self.ctx.ws.db.cursor, self.ctx.campaign or "adhoc")
            value = getattr(self._notes, op)(*args)
            return list(value) if isinstance(value, tuple) else value

        return call

