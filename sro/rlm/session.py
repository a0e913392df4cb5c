"""RLMSession: the root loop. The root (CEO model or offline policy) writes code; the sandbox runs it; the
capped output goes back; limits end the session with one forced answer."""

from __future__ import annotations

import asyncio
import queue
import threading
import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from sro.config import Budgets
from sro.errors import BudgetExceeded, LLMAuthError, LLMConnectionError, SROError
from sro.rlm.budget import RootBudget
from sro.rlm.models import MAX_DEPTH, MAX_ITERATIONS, RLMResult
from sro.rlm.policy import LLMRoot, OfflinePolicy, RootPolicy, RootTurn
from sro.rlm.primitives import Extract, PrimitiveHost, SessionContext
from sro.rlm.prompts import FORCE, REFUSED, feedback, system_prompt
from sro.rlm.replies import Reply, parse_reply
from sro.rlm.sandbox import Sandbox, StepResult
from sro.rlm.limits import SandboxLimits
from sro.rlm.trajectory import Trajectory
from sro.rlm.transcript import Transcript

T = TypeVar("T")

if TYPE_CHECKING:
    from sro.jsontypes import JSON
    from sro.llm.client import LLMClient
    from sro.workspace import Workspace

SUB_BUDGET_SHARE = 0.5  # a child session may spend at most this share of what the parent has left


class _Threads:
    """An elastic set of reusable threads: a job runs on an idle thread, or on a new one when none is idle,
    so it never waits behind another job (a bounded pool could be exhausted by nested rlm_query). Reuse
    spares the event loop a `Thread.start()` per sandbox call (~5 ms under GIL contention with K > 1)."""

    IDLE_S = 30.0  # an idle thread exits after this long

    def __init__(self) -> None:
        self._idle: list[queue.SimpleQueue] = []
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._worker, args=(inbox,), name="rlm-sandbox", daemon=True).start()
        inbox.put(job)

    def _worker(self, inbox: queue.SimpleQueue) -> None:
        while True:
            try:
                job = inbox.get(timeout=self.IDLE_S)
            except queue.Empty:
                with self._lock:
                    if inbox in self._idle:
                        self._idle.remove(inbox)
                        return
                job = inbox.get()  # handed a job just as the wait timed out
            job()
            del job
            with self._lock:
                self._idle.append(inbox)


_THREADS = _Threads()


