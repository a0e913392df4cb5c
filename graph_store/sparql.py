"""SPARQL helpers shared by the backends: safe bindings, syntax-error positions, timeouts, result formats.

Bindings: the embedded backend hands them to pyoxigraph as `substitutions` (SEP-0007). A remote endpoint
has no such API, so the values are joined in as a VALUES block placed first inside the WHERE group, written
only from validated RDF terms by `terms.sparql_term`; the query text is tokenised (strings, IRIs, comments
skipped) to find that group, never searched with a naive regex.
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from typing import Any, Callable, TypeVar

from pyoxigraph import (BlankNode, Literal, NamedNode, QueryResultsFormat, RdfFormat, Triple,
                        parse_query_results, serialize)

from graph_store.errors import InvalidTermError, QuerySyntaxError, QueryTimeout
from graph_store.model import QueryResult
from graph_store.terms import bind_value, sparql_term
from graph_store.vocab import PREFIXES

T = TypeVar("T")
VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
    |(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<var>[?$][A-Za-z0-9_]+)
    |(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>,;]*)?|:[^\s{}()<>,;]*)
    |(?P<punct>[{}()])
    |(?P<other>\S)""",
    re.VERBOSE | re.DOTALL,
)
_POS = re.compile(r"(?:error at |line )(\d+)[:, ]+(?:column )?(\d+)")


def check_bindings(bindings: dict[str, Any] | None) -> dict[str, NamedNode | Literal]:
    """Validate variable names and turn values into RDF terms."""
    out: dict[str, NamedNode | Literal] = {}
    for name, value in (bindings or {}).items():
        name = name.lstrip("?$")
        if not VARNAME.match(name):
            raise InvalidTermError(f"invalid SPARQL variable name {name!r}")
        try:
            out[name] = bind_value(value)
        except ValueError as exc:
            raise InvalidTermError(f"binding ?{name}: {exc}") from None
    return out


@lru_cache(maxsize=512)  # applications run the same query texts with new bindings (~30 us a tokenisation)
def _where_brace(query: str) -> int | None:
    """Offset of the '{' opening the query's WHERE group (None if the query has none, e.g. DESCRIBE <x>)."""
    form: str | None = None
    depth = parens = 0
    template_done = False
    prev = ""
    for m in _TOKEN.finditer(query):
        kind, text = m.lastgroup, m.group()
        if kind == "comment":
            continue
        if kind == "word" and depth == 0 and parens == 0 and form is None and text.upper() in _FORMS:
            form = text.upper()
        elif text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif text == "{":
            if depth == 0 and parens == 0 and form is not None:
                if form != "CONSTRUCT" or template_done:
                    return m.start()
                if prev == "WHERE":  # CONSTRUCT WHERE { triples }: no room for a VALUES block
                    raise InvalidTermError("bindings on a remote store need the CONSTRUCT {...} WHERE {...} form")
                template_done = True
            depth += 1
        elif text == "}":
            depth -= 1
        prev = text.upper()
    return None


_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@lru_cache(maxsize=512)
def uses_service(query: str) -> bool:
    """True when the query has a SERVICE clause (a keyword token: not inside a string, IRI, comment,
    variable or prefixed name). Federated queries make the engine fetch remote URLs, so they are refused
    unless the store allows them."""
    return any(m.lastgroup == "word" and m.group().upper() == "SERVICE" for m in _TOKEN.finditer(query))


def query_variables(query: str) -> list[str]:
    """The query's variable names in order of first appearance (strings, IRIs and comments skipped)."""
    seen: dict[str, None] = {}
    for m in _TOKEN.finditer(query):
        if m.lastgroup == "var":
            seen.setdefault(m.group()[1:], None)
    return list(seen)


@lru_cache(maxsize=512)
def star_columns(query: str) -> tuple[str, ...] | None:
    """For an outer `SELECT *` (or `SELECT DISTINCT|REDUCED *`), the variables in the order they first appear
    in the query, which is the column order SPARQL results conventionally have (the W3C CSV/TSV tests expect
    it; oxigraph sorts SELECT * columns by name). None for any other query."""
    words = [m.group().upper() for m in _TOKEN.finditer(query) if m.lastgroup in ("word", "other")]
    if "SELECT" not in words:
        return None
    after = [w for w in words[words.index("SELECT") + 1:][:2] if w not in ("DISTINCT", "REDUCED")]
    return tuple(query_variables(query)) if after[:1] == ["*"] else None


