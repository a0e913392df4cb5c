"""`sro mcp`: the workspace as an MCP server (official `mcp` SDK), over stdio or streamable HTTP.

Tools are thin: each passes its arguments to the workspace API (sro.live.api), which validates them; the
result is one JSON document as text. A bad request or a failing query becomes a tool error (the
client sees `isError` and the one-line message), never a crash of the server.
"""

from __future__ import annotations

import json
from typing import Any

from sro.errors import SROError
from sro.live.access import Access

INSTRUCTIONS = ("SRO workspace: text datasets (BM25 search, read-only SQL) and a verified RDF knowledge graph "
                "(SPARQL, judged facts with quotes and scores). Start with `datasets` or `campaign_status`.")


def build(access: Access):
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer("sro", instructions=INSTRUCTIONS)

    async def call(name: str, **args: Any) -> str:
        try:
            found = await access.acall(name, {k: v for k, v in args.items() if v is not None})
            return json.dumps(found, ensure_ascii=False)
        except SROError as exc:
            raise ToolError(str(exc)) from None

    _tools(server, call)
    _resources(server, access, ToolError)
    return server


def _tools(server, call) -> None:
    """The tools: each one is a read of the workspace through `call` (Access.acall)."""

    @server.tool(structured_output=False)
    async def datasets() -> str:
        """Datasets in the workspace with their document and chunk counts."""
        return await call("datasets")

    @server.tool(structured_output=False)
    async def search(dataset: str, query: str, k: int = 10) -> str:
        """BM25 full-text search over a dataset's chunks; each hit is citable (doc_id, chunk_id, start, end)."""
        return await call("search", dataset=dataset, query=query, k=k)

    @server.tool(structured_output=False)
    async def sql(dataset: str, query: str, params: list | dict | None = None) -> str:
        """Read-only SQL over a dataset's snapshot (tables `documents`, `chunks`); bind values as `?` params."""
        return await call("sql", dataset=dataset, query=query, params=params)

    @server.tool(structured_output=False)
    async def sparql(query: str, bindings: dict[str, str] | None = None) -> str:
        """SPARQL SELECT/ASK/CONSTRUCT over the graph; bindings name -> value (<iri>, 42, "text"@en, text)."""
        return await call("sparql", query=query, bindings=bindings)

    @server.tool(structured_output=False)
    async def facts(entity: str | None = None, predicate: str | None = None, min_score: float = 0.0,
                    limit: int = 100) -> str:
        """Judged facts with quote, scores, the judge's reasons and source, best first."""
        return await call("facts", entity=entity, predicate=predicate, min_score=min_score, limit=limit)

    @server.tool(structured_output=False)
    async def judge(triples: list[dict[str, Any]], pipeline: str = "generic") -> str:
        """Judge triples extracted anywhere (the `sro judge` input: objects with id, subject, predicate, object,
        quote, text [title, doc_id, source_uri, kind, qualifiers]): verdict, score, per-axiom scores, reasons."""
        return await call("judge", triples=triples, pipeline=pipeline)

    @server.tool(structured_output=False)
    async def campaign_status(name: str | None = None) -> str:
        """All campaigns, or one with its research tree, status and spend."""
        return await call("campaign", name=name) if name else await call("campaigns")


def _resources(server, access: Access, ToolError) -> None:
    """The reports as resources: sro://reports lists them, sro://reports/<campaign> is one."""

    @server.resource("sro://reports", mime_type="application/json")
    async def reports() -> str:
        """Every campaign with the URI of its report (sro://reports/<campaign>)."""
        try:
            found = await access.acall("campaigns")
        except SROError as exc:
            raise ToolError(str(exc)) from None
        return json.dumps([{"campaign": c["campaign"], "status": c["status"], "question": c["question"],
                            "uri": f"sro://reports/{c['campaign']}"} for c in found], ensure_ascii=False)

    @server.resource("sro://reports/{campaign}", mime_type="text/markdown")
    async def report(campaign: str) -> str:
        """A campaign's report (runs/<campaign>/report.md)."""
        try:
            found = await access.acall("campaign", {"name": campaign})
        except SROError as exc:
            raise ToolError(str(exc)) from None
        return found["report"] or f"campaign {campaign} has no report yet"