async def in_thread(fn: Callable[..., T], *args: object) -> T:
    """Run blocking sandbox work on a thread of its own for the call (never a bounded shared pool: nested
    rlm_query would exhaust it)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(ok: bool, value: object) -> None:
        if not future.done():
            future.set_result(value) if ok else future.set_exception(value)

    def work() -> None:
        try:
            value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            loop.call_soon_threadsafe(settle, False, exc)
        else:
            loop.call_soon_threadsafe(settle, True, value)

    _THREADS.submit(work)
    return await future


def _share(budgets: Budgets | None, client: "LLMClient") -> Budgets | None:
    if budgets is None:
        return Budgets()
    spent = client.spent()

    def part(limit: float | int | None, used: float | int, kind: type) -> Any:
        return None if limit is None else kind(max(0, (limit - used) * SUB_BUDGET_SHARE))

    return Budgets(usd=part(budgets.usd, spent.cost_usd, float), tokens=part(budgets.tokens, spent.tokens, int),
                   calls=part(budgets.calls, spent.calls, int))


@dataclass(frozen=True)
class SessionConfig:
    """What a session is asked to do and within which limits; a child session (rlm_query) gets a copy one
    level deeper with its share of the budgets, so nothing is listed twice."""

    datasets: tuple[str, ...]
    campaign: str | None = None
    node: str | None = None
    max_iterations: int = MAX_ITERATIONS
    depth: int = 0
    max_depth: int = MAX_DEPTH
    budgets: Budgets | None = None
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    prompt_budget_tokens: int | None = None  # None: what the root model's context window allows
    parent: str | None = None  # the session that spawned this one
    extract: Extract | None = None  # None: the session cannot extract


class RLMSession:
    def __init__(self, ws: "Workspace", config: SessionConfig, *, policy: RootPolicy | None = None,
                 client: "LLMClient | None" = None, context: JSON = None):
        self.ws, self.policy, self.context = ws, policy, context
        self.client = (client or ws.llm).scoped(campaign=config.campaign, node=config.node,
                                                budgets=config.budgets or Budgets())
        self.budget = RootBudget.of(self.client.context_window("ceo"))
        limits = config.limits
        if ws.settings.sandbox.require_os_isolation:
            limits = replace(limits, require_os_isolation=True)
        limits = replace(limits, max_output=min(limits.max_output, self.budget.output_chars))
        self.config = replace(config, max_iterations=max(1, config.max_iterations), limits=limits,
                              prompt_budget_tokens=config.prompt_budget_tokens or self.budget.history_tokens)
        self.id = uuid.uuid4().hex[:12]
        self.children: list[RLMResult] = []

    # --- public ---------------------------------------------------------------------------------
    async def run(self, question: str) -> RLMResult:
        policy = self.policy or (
            OfflinePolicy(question, worker=not self.client.is_offline("worker"))
            if self.client.is_offline("ceo") else LLMRoot(self.client, self.budget.reply_tokens))
        cfg = self.config
        infos = [self.ws.datasets.describe(name) for name in cfg.datasets]
        # Bring the search index up to date now: model steps have a bounded host time per step, and index
        # upkeep after an ingest is not the model's work.
        self.ws.datasets.refresh_index()
        system = system_prompt(infos, max_output=cfg.limits.max_output, depth=cfg.depth, max_depth=cfg.max_depth)
        transcript = Transcript(system, question, cfg.prompt_budget_tokens, cfg.max_iterations)
        host = PrimitiveHost(SessionContext(
            ws=self.ws, datasets=list(cfg.datasets), client=self.client, loop=asyncio.get_running_loop(),
            campaign=cfg.campaign, node=cfg.node, depth=cfg.depth, max_depth=cfg.max_depth,
            spawn=self._spawn, extract=cfg.extract,
        ))
        path = self.ws.run_dir(cfg.campaign or "adhoc") / "trajectories" / f"{self.id}.jsonl"
        traj = Trajectory(path)
        sandbox = Sandbox(cfg.limits)
        result = RLMResult(answer="", session_id=self.id, trajectory=str(path), policy=policy.name)
        try:
            await in_thread(sandbox.start)
            if self.context is not None:
                await in_thread(sandbox.set_var, "context", self.context)
            traj.write("start", session=self.id, parent=cfg.parent, depth=cfg.depth, question=question[:2000],
                       datasets=list(cfg.datasets), policy=policy.name, sandbox_start_ms=round(sandbox.start_ms, 2))
            await self._loop(policy, transcript, sandbox, host, traj, result)
        except (asyncio.CancelledError, KeyboardInterrupt):
            self._stop(result, "interrupted", "the session was cancelled")
            raise
        finally:
            await in_thread(sandbox.close)
            self._finish(result, host)
            traj.write("result", **result.summary())
            traj.close()
        return result

    # --- the loop -------------------------------------------------------------------------------
    async def _ask(self, policy: RootPolicy, transcript: Transcript, result: RLMResult,
                   forced: bool = False) -> RootTurn | None:
        """The root's next reply, or None with the stop reason set (budget, model failure)."""
        try:
            turn = await policy.next(transcript.messages(), forced=forced)
        except (LLMAuthError, LLMConnectionError):
            raise  # the configuration is wrong: fail fast, named
        except BudgetExceeded as exc:
            self._stop(result, "budget", str(exc))
            return None
        except SROError as exc:
            self._stop(result, "errors", f"{type(exc).__name__}: {exc}")
            return None
        result.iterations += 1
        result.root_prompt_tokens.append(turn.prompt_tokens)
        return turn

    async def _step(self, turn: RootTurn, sandbox: Sandbox, host: PrimitiveHost,
                    result: RLMResult) -> tuple[Reply, StepResult | None, str]:
        reply = parse_reply(turn.text, cut_off=turn.finish_reason == "length")
        step = None if reply.code is None else await in_thread(sandbox.run, reply.code, host)
        output = None if step is None else step.render(self.config.limits.max_output)
        if output is None and reply.final_text is not None:
            output = "(no code ran; the FINAL(...) line of your reply was read as your answer)"
        text = feedback(turn=result.iterations, max_turns=self.config.max_iterations, output=output, notes=reply.notes)
        if step is not None and not step.ok:
            result.errors += 1
        if step is not None and step.questions:
            result.proposed_questions = step.questions
        return reply, step, text

    @staticmethod
    def _answer(reply: Reply, step: StepResult | None) -> str | None:
        return step.final if step is not None and step.final is not None else reply.final_text

    async def _loop(self, policy: RootPolicy, transcript: Transcript, sandbox: Sandbox, host: PrimitiveHost,
                    traj: Trajectory, result: RLMResult) -> None:
        refused = False
        for _ in range(self.config.max_iterations):
            turn = await self._ask(policy, transcript, result)
            if turn is None:
                return self._fallback(result, transcript)
            reply, step, text = await self._step(turn, sandbox, host, result)
            answer, note = self._answer(reply, step), ""
            if answer is not None:
                if host.explore_calls or refused:
                    result.answer, result.ungrounded = answer, not host.explore_calls
                    note = "final answer" + (" (ungrounded: no exploration)" if result.ungrounded else "")
                    return self._record(traj, result, turn, reply, step, text, host, note)
                refused, note = True, "answer refused: no exploration yet"
                text = f"{text}\n\n{REFUSED}"
            transcript.add(reply.text, reply.code, text)
            self._record(traj, result, turn, reply, step, text, host, note)
        await self._forced(policy, transcript, sandbox, host, traj, result)

    async def _forced(self, policy: RootPolicy, transcript: Transcript, sandbox: Sandbox, host: PrimitiveHost,
                      traj: Trajectory, result: RLMResult) -> None:
        """One last turn after max_iterations; a plain-text answer is taken too."""
        transcript.pending = FORCE.format(reason=f"You have used all {self.config.max_iterations} turns.")
        self._stop(result, "max_iterations", f"all {self.config.max_iterations} turns used")
        turn = await self._ask(policy, transcript, result, forced=True)
        if turn is None:
            return self._fallback(result, transcript)
        reply, step, text = await self._step(turn, sandbox, host, result)
        self._record(traj, result, turn, reply, step, text, host, "forced final turn")
        answer = self._answer(reply, step)
        if answer is None and reply.code is None and reply.text:
            answer = reply.text  # prose: the best the model could say
        if answer is None:
            return self._fallback(result, transcript, "the forced final turn gave no answer")
        result.answer, result.ungrounded = answer, not host.explore_calls

    @staticmethod
    def _stop(result: RLMResult, reason: str, detail: str) -> None:
        result.forced = reason != "done"
        result.stop_reason, result.stop_detail = reason, detail

    def _fallback(self, result: RLMResult, transcript: Transcript, why: str | None = None) -> None:
        if why is not None:
            self._stop(result, "errors", why)
        last = transcript.turns[-1].feedback[:2000] if transcript.turns else ""
        result.answer = f"[no final answer: {result.stop_reason}: {result.stop_detail}]" + (
            f"\nLast output:\n{last}" if last else "")

    def _record(self, traj: Trajectory, result: RLMResult, turn: RootTurn, reply: Reply,
                step: StepResult | None, feedback: str, host: PrimitiveHost, note: str) -> None:
        spent = self.client.spent()
        traj.turn(result.iterations, code=reply.code, result=step, feedback=feedback, reasoning=reply.reasoning,
                  finish_reason=turn.finish_reason,
                  root_prompt_tokens=turn.prompt_tokens, root_completion_tokens=turn.completion_tokens,
                  spent={"calls": spent.calls, "tokens": spent.tokens, "cost_usd": round(spent.cost_usd, 6),
                         "sub_calls": host.sub_calls}, note=note)

    def _finish(self, result: RLMResult, host: PrimitiveHost) -> None:
        spent = self.client.spent()
        result.cost_usd, result.tokens = spent.cost_usd, spent.tokens
        result.sub_calls = host.sub_calls + sum(c.sub_calls for c in self.children)
        result.evidence = list(host.evidence.values())
        for child in self.children:
            result.evidence.extend(e for e in child.evidence if e not in result.evidence)
            result.stage_results.extend(child.stage_results)
        result.stage_results[:0] = host.stage_results

    # --- recursion ------------------------------------------------------------------------------
    async def _spawn(self, task: str, context: JSON) -> str:
        config = replace(self.config, depth=self.config.depth + 1, budgets=_share(self.config.budgets, self.client),
                         parent=self.id)
        child = RLMSession(self.ws, config, client=self.client, context=context)
        outcome = await child.run(task)
        self.children.append(outcome)
        return outcome.answer