def in_query_order(result: QueryResult, query: str) -> QueryResult:
    """`result` with SELECT * columns in query order (see star_columns); other results unchanged."""
    order = star_columns(query) if result.kind == "select" else None
    if not order or list(order) == result.variables:
        return result
    rank = {name: i for i, name in enumerate(order)}
    columns = sorted(range(len(result.variables)), key=lambda i: rank.get(result.variables[i], len(rank) + i))
    result.variables = [result.variables[i] for i in columns]
    result.terms = [tuple(row[i] for i in columns) for row in result.terms]
    return result


def inject_values(query: str, bindings: dict[str, NamedNode | Literal]) -> str:
    """Return `query` with `VALUES (?a ?b) { (t1 t2) }` first inside its WHERE group."""
    if not bindings:
        return query
    names = " ".join(f"?{n}" for n in bindings)
    row = " ".join(sparql_term(t) for t in bindings.values())
    block = f" VALUES ({names}) {{ ({row}) }} "  # no newline: syntax-error line numbers stay the user's
    at = _where_brace(query)
    if at is None:
        return f"{query}\nWHERE {{{block}}}"
    return query[: at + 1] + block + query[at + 1:]


def syntax_error(exc: BaseException) -> QuerySyntaxError:
    msg = str(exc.args[0] if exc.args else exc)
    m = _POS.search(msg)
    line, col = (int(m.group(1)), int(m.group(2))) if m else (getattr(exc, "lineno", None), getattr(exc, "offset", None))
    return QuerySyntaxError(msg.split(": ", 1)[-1] if m else msg, line, col)


def run_with_timeout(fn: Callable[[Callable[[], bool] | None], T], timeout_s: float | None) -> T:
    """Run `fn(cancelled)` and raise QueryTimeout after `timeout_s` (without one, `cancelled` is None).

    pyoxigraph releases the GIL while evaluating, so the query runs in a worker thread; `fn` checks
    `cancelled()` between result rows and stops there. A single step that runs long (one big aggregate or
    sort) cannot be interrupted inside the engine: the caller gets QueryTimeout on time and the abandoned
    evaluation finishes in the background (stated in the README)."""
    if not timeout_s:
        return fn(None)
    cancel = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn(cancel.is_set)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name="sparql-query")
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        cancel.set()
        raise QueryTimeout(f"query exceeded its timeout of {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    return box["result"]


# --- result formats ------------------------------------------------------------------------------------
RESULT_FORMATS = {"json": QueryResultsFormat.JSON, "csv": QueryResultsFormat.CSV,
                  "tsv": QueryResultsFormat.TSV, "xml": QueryResultsFormat.XML}
GRAPH_FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES,
                 "jsonld": RdfFormat.JSON_LD, "rdfxml": RdfFormat.RDF_XML}


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def results_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON."""
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    rows = [{v: _json_term(t) for v, t in zip(result.variables, row) if t is not None} for row in result.terms]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": rows}}, ensure_ascii=False)


def short(term: Any) -> str:
    """Compact text for tables: prefixed IRIs, bare literal values."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        for p, ns in PREFIXES.items():
            if term.value.startswith(ns):
                return f"{p}:{term.value[len(ns):]}"
        return term.value
    return term.value if isinstance(term, (Literal, BlankNode)) else str(term)


def serialize_result(result: QueryResult, fmt: str) -> str:
    fmt = fmt.lower()
    if result.kind == "graph":
        rdf_fmt = GRAPH_FORMATS.get({"table": "turtle", "json": "jsonld"}.get(fmt, fmt))
        if rdf_fmt is None:
            raise InvalidTermError(f"unknown graph format {fmt!r}; use one of {sorted(GRAPH_FORMATS)}")
        return serialize(result.triples, format=rdf_fmt, prefixes=PREFIXES).decode("utf-8")
    if fmt == "table":
        if result.kind == "ask":
            return "true" if result.boolean else "false"
        lines = ["\t".join(result.variables)]
        lines += ["\t".join(short(t) for t in row) for row in result.terms]
        return "\n".join(lines)
    text = results_json(result)
    if fmt == "json":
        return text
    if fmt not in RESULT_FORMATS:
        raise InvalidTermError(f"unknown result format {fmt!r}; use table, json, csv, tsv or xml")
    parsed = parse_query_results(text, format=QueryResultsFormat.JSON)
    return parsed.serialize(format=RESULT_FORMATS[fmt]).decode("utf-8")
