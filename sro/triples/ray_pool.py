"""The Ray executor: a pool of actors, one CPU each, spread over the cluster's nodes.

Each actor loads the NLP model once (at start, before it counts as ready) and, for LLM extraction, keeps one
model client for its life (sro.triples.remote_llm). The driver sends each batch to the live actor with the
fewest batches queued. An actor whose process or node dies takes its queued batches with it: the driver
sends them again to the live actors (at most `retries` times each) and starts a replacement, which joins the
pool once its model is loaded (on a cluster with no free CPU it waits, unused). Nothing is stored twice: the
driver stores results in read order, once each (sro.triples.executors).
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sro.errors import ConfigError
from sro.triples.executors import RAY_MISSING, SOURCE_ROOT, prepare

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ray.actor import ActorHandle

    from pipelines import Pipeline
    from sro.data.models import Chunk, Document
    from sro.triples.remote_llm import LLMWork

START_TIMEOUT_S = 300.0  # for the first actors: loading spaCy on a busy node takes a while
SERVE_EVERY_S = 0.05  # LLM work: how often the waiting driver answers the workers' cache lookups


class SroWorker:
    """One Ray actor: parses and extracts batches; its model (and model client) stay loaded."""

    def __init__(self, llm: tuple[Any, Any, int] | None = None):
        import ray

        os.environ["SRO_NLP_PROCESSES"] = "1"  # one core per worker: no parse-worker helper process
        self.node = ray.get_runtime_context().get_node_id()[:8]
        self.llm = llm  # (settings, broker, gleaning)
        self.client: Any = None

    def ready(self) -> str:
        from sro.nlp.nlp import load_nlp

        load_nlp()
        return self.node

    def prepare(self, pipeline: "Pipeline", chunks: list["Chunk"], docs: dict[str, "Document"]) -> dict:
        if self.llm is None:
            return prepare(pipeline, chunks, docs) | {"node": self.node}
        from sro.triples.remote_llm import prepare_llm, worker_client

        settings, broker, gleaning = self.llm
        if self.client is None:
            self.client = worker_client(settings, broker)
        return asyncio.run(prepare_llm(self.client, pipeline, chunks, docs, gleaning)) | {"node": self.node}


@dataclass
class Job:
    """One batch out: what to send again if its actor dies."""

    pipeline: Any  # an object reference: the pipeline goes to each node once
    chunks: list["Chunk"]
    docs: dict[str, "Document"]
    actor: Any = None
    ref: Any = None
    sends: int = 0


class RayExecutor:
    """Actors on a Ray cluster: `address` "auto", "HOST:PORT", or None for a Ray instance of this run only."""

    kind = "ray"

    def __init__(self, address: str | None = None, inflight: int = 0, retries: int = 5, workers: int = 0,
                 llm: "LLMWork | None" = None):
        try:
            import ray
        except ImportError:
            raise ConfigError(RAY_MISSING) from None
        self._ray = ray
        env = {"PYTHONPATH": SOURCE_ROOT, "SRO_NLP_PROCESSES": "1", "OPENBLAS_NUM_THREADS": "1"}
        try:
            # "local": a new instance of this run only. With no address at all Ray would join whatever cluster
            # /tmp/ray/ray_current_cluster names, and wait for it when that cluster has since stopped.
            ray.init(address=address or "local", runtime_env={"env_vars": env}, logging_level="ERROR",
                     log_to_driver=False, include_dashboard=False if address is None else None)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ConfigError(f"cannot connect to Ray at {address or 'a new local instance'}: "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.inflight = inflight or 2 * self.workers
        self.retries = retries
        self.llm = llm
        self._broker = self._start_broker() if llm is not None else None
        self._actor = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(SroWorker)
        self._live: list[Any] = []
        self._starting: dict[Any, Any] = {}  # ready() reference -> actor
        self._jobs: list[Job] = []  # out, in submission order
        self._pipeline: tuple[Any, Any] | None = None
        for _ in range(self.workers):
            self._start_actor()
        self._await_actors(START_TIMEOUT_S)

    # --- the pool ----------------------------------------------------------------------------------------------
    def _start_broker(self) -> Any:
        from sro.triples.remote_llm import ReplyBroker

        return self._ray.remote(num_cpus=0)(ReplyBroker).remote()

    def _start_actor(self) -> None:
        llm = (self.llm.settings, self._broker, self.llm.gleaning) if self.llm is not None else None
        actor = self._actor.options(scheduling_strategy="SPREAD").remote(llm)
        self._starting[actor.ready.remote()] = actor

    def _await_actors(self, timeout: float) -> None:
        """Move the started actors that are ready (model loaded) into the pool, waiting up to `timeout`."""
        if self._starting:
            done, _ = self._ray.wait(list(self._starting), num_returns=len(self._starting), timeout=timeout)
            for ref in done:
                actor = self._starting.pop(ref)
                try:
                    self._ray.get(ref)
                    self._live.append(actor)
                except self._ray.exceptions.RayError:
                    pass  # died while starting (its node was lost)
        if not self._live:
            raise ConfigError("no Ray worker could start: does the cluster have free CPUs? (ray status)")

    def _send(self, job: Job) -> None:
        if not self._live and not self._starting:
            self._start_actor()
        self._await_actors(0.0 if self._live else START_TIMEOUT_S)
        load = {id(a): 0 for a in self._live}
        for other in self._jobs:
            if id(other.actor) in load:
                load[id(other.actor)] += 1
        job.actor = min(self._live, key=lambda a: load[id(a)])
        job.ref = job.actor.prepare.remote(job.pipeline, job.chunks, job.docs)
        job.sends += 1

    def _lost(self, actor: ActorHandle) -> None:
        """An actor died: a replacement starts, and its queued batches go to the live actors."""
        if actor not in self._live:
            return
        self._live.remove(actor)
        self._start_actor()
        for job in self._jobs:
            if job.actor is actor and job.sends <= self.retries:
                self._send(job)

    # --- the executor interface --------------------------------------------------------------------------------
    def submit(self, pipeline: "Pipeline", chunks: list["Chunk"], docs: dict[str, "Document"]) -> Job:
        if self._pipeline is None or self._pipeline[0] is not pipeline:
            self._pipeline = (pipeline, self._ray.put(pipeline))
        job = Job(self._pipeline[1], chunks, docs)
        self._send(job)
        self._jobs.append(job)
        return job

    def ready(self, job: Job) -> "Future[dict]":
        """A future done when the job's first send is (a lost actor fails it: `result` sends the job again)."""
        return job.ref.future()

    def result(self, job: Job) -> dict:
        ray = self._ray
        try:
            while True:
                self._wait(job)
                try:
                    return ray.get(job.ref)
                except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError) as exc:
                    dead = job.actor
                    self._lost(dead)  # sends this job again too, unless it was sent too often
                    if job.actor is dead:
                        if job.sends > self.retries:
                            return {"error": f"ray worker lost {job.sends} times: {_first_line(exc)}"}
                        self._send(job)  # its actor was known lost already
                except ray.exceptions.RayError as exc:  # the batch itself failed: it stays pending
                    return {"error": f"ray task failed: {type(exc).__name__}: {_first_line(exc)}"}
        finally:
            self._jobs.remove(job)

    def _wait(self, job: Job) -> None:
        """Until the job's result is there; LLM work: serving the workers' lookups meanwhile."""
        if self._broker is None:
            self._ray.wait([job.ref])
            return
        from sro.triples.remote_llm import serve

        while True:
            serve(self._broker, self.llm.client)
            done, _ = self._ray.wait([job.ref], timeout=SERVE_EVERY_S)
            if done:
                serve(self._broker, self.llm.client)  # the batch's paid replies are taken before it is stored
                return

    def close(self) -> None:
        self._ray.shutdown()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
