"""Remote backend: any SPARQL 1.1 query + update endpoint; the Graph Store Protocol where offered.

URL conventions: `http://host:7878` (Oxigraph server style) derives `/query`, `/update` and `/store`;
a URL ending in `/sparql` or `/query` is used as given (update at the same URL or `/update`); pass
`query_url`, `update_url`, `store_url` to override. The union default graph is requested with the
`union-default-graph` URL parameter (Oxigraph); for other servers configure it server-side (Fuseki
`tdb2:unionDefaultGraph`, GraphDB/Virtuoso settings) and pass `union_param=None`.
"""

from __future__ import annotations

import io
import time
from typing import Iterator

import httpx
from pyoxigraph import QueryResultsFormat, Quad, RdfFormat, parse, parse_query_results, serialize

from graph_store import vocab as v
from graph_store.base import BaseStore, insert_data, quad_text
from graph_store.embedded import collect
from graph_store.errors import BackendError, ImportFailed, QueryTimeout
from graph_store.model import QueryResult
from graph_store.provenance import QuadText, is_marker, nquads
from graph_store.sparql import inject_values, syntax_error

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
CHUNK = 50_000  # quads per write request: bounded request size
EXISTS_CHUNK = 500


class _StreamReader(io.RawIOBase):
    """A readable file over an httpx byte stream, so pyoxigraph can parse while bytes arrive."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._buf = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n], self._buf = self._buf[:n], self._buf[n:]
        return n


class RemoteStore(BaseStore):
    def __init__(self, url: str, *, query_url: str | None = None, update_url: str | None = None,
                 store_url: str | None = None, union_param: str | None = "union-default-graph",
                 timeout_s: float = 300.0):
        base = url.rstrip("/")
        if base.endswith(("/sparql", "/query")):
            default_q, default_u = base, (base[: -len("/query")] + "/update" if base.endswith("/query") else base)
            default_s = None
        else:
            default_q, default_u, default_s = base + "/query", base + "/update", base + "/store"
        self.location = base
        self.query_url, self.update_url = query_url or default_q, update_url or default_u
        self.store_url = store_url if store_url is not None else default_s
        self.union_param = union_param
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=10.0))

    # --- HTTP ---------------------------------------------------------------------------------------------
    def _post(self, url: str, **kwargs) -> httpx.Response:
        try:
            return self._http.post(url, **kwargs)
        except httpx.TimeoutException:
            raise
        except httpx.HTTPError as exc:
            raise BackendError(f"SPARQL endpoint {url} unreachable: {exc}") from None

    def _check(self, resp: httpx.Response, what: str, body: bytes | None = None) -> httpx.Response:
        text = body.decode("utf-8", "replace") if body is not None else resp.text
        if resp.status_code == 400:
            raise syntax_error(SyntaxError(text.strip()))
        if resp.status_code >= 300:
            raise BackendError(f"{what} failed at {resp.request.url}: HTTP {resp.status_code} {text[:300]}")
        return resp

    # --- primitives ---------------------------------------------------------------------------------------
    def _existing(self, iris: list[str], marker: str) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(iris), EXISTS_CHUNK):
            terms = " ".join(f"<{x}>" for x in iris[i:i + EXISTS_CHUNK] if v.ASSERTION_BASE in x)
            q = (f"SELECT ?x WHERE {{ VALUES ?x {{ {terms} }} GRAPH <{v.PROVENANCE_GRAPH_IRI}> "
                 f"{{ ?x <{v.RDF_NS}type> <{marker}> }} }}")
            found |= {row[0].value for row in self._run_query(q, {}, None, False).terms}
        return found

    def _insert(self, quads: list[QuadText]) -> None:
        # markers ("already stored") go last, so a failure between requests leaves facts a re-run rewrites
        quads = [q for q in quads if not is_marker(q)] + [q for q in quads if is_marker(q)]
        for i in range(0, len(quads), CHUNK):
            part = quads[i:i + CHUNK]
            if self.store_url:
                resp = self._post(self.store_url, content=nquads(part).encode("utf-8"),
                                  headers={"Content-Type": "application/n-quads"})
                if resp.status_code not in (404, 405, 415):
                    self._check(resp, "Graph Store POST")
                    continue
                self.store_url = None  # endpoint offers no Graph Store Protocol: use SPARQL Update from now on
            self._update(insert_data(part))

    def _update(self, sparql: str) -> None:
        resp = self._post(self.update_url, content=sparql.encode("utf-8"),
                          headers={"Content-Type": "application/sparql-update"})
        self._check(resp, "SPARQL update")

    def _run_query(self, sparql: str, bindings: dict, timeout_s: float | None, union: bool) -> QueryResult:
        text = inject_values(sparql, bindings)
        params = {self.union_param: ""} if union and self.union_param else None
        try:
            resp, body = self._fetch(text, params, timeout_s)
        except httpx.TimeoutException:
            raise QueryTimeout(f"query exceeded its timeout of {timeout_s:g} s" if timeout_s
                               else "query timed out at the endpoint's client timeout") from None
        except httpx.HTTPError as exc:
            raise BackendError(f"SPARQL endpoint {self.query_url} unreachable: {exc}") from None
        self._check(resp, "SPARQL query", body)
        ctype = resp.headers.get("content-type", "").split(";")[0].strip()
        if ctype in ("application/sparql-results+json", "application/json"):
            return collect(parse_query_results(body, format=QueryResultsFormat.JSON), None)
        fmt = RdfFormat.from_media_type(ctype)
        if fmt is None:
            raise BackendError(f"endpoint answered with unsupported content type {ctype!r}")
        return QueryResult(kind="graph", triples=[q.triple for q in parse(body, format=fmt)])

    def _fetch(self, text: str, params: dict | None, timeout_s: float | None) -> tuple[httpx.Response, bytes]:
        """POST the query and read the body against a total deadline: httpx's read timeout only bounds the
        gap between bytes, and a server streaming a huge result never leaves a gap. Closing the response
        drops the connection, which makes a streaming server stop."""
        deadline = time.monotonic() + timeout_s if timeout_s else None
        timeout = httpx.Timeout(timeout_s, connect=10.0) if timeout_s else httpx.USE_CLIENT_DEFAULT
        with self._http.stream("POST", self.query_url, data={"query": text}, params=params,
                               headers={"Accept": ACCEPT}, timeout=timeout) as resp:
            chunks = []
            for chunk in resp.iter_bytes():
                chunks.append(chunk)
                if deadline is not None and time.monotonic() > deadline:
                    raise httpx.ReadTimeout("total query deadline exceeded")
            return resp, b"".join(chunks)

    def iter_quads(self) -> Iterator[Quad]:
        if self.store_url:
            with self._http.stream("GET", self.store_url, headers={"Accept": "application/n-quads"}) as resp:
                if resp.status_code == 200:
                    reader = io.BufferedReader(_StreamReader(resp.iter_bytes()))
                    yield from parse(reader, format=RdfFormat.N_QUADS)
                    return
        # no Graph Store Protocol: one SELECT over every graph (materialised by the endpoint)
        res = self._run_query("SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                              {}, None, False)
        from pyoxigraph import DefaultGraph

        for s, p, o, g in res.terms:
            yield Quad(s, p, o, g if g is not None else DefaultGraph())

    def _load(self, path: str, fmt: str | None) -> int:
        from graph_store.io import parse_file

        quads = parse_file(path, fmt)  # whole file parsed first: a corrupt file never reaches the server
        if not quads:
            return 0
        try:
            if self.store_url:
                body = serialize(quads, format=RdfFormat.N_QUADS)
                resp = self._post(self.store_url, content=body, headers={"Content-Type": "application/n-quads"})
                if resp.status_code not in (404, 405, 415):
                    self._check(resp, "Graph Store POST")
                    return len(quads)
            self._update(insert_data([quad_text(q) for q in quads]))  # one request: atomic on the server
        except BackendError as exc:
            raise ImportFailed(str(exc), path) from None
        return len(quads)

    def close(self) -> None:
        self._http.close()

