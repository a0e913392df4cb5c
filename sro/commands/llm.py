"""CLI: `sro models [--json]`, `sro models check`, `sro costs [--json]`, `sro cache clear|stats`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Optional

import typer

from sro.config import ROLES, Settings
from sro.console import JSON_HELP, console, print_json, print_table
from sro.commands.workspace import workspace_of
from sro.errors import ExitCode, LLMError, ModelConfigError

if TYPE_CHECKING:
    from sro.llm.client import LLMClient

JSON = typer.Option(False, "--json", help=JSON_HELP)


def _check_settings(settings: Settings) -> Settings:
    """One attempt per role: `models check` reports the provider's answer, it does not wait out retries."""
    update = {r: settings.role(r).model_copy(update={"max_retries": 0, "timeout_s": min(
        settings.role(r).timeout_s, 30.0)}) for r in ROLES}
    return settings.model_copy(update={**update, "cache": False})


async def _check(client: LLMClient, roles: list[str]) -> list[dict[str, Any]]:
    from sro.llm.backend import litellm_module

    litellm_module()  # import litellm before timing, so latency is the provider's, not the import's
    async def one(role: str) -> dict[str, Any]:
        row: dict[str, Any] = {"role": role, "model": client.model_of(role)}
        try:
            comp = await client.acomplete(role, "Reply with the single word OK.", max_tokens=5,
                                          namespace="models-check", cache=False)
            row.update(ok=True, latency_ms=round(comp.latency_ms, 1), reply=comp.text.strip()[:40])
        except LLMError as exc:
            row.update(ok=False, error=str(exc), config=isinstance(exc, ModelConfigError))
        return row

    return list(await asyncio.gather(*(one(r) for r in roles)))


models_app = typer.Typer(help="Configured model roles (ceo, worker, judge).", invoke_without_command=True,
                         no_args_is_help=False)
cache_app = typer.Typer(help="The LLM response cache in the workspace.", no_args_is_help=True)


@models_app.callback()
def models(ctx: typer.Context, json_: bool = JSON) -> None:
    """Show the resolved role configuration (key values are never shown, only the variable name)."""
    if ctx.invoked_subcommand:
        return
    from sro.llm.roles import describe

    with workspace_of(ctx) as ws:
        rows = describe(ws.settings)
    if json_:
        print_json({"roles": rows, "cache": ws.settings.cache})
        return
    shown = [{**r, "model": r["model"] or "offline", "key": r["api_key_env"] and
              f"{r['api_key_env']} ({'set' if r['api_key_set'] else 'NOT set'})"} for r in rows]
    print_table(shown, ["role", "model", "base_url", "key", "transport", "temperature", "max_tokens",
                        "max_concurrency"],
                title="Model roles")
    if all(r["offline"] for r in rows):
        console.print("All roles offline: set SRO_WORKER_MODEL (etc.) or --worker-model to use a model.")


@models_app.command("check")
def check(ctx: typer.Context, json_: bool = JSON) -> None:
    """Make one tiny call per configured role and report latency or the provider's error."""
    from sro.llm.client import LLMClient

    with workspace_of(ctx) as ws:
        configured = [r for r in ROLES if not ws.settings.role(r).offline]
        client = LLMClient.for_connection(ws.db, _check_settings(ws.settings))
        try:
            rows = asyncio.run(_check(client, configured)) if configured else []
        finally:
            client.close()
    rows += [{"role": r, "model": None, "ok": None, "error": "offline (no model configured)"}
             for r in ROLES if r not in configured]
    if json_:
        print_json(rows)
    else:
        print_table(rows, ["role", "model", "ok", "latency_ms", "reply", "error"], title="Model check")
    if any(r["ok"] is False for r in rows):  # a key, server or login problem: exit 3, else 1
        raise typer.Exit(ExitCode.CONFIG if any(r.get("config") for r in rows) else ExitCode.ERROR)


def costs(ctx: typer.Context, campaign: Optional[str] = typer.Option(None, help="Only this campaign."),
          json_: bool = JSON) -> None:
    """Summarise the cost ledger by role and model."""
    from sro.llm.ledger import Ledger

    with workspace_of(ctx) as ws:
        rows = Ledger(lambda: ws.db).summary(campaign)
    total = {k: sum(r[k] for r in rows) for k in
             ("calls", "cache_hits", "failures", "prompt_tokens", "completion_tokens", "cost_usd")}
    total["cost_usd"] = round(total["cost_usd"], 6)
    if json_:
        print_json({"by_role_model": rows, "total": total})
        return
    print_table(rows + [{"role": "total", "model": "", **total}],
                ["role", "model", "calls", "cache_hits", "failures", "prompt_tokens", "completion_tokens",
                 "cost_usd", "avg_latency_ms"], title="LLM costs")


@cache_app.command("clear")
def clear(ctx: typer.Context, namespace: Optional[str] = typer.Option(None, help="Only this namespace."),
          json_: bool = JSON) -> None:
    """Delete cached responses (all, or one namespace)."""
    from sro.llm.cache import LLMCache

    with workspace_of(ctx) as ws:
        removed = LLMCache(lambda: ws.db).clear(namespace)
    print_json({"removed": removed}) if json_ else console.print(f"removed {removed} cached responses")


@cache_app.command("stats")
def stats(ctx: typer.Context, json_: bool = JSON) -> None:
    """Cached responses per namespace and model."""
    from sro.llm.cache import LLMCache

    with workspace_of(ctx) as ws:
        info = LLMCache(lambda: ws.db).stats()
    if json_:
        print_json(info)
    else:
        print_table(info["by_model"], ["namespace", "model", "entries", "tokens"],
                    title=f"LLM cache ({info['entries']} entries)")


def register(app: typer.Typer) -> None:
    app.command("costs")(costs)
    app.add_typer(models_app, name="models")
    app.add_typer(cache_app, name="cache")
