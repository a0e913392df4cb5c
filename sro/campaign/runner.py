"""Run (or resume) a campaign: K expansions in flight, budgets, clean stops, the report at the end.

Every exit path goes through `_finish`: in-flight expansions are cancelled (their nodes stay `new` and are
redone on resume from the LLM cache), queued commits are made durable, the stop reason is stored, the
report is written. kill -9 skips all of that and loses nothing either: committed nodes are in DuckDB, the
rest is redone on `--resume`.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from sro.campaign.budget import BudgetGuard, budget_reason
from sro.campaign.spec import CampaignSpec, Effective, effective
from sro.config import Budgets
from sro.errors import BudgetExceeded, CampaignError
from sro.llm.types import Spend
from sro.mcts.expand import ExpandContext, Expander, Expansion, Proposal
from sro.mcts.gaps import Focus, gap_proposals, gap_summary
from sro.mcts.lookahead import Lookahead, dataset_search
from sro.mcts.planner import Planner, PlannerParams
from sro.mcts.propose import ceo_proposals, offline_proposals, template_seeds
from sro.mcts.reward import RewardWeights
from sro.mcts.select import SelectParams
from sro.mcts.slots import typed_proposals
from sro.mcts.store import TreeStore, write_commits
from sro.mcts.tree import ResearchNode, node_id
from sro.mcts.writer import CommitWriter

if TYPE_CHECKING:
    from sro.llm.client import LLMClient
    from sro.triples.pool import ExtractionPool
    from sro.workspace import Workspace


@dataclass
class RunSummary:
    campaign: str
    nodes_expanded: int = 0
    nodes_total: int = 0
    accepted: int = 0
    rejected: int = 0
    llm_calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    stopped_reason: str = ""
    report: str | None = None
    elapsed_s: float = 0.0
    resumed: bool = False
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class CampaignRunner:
    def __init__(self, ws: Workspace, spec: CampaignSpec, *, name: str | None = None, resume: bool = False,
                 expander: Expander | None = None, observer: Callable[["CampaignRunner"], None] | None = None,
                 handle_signals: bool = True):
        self.ws, self.spec, self.resume = ws, spec, resume
        self.name = name or spec.name or "campaign"
        self.observer, self.handle_signals = observer, handle_signals
        self._expander = expander
        self._pool: ExtractionPool | None = None  # the run's executor (the default expander's extraction)
        self._llm: LLMClient | None = None
        self.errors: list[str] = []
        self.in_flight: dict[asyncio.Task, ResearchNode] = {}
        self._stop_reason: str | None = None
        self._draining: str | None = None  # a budget is used up: launch nothing, let in-flight work finish
        self._failures = 0
        self._notes_cursor: Any = None

    # --- setup ---------------------------------------------------------------------------------
    def _open(self) -> None:
        self.pipeline = self.ws.pipeline(self.spec.pipeline)
        self.eff: Effective = effective(self.spec, self.pipeline.mcts)
        self._apply_settings()
        if self._pool is not None:  # a worker model with a remote executor: refused before anything is stored
            self._pool.check()
        self._llm = self._campaign_llm()  # the campaign's budgets are in force before its first call
        self.store = TreeStore(self.ws.db)
        row = self._campaign_row()
        spec_json = self.spec.model_dump_json()
        if row is None:
            root = ResearchNode(id=node_id(self.name, None, self.spec.question), parent=None,
                                question=self.spec.question, depth=0, seq=1)
            self.store.create_campaign(self.name, self.spec.question, self.spec.pipeline, spec_json, root)
        self.store.start_run(self.name, spec_json)
        tree = self.store.load(self.name)
        if row is not None:  # resume: undo what expansions killed mid-node stored (see forget_nodes)
            from sro.triples.store import forget_nodes

            forget_nodes(self.ws.db, self.name, [n.id for n in tree if n.status == "new"])
        params = PlannerParams(
            select=SelectParams(exploration=self.eff.exploration, widening_k=self.eff.widening_k,
                                widening_alpha=self.eff.widening_alpha, max_depth=self.eff.max_depth,
                                min_gain=self.eff.min_gain),
            weights=RewardWeights(cost_weight=self.eff.cost_weight), children=self.eff.children)
        writer_con = self.ws.db.cursor()  # used only by the writer thread
        writer = CommitWriter(lambda commits: write_commits(writer_con, commits))
        elapsed_before = self.store.elapsed(self.name) if row is not None else 0.0
        self.planner = Planner(self.store, tree, params, elapsed_before, writer=writer, focus=Focus.of(self.pipeline))
        self.guard = BudgetGuard(self.eff, self._spend, self.planner.elapsed)
        self.lookahead = Lookahead(dataset_search(self.ws, list(self.spec.datasets), self.pipeline), self.planner.ledger)
        for done in (n for n in tree if n.status == "expanded"):  # resume: what its sessions read
            self.lookahead.read(done.question)

    def _campaign_row(self) -> dict[str, Any] | None:
        """The stored campaign, checked against --resume and the spec's question."""
        row = self.store.campaign(self.name)
        if row is None and self.resume:
            raise CampaignError(f"nothing to resume: campaign {self.name!r} does not exist in {self.ws.root}")
        if row is not None and not self.resume:
            raise CampaignError(f"campaign {self.name!r} already exists; add --resume to continue it "
                                "or --name to start a new one")
        if row is not None and row["question"] != self.spec.question:
            raise CampaignError(f"campaign {self.name!r} was started with a different question "
                                f"({row['question']!r}); use --name for a new campaign")
        return row

    def _apply_settings(self) -> None:
        """The spec's models under the flags, environment and sro.toml the workspace was opened with (`sro run`
        opens it with the spec, so this is a no-op there; sro.config.load_settings resolves them, once). Its budgets do not go into the
        settings: they go to the LLM client's campaign scope (`llm`), which takes its spend so far from the
        ledger, so budgets hold across resumes and cover every call of the campaign."""
        self.ws.adopt_spec_models(self.spec.model_overrides(), self.spec.forced_overrides())

    @property
    def llm(self) -> LLMClient:
        """The campaign's view of the LLM client (tags ledger rows; enforces the campaign budgets)."""
        if self._llm is None:
            self._llm = self._campaign_llm()
        return self._llm

    def _campaign_llm(self) -> LLMClient:
        budgets = Budgets(usd=self.eff.usd, tokens=self.eff.tokens, calls=self.eff.calls)
        return self.ws.llm.scoped(campaign=self.name, campaign_budgets=budgets)

    def _spend(self) -> Spend:
        return self.llm.spent()

    def _default_expander(self) -> Expander:
        from sro.mcts.expand_rlm import RLMExpander
        from sro.triples.pool import ExtractionPool
        from sro.triples.stage import extraction

        for name in self.spec.datasets:  # an unknown dataset is a spec error, before anything is created
            self.ws.datasets.dataset(name)
        # one executor for the run (spec `executor:` over sro.toml's): started by the first extract_triples
        self._pool = ExtractionPool(self.ws, self.spec.executor)
        return RLMExpander(self.ws, partial(extraction, self.ws, pool=self._pool))

    # --- main loop -----------------------------------------------------------------------------
    async def run(self) -> RunSummary:
        expander = self._expander or self._default_expander()
        self._open()
        remove_handlers = self._install_signals()
        try:
            await self._loop(expander)
        except BaseException as exc:  # noqa: BLE001 - a clean stop whatever happened, then re-raise
            self._stop_reason = self._stop_reason or ("interrupted" if isinstance(
                exc, (KeyboardInterrupt, asyncio.CancelledError)) else "error")
            if not isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError)):
                self.errors.append(f"{type(exc).__name__}: {exc}")
            await self._cancel_in_flight()
            summary = await self._finish()
            if isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError)):
                return summary
            raise
        finally:
            remove_handlers()
            if self._pool is not None:  # also on an error or an interrupt
                self._pool.close()
        return await self._finish()

    async def _loop(self, expander: Expander) -> None:
        while self._stop_reason is None:
            self._launch(expander)
            if not self.in_flight:
                # Nothing left to expand: because the search ran dry, or because the expansions that
                # would have grown the tree failed (a failed node has no children).
                self._stop_reason = (self._stop_reason or self._draining
                                     or ("errors" if self._failures else "exhausted"))
                break
            timeout = self.guard.remaining_wall_s()
            done, _ = await asyncio.wait(list(self.in_flight), timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
            if not done:  # wall time ran out mid-expansion
                self._stop_reason = "wall_time"
                break
            for task in done:
                self._settle(task, self.in_flight.pop(task))
            if self._pool is not None and self._pool.error:  # the executor did not start: stop, say why
                self.errors.append(f"extraction executor: {self._pool.error}")
                self._stop_reason = "error"
            self._notify()
        await self._cancel_in_flight()

    def _launch(self, expander: Expander) -> None:
        while self._stop_reason is None and self._draining is None and len(self.in_flight) < self.eff.parallel:
            reason = self.guard.exhausted(len(self.planner.tree.expanded()), len(self.in_flight))
            if reason:
                # Wall time stops at once. Other budgets stop new work and let expansions in flight finish
                # (the LLM layer refuses their calls beyond the budget, so they end soon, with what they have).
                if reason == "wall_time":
                    self._stop_reason = reason
                else:
                    self._draining = reason
                return
            self.lookahead.refresh(self.planner.tree)  # priors against what has been read by now
            node = self.planner.select()
            if node is None:
                return
            task = asyncio.create_task(self._expand(expander, node), name=f"expand-{node.id}")
            self.in_flight[task] = node
            self._notify()

    async def _expand(self, expander: Expander, node: ResearchNode) -> tuple[Expansion, list[Proposal], float]:
        t0 = time.monotonic()
        ctx = ExpandContext(
            campaign=self.name, datasets=list(self.spec.datasets), pipeline=self.spec.pipeline,
            max_iterations=self.eff.rlm_iterations)
        covered = set(self.planner.covered)  # snapshot: what the campaign had committed when we started
        try:
            exp = await expander(node, ctx)
        except (BudgetExceeded, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - one failed node must not end the campaign
            exp = Expansion(errors=[f"{type(exc).__name__}: {exc}"])
        proposals = await self._propose(node, exp, covered) if not exp.failed else []
        return exp, proposals, time.monotonic() - t0

    async def _propose(self, node: ResearchNode, exp: Expansion, covered: set[str]) -> list[Proposal]:
        n = self.eff.children
        seeds = template_seeds(self.pipeline.question_templates, self.spec.datasets) if node.parent is None else []
        proposals: list[Proposal] = []
        if not self.llm.is_offline("ceo"):
            try:
                proposals = await ceo_proposals(self.llm.scoped(node=node.id), node, exp, root_question=self.spec.question,
                                                covered=covered, n=n, namespace=f"{self.name}:{node.id}",
                                                gaps=gap_summary(self.planner.focus, self.planner.ledger,
                                                                 node.question))
            except Exception as exc:  # noqa: BLE001 - incl. BudgetExceeded: the node's result stands;
                # the budget guard stops the campaign before the next launch
                exp.errors.append(f"CEO proposals failed, used offline ones: {type(exc).__name__}: {exc}")
        if not proposals:
            # Offline: typed questions for the graph's gaps, typed slots filled only with resolved entities of
            # their class (sro/mcts/slots.py), then salient terms of the evidence, then the session's own
            # suggestions; all ranked by the look-ahead prior (sro/mcts/lookahead.py).
            # A node asked for many children (a wide sweep) gets gap questions for as many predicates.
            proposals = (gap_proposals(self.planner.focus, self.planner.ledger, node.question, predicates=max(4, n // 2))
                         + typed_proposals(exp, self.pipeline, covered=covered, datasets=self.spec.datasets, n=n)
                         + offline_proposals(node, exp, covered=covered, templates=self.pipeline.question_templates,
                                             n=n, datasets=self.spec.datasets) + list(exp.proposals))
        self.lookahead.read(node.question)  # the node's session has read its passages
        return self.lookahead.rank(seeds + proposals)

    def _settle(self, task: asyncio.Task, node: ResearchNode) -> None:
        exc = task.exception() if not task.cancelled() else asyncio.CancelledError()
        if isinstance(exc, BudgetExceeded):  # refused mid-node: the node stays new for a resume
            self.planner.abandon(node)
            self._draining = self._draining or budget_reason(exc)
            self.errors.append(f"node {node.id}: {exc}")
            return
        if exc is not None:
            self.planner.abandon(node)
            if not isinstance(exc, asyncio.CancelledError):
                raise exc
            return
        exp, proposals, duration = task.result()
        seeds = len(template_seeds(self.pipeline.question_templates, self.spec.datasets)) if node.parent is None else 0
        self.planner.complete(node, exp, proposals, duration, max_children=self.eff.children + seeds)
        self._remember(node)
        if exp.errors:
            self.errors.extend(f"node {node.id}: {e}" for e in exp.errors)
        self._failures = self._failures + 1 if exp.failed else 0
        if self._failures >= self.eff.max_failures:
            self._stop_reason = "errors"

    def _remember(self, node: ResearchNode) -> None:
        """Research memory: the node's finding goes into the campaign's `notes`, which later RLM sessions
        read. Written by the writer thread right after the node's commit (a crash in between loses only
        the note; the answer itself is committed in mcts_results)."""
        if node.status != "expanded" or not (node.answer or node.accepted):
            return
        value = {"question": node.question, "answer": node.answer[:1000], "accepted": node.accepted,
                 "new": node.novel, "reward": round(node.reward or 0.0, 3)}
        self.planner.writer.submit(lambda: self._write_note(f"finding:{node.id}", value))

    def _write_note(self, key: str, value: dict[str, Any]) -> None:
        try:
            from sro.rlm.notes import NotesStore

            if self._notes_cursor is None:  # created on the writer thread, used only there
                self._notes_cursor = self.ws.db.cursor()
            NotesStore(lambda: self._notes_cursor, self.name).set(key, value)
        except Exception as exc:  # noqa: BLE001 - memory is a help, not a reason to stop the campaign
            self.errors.append(f"research note {key} not saved: {type(exc).__name__}: {exc}")

    async def _cancel_in_flight(self) -> None:
        tasks = list(self.in_flight)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            self.planner.abandon(self.in_flight.pop(task))

    # --- stopping ------------------------------------------------------------------------------
    def request_stop(self, reason: str = "interrupted") -> None:
        if self._stop_reason is None:
            self._stop_reason = reason
        for task in list(self.in_flight):
            task.cancel()

    def _install_signals(self) -> Callable[[], None]:
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            return lambda: None
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.request_stop)
                installed.append(sig)
            except (NotImplementedError, RuntimeError):
                pass
        def remove() -> None:
            for sig in installed:
                loop.remove_signal_handler(sig)

        return remove

    async def _finish(self) -> RunSummary:
        try:
            self.planner.writer.close()  # every committed expansion durable before we say so
        except Exception as exc:  # noqa: BLE001 - those nodes are redone on resume; say so
            self.errors.append(f"saving the tree failed: {type(exc).__name__}: {exc}")
            self._stop_reason = self._stop_reason or "error"
        reason = self._stop_reason or "exhausted"
        summary = self.summary(reason)
        self.store.finish_run(self.name, reason, self.planner.elapsed(), self.errors)
        if self.spec.outputs.report:
            try:
                from sro.campaign.report import write_report

                out = self.spec.outputs
                written = await write_report(
                    self.ws, self.name, summary=summary, llm=self.llm, key_facts=out.key_facts,
                    html=out.html, tree_json=out.tree_json, graphml=out.graphml)
                summary.report = written["paths"]["markdown"]
            except Exception as exc:  # noqa: BLE001 - the run's state is saved; report the failure
                summary.errors.append(f"report failed: {type(exc).__name__}: {exc}")
        self._notify()
        return summary

    def summary(self, reason: str | None = None) -> RunSummary:
        nodes = self.planner.tree.expanded()
        spent = self.guard.spend()
        return RunSummary(
            campaign=self.name, nodes_expanded=len(nodes), nodes_total=len(self.planner.tree),
            accepted=len(self.planner.seen), rejected=sum(n.rejected for n in nodes),
            llm_calls=spent.calls, tokens=spent.tokens, cost_usd=round(spent.cost_usd, 6),
            stopped_reason=reason or self._stop_reason or "", elapsed_s=round(self.planner.elapsed(), 3),
            resumed=self.resume, errors=list(self.errors[-20:]))

    def _notify(self) -> None:
        if self.observer is not None:
            self.observer(self)
