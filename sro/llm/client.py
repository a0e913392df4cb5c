"""LLMClient: every model call in SRO goes through here.

One call = resolve the role -> cache lookup -> budget check (before sending) -> per-model limiter ->
litellm request with our own retry loop -> ledger row + cache write. `scoped()` views share the cache,
ledger and limiters of their parent and add campaign/node tags and extra budgets.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Sequence

from pydantic import BaseModel

from sro.config import Budgets, RoleConfig, Settings
from sro.errors import BudgetExceeded, LLMAuthError, LLMConnectionError, LLMError, ModelConfigError, SROError
from sro.llm import backend, preflight, retry, roles, structured
from sro.llm.budgets import BudgetScope, Estimate, check_and_reserve
from sro.llm.cache import LLMCache, cache_key
from sro.llm.dbwrite import CursorPool, Flusher
from sro.llm.ledger import Ledger
from sro.llm.limits import Limiters
from sro.llm.portal import Portal
from sro.llm.types import Completion, Spend, StructuredOutputError

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger("sro.llm")
Prompt = str | Sequence[dict[str, Any]]
COMPLETION_ESTIMATE = 256  # tokens assumed for an answer when max_tokens is unset (budget estimate only)


class _Shared:
    """State shared by a client and all its scoped views."""

    def __init__(self, settings: Settings, cursor: Callable[[], "duckdb.DuckDBPyConnection"], *,
                 cache: LLMCache | None = None, ledger: Ledger | None = None):
        self.settings = settings
        self.cache = cache or LLMCache(cursor)
        self.ledger = ledger or Ledger(cursor)
        self.limiters = Limiters()
        self.secrets = roles.secret_values(settings)
        self.session = BudgetScope("session", settings.budgets, dict(settings.role_budgets))
        self.campaigns: dict[str, BudgetScope] = {}
        self.portal = Portal()
        self.cursors: CursorPool | None = None
        self.flusher = Flusher(self.flush)
        self.problems: dict[str, str | None] = {}  # role -> why it cannot be called (checked once)

    def flush(self) -> None:
        self.cache.flush()
        self.ledger.flush()

    def campaign_scope(self, campaign: str, limits: Budgets | None = None) -> BudgetScope:
        """Per-campaign budget, counting what the ledger already holds: `limits` (a campaign run's budgets,
        handed to `scoped`) when given, else settings.budgets; role limits from settings.role_budgets."""
        scope = self.campaigns.get(campaign)
        if scope is not None and limits is not None:
            scope.limits = limits
        if scope is None:
            scope = BudgetScope(f"campaign {campaign}", limits or self.settings.budgets,
                                dict(self.settings.role_budgets))
            scope.spent = self.ledger.spent(campaign=campaign)
            for role in scope.role_limits:
                scope.role_spent[role] = self.ledger.spent(campaign=campaign, role=role)
            self.campaigns[campaign] = scope
        return scope


class LLMClient:
    def __init__(self, settings: Settings, cursor: Callable[[], "duckdb.DuckDBPyConnection"], *,
                 _shared: _Shared | None = None, campaign: str | None = None, node: str | None = None,
                 chain: list[BudgetScope] | None = None):
        self.settings = settings
        self._s = _shared or _Shared(settings, cursor)
        self.campaign, self.node = campaign, node
        self._chain = chain if chain is not None else [self._s.session]

    @classmethod
    def for_connection(cls, db: "duckdb.DuckDBPyConnection", settings: Settings) -> "LLMClient":
        """A client whose cache and ledger rows go through per-thread cursors of `db`."""
        pool = CursorPool(db)
        client = cls(settings, pool)
        client._s.cursors = pool
        return client

    @classmethod
    def with_stores(cls, settings: Settings, cursor: Callable[[], "duckdb.DuckDBPyConnection"], cache: LLMCache,
                    ledger: Ledger) -> "LLMClient":
        """A client over these cache and ledger objects (a Ray worker's, which report to the driver's:
        sro.triples.remote_llm)."""
        return cls(settings, cursor, _shared=_Shared(settings, cursor, cache=cache, ledger=ledger))

    def adopt_call(self, row: dict[str, Any]) -> None:
        """A call paid elsewhere (a Ray worker's ledger row): counted in this view's budgets and written to
        the ledger with this view's campaign and node, as if made here."""
        tokens = int(row.get("prompt_tokens") or 0) + int(row.get("completion_tokens") or 0)
        for scope in self._chain:
            scope.commit(row["role"], tokens, float(row.get("cost_usd") or 0.0))
        self._s.ledger.record(**{**row, "campaign": self.campaign, "node": self.node})

    def budget_problem(self, role: str) -> str | None:
        """Why a next call of `role` would be refused by this view's budgets, None if it would not."""
        try:
            for scope in self._chain:
                if scope.limited:
                    scope.check(role, Estimate(0, 0.0))
        except BudgetExceeded as exc:
            return str(exc)
        return None

    # --- roles ---------------------------------------------------------------------------------
    def is_offline(self, role: str) -> bool:
        return self.settings.role(role).offline

    def model_of(self, role: str) -> str | None:
        return self.settings.role(role).model

    def context_window(self, role: str) -> int | None:
        """The role's context window in tokens (setting, else litellm's model map), None when unknown."""
        cfg = self.settings.role(role)
        return None if cfg.offline else backend.context_window(cfg)

    def scoped(self, campaign: str | None = None, node: str | None = None, budgets: Budgets | None = None,
               campaign_budgets: Budgets | None = None) -> "LLMClient":
        """A view tagging its calls with campaign/node and enforcing `budgets` on top of the parent's.
        `campaign_budgets` sets the campaign's own limits (shared by every view of that campaign)."""
        campaign = campaign if campaign is not None else self.campaign
        chain = list(self._chain)
        if campaign is not None and (campaign != self.campaign or campaign_budgets is not None):
            chain = [self._s.campaign_scope(campaign, campaign_budgets)]
        node = node if node is not None else self.node
        if budgets is not None or (node is not None and node != self.node):
            scope = BudgetScope(f"node {node}" if node else "sub-call", budgets or Budgets())
            if node is not None and node != self.node:
                scope.spent = self._s.ledger.spent(campaign=campaign, node=node) if campaign is None \
                    else self._s.ledger.node_spent(campaign, node)
            chain.append(scope)
        return LLMClient(self.settings, lambda: None, _shared=self._s, campaign=campaign, node=node, chain=chain)

    def spent(self) -> Spend:
        """Spend of this view's innermost scope (cache hits are free)."""
        s = self._chain[-1].spent
        return Spend(s.calls, s.tokens, s.cost_usd)

    # --- calls ---------------------------------------------------------------------------------
    async def acomplete(self, role: str, prompt: Prompt, *, namespace: str = "", cache: bool | None = None,
                        **params: object) -> Completion:
        """One chat completion for `role`. Raises LLMError (after retries) or BudgetExceeded (before sending)."""
        cfg = roles.require_model(self.settings, role)
        messages = _messages(prompt)
        params = self._params(cfg, params)
        use_cache = self.settings.cache and (cache if cache is not None else params.get("temperature", 0) == 0)
        key = cache_key(cfg.model, messages, params, namespace) if use_cache else None
        start = time.perf_counter()
        if key is not None:
            entry = self._s.cache.get(key)
            if entry is not None:
                return self._from_cache(role, cfg.model, namespace, entry, start)
        self._preflight(role, cfg)
        est = self._estimate(cfg.model, messages, params)
        chain = check_and_reserve(self._chain, role, est)
        try:
            return await self._call(role, cfg, messages, params, namespace, key, est, start)
        finally:
            for scope in chain:
                scope.reserve(role, est, sign=-1)

    def complete(self, role: str, prompt: Prompt, **kwargs: object) -> Completion:
        """Sync wrapper (runs on the client's own event-loop thread; safe from any thread)."""
        return self._s.portal.run(self.acomplete(role, prompt, **kwargs))

    async def abatch(self, role: str, items: Sequence[Prompt], *, namespace: str = "",
                     **params: object) -> list[Completion | SROError]:
        """Complete every item concurrently (bounded by the model's limiter); results keep input order and a
        failed item holds its LLMError (or BudgetExceeded) instead of failing the batch."""
        cfg = roles.require_model(self.settings, role)
        merged = self._params(cfg, dict(params))
        if self.settings.cache and merged.get("temperature", 0) == 0 and params.get("cache", True):
            # warm the cache's memory with one query for the whole batch
            self._s.cache.get_many([cache_key(cfg.model, _messages(p), merged, namespace) for p in items])

        async def one(item: Prompt) -> Completion | SROError:
            try:
                return await self.acomplete(role, item, namespace=namespace, **params)
            except (LLMError, BudgetExceeded) as exc:
                return exc

        return list(await asyncio.gather(*(one(i) for i in items)))

    def batch(self, role: str, items: Sequence[Prompt], **kwargs: object) -> list[Completion | SROError]:
        return self._s.portal.run(self.abatch(role, items, **kwargs))

    async def astructured(self, role: str, messages: Prompt, schema: type[BaseModel], *, namespace: str = "",
                          mode: str | None = None, **params: object) -> BaseModel:
        """A validated `schema` instance; re-asks once with the validation error, then StructuredOutputError."""
        cfg = roles.require_model(self.settings, role)
        mode = structured.choose_mode(cfg.model, mode or cfg.structured_mode)
        msgs, extra = structured.request(_messages(messages), schema, mode)
        for attempt in (1, 2):
            comp = await self.acomplete(role, msgs, namespace=namespace, **extra, **params)
            try:
                return structured.parse(comp.text, schema)
            except structured.Unparseable as problem:
                if comp.cache_key is not None:
                    self._s.cache.forget(comp.cache_key)  # a rerun asks the model again
                if attempt == 2:
                    raise StructuredOutputError(
                        f"{cfg.model} ({role}) did not return a valid {schema.__name__} after a re-ask: {problem}",
                        raw=comp.text) from None
                log.info("structured output from %s invalid (%s); re-asking once", cfg.model, problem)
                msgs = structured.reask(msgs, comp.text, str(problem))
        raise AssertionError("unreachable")

    def structured(self, role: str, messages: Prompt, schema: type[BaseModel], **kwargs: object) -> BaseModel:
        return self._s.portal.run(self.astructured(role, messages, schema, **kwargs))

    # --- internals -----------------------------------------------------------------------------
    def _preflight(self, role: str, cfg: RoleConfig) -> None:
        """Before a role's first call: its key variable is set and a local server listens (sro.llm.preflight)."""
        if role not in self._s.problems:
            self._s.problems[role] = preflight.role_problem(role, cfg)
        if self._s.problems[role]:
            raise ModelConfigError(self._s.problems[role])

    def _params(self, cfg: RoleConfig, params: dict[str, object]) -> dict[str, object]:
        params.pop("cache", None)
        params.setdefault("temperature", cfg.temperature)
        if cfg.max_tokens is not None:
            params.setdefault("max_tokens", cfg.max_tokens)
        return {k: v for k, v in params.items() if v is not None}

    def _estimate(self, model: str, messages: list[dict], params: dict[str, object]) -> Estimate:
        if not any(s.limited for s in self._chain):
            return Estimate(0, 0.0)  # nothing to enforce: skip the arithmetic
        prompt = sum(len(str(m.get("content") or "")) for m in messages) // 4 + 4 * len(messages)
        answer = int(params.get("max_tokens") or COMPLETION_ESTIMATE)
        p_in, p_out = backend.price(self.settings, model)
        return Estimate(prompt + answer, prompt * p_in + answer * p_out)

    async def _call(self, role: str, cfg: RoleConfig, messages: list[dict], params: dict[str, object], namespace: str,
                    key: str | None, est: Estimate, start: float) -> Completion:
        limiter = self._s.limiters.get(cfg.model, cfg.max_concurrency, cfg.rpm, cfg.tpm)
        attempt = 0
        async with limiter.slot(est.tokens or 1):
            while True:
                attempt += 1
                try:
                    text, finish, pt, ct = await backend.complete(cfg, roles.api_key(cfg), messages, params)
                    break
                except Exception as exc:  # noqa: BLE001 - classified below; nothing escapes unnamed
                    if isinstance(exc, (asyncio.CancelledError, SROError)):
                        raise  # cancellation and our own errors (e.g. ConfigError) pass through as they are
                    if attempt > cfg.max_retries or not retry.is_retryable(exc) or preflight.config_failure(exc):
                        raise self._failure(role, cfg, namespace, exc, attempt, start) from None
                    wait = retry.backoff_s(attempt, cfg, exc)
                    log.warning("%s: %s; retry %d/%d in %.2fs", cfg.model,
                                self._redact(retry.cause(exc)), attempt, cfg.max_retries, wait)
                    await asyncio.sleep(wait)
        p_in, p_out = backend.price(self.settings, cfg.model)
        cost = pt * p_in + ct * p_out
        latency = (time.perf_counter() - start) * 1000
        for scope in self._chain:
            scope.commit(role, pt + ct, cost)
        self._record(role, cfg.model, namespace, pt, ct, cost, latency, False, "ok", attempt)
        if key is not None:
            self._s.cache.put({"key": key, "namespace": namespace, "model": cfg.model, "text": text,
                               "finish_reason": finish, "prompt_tokens": pt, "completion_tokens": ct,
                               "cost_usd": cost})
        return Completion(text=text, model=cfg.model, role=role, prompt_tokens=pt, completion_tokens=ct,
                          cost_usd=cost, latency_ms=latency, cached=False, finish_reason=finish, attempts=attempt,
                          cache_key=key)

    def _from_cache(self, role: str, model: str, namespace: str, entry: dict, start: float) -> Completion:
        latency = (time.perf_counter() - start) * 1000
        pt, ct = entry["prompt_tokens"] or 0, entry["completion_tokens"] or 0
        self._record(role, model, namespace, pt, ct, 0.0, latency, True, "ok", 0)
        return Completion(text=entry["text"], model=model, role=role, prompt_tokens=pt, completion_tokens=ct,
                          cost_usd=0.0, latency_ms=latency, cached=True, finish_reason=entry["finish_reason"],
                          attempts=0, cache_key=entry["key"])

    def _failure(self, role: str, cfg: RoleConfig, namespace: str, exc: BaseException, attempts: int,
                 start: float) -> LLMError:
        why = self._redact(retry.cause(exc))
        provider = getattr(exc, "llm_provider", None) or roles.provider_of(cfg.model)
        verdict = "after %d attempts" % attempts if attempts > 1 else "(not retryable)" \
            if not retry.is_retryable(exc) else "after 1 attempt"
        kind = retry.fatal_kind(exc)
        if kind == "connection":
            why = f"cannot connect to {cfg.base_url or provider} (connection refused or unknown host); {why}"
        elif kind == "auth":
            why = f"authentication failed: the key in {cfg.api_key_env or 'the provider default'} was rejected; {why}"
        message = f"{provider} model {cfg.model} (role {role}) failed {verdict}: {why}"
        self._record(role, cfg.model, namespace, 0, 0, 0.0, (time.perf_counter() - start) * 1000, False,
                     "error", attempts, error=why)
        config = preflight.config_failure(exc)
        kind_error = {"auth": LLMAuthError, "connection": LLMConnectionError}.get(kind)
        err = (kind_error or (ModelConfigError if config else LLMError))(f"{message} ({config})" if config else message)
        err.status_code = getattr(exc, "status_code", None)  # type: ignore[attr-defined]
        return err

    def _record(self, role: str, model: str, namespace: str, pt: int, ct: int, cost: float, latency: float,
                cached: bool, status: str, attempts: int, error: str | None = None) -> None:
        self._s.ledger.record(role=role, model=model, provider=roles.provider_of(model), namespace=namespace,
                              campaign=self.campaign, node=self.node, prompt_tokens=pt, completion_tokens=ct,
                              cost_usd=cost, latency_ms=round(latency, 3), cached=cached, status=status,
                              attempts=attempts, error=error)

    def _redact(self, text: str) -> str:
        return roles.redact(text, self._s.secrets)

    # --- reporting and lifecycle ---------------------------------------------------------------
    @property
    def ledger(self) -> Ledger:
        return self._s.ledger

    @property
    def cache(self) -> LLMCache:
        return self._s.cache

    def flush(self) -> None:
        """Write buffered cache entries and ledger rows to DuckDB."""
        self._s.flush()

    def close(self) -> None:
        """Flush, stop the background threads and release the DuckDB cursors (closes every view)."""
        self._s.flusher.stop()
        self._s.flush()
        self._s.portal.stop()
        if self._s.cursors is not None:
            self._s.cursors.close()


def _messages(prompt: Prompt) -> list[dict]:
    return [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
