"""CLI glue for graph_store: `sro query`, `sro export`, `sro graph stats`, `sro graph import`.

graph_store has its own error family (it never imports sro); here those errors become GraphError so the CLI
prints them without a traceback and exits non-zero.
"""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from sro.console import JSON_HELP, console, err_console, print_json, print_table
from sro.commands.workspace import workspace_of
from sro.errors import GraphError

graph_app = typer.Typer(help="Inspect and load the RDF graph.", no_args_is_help=True)
STORE_OPT = typer.Option(None, "--store", help="Graph store: a directory or http(s) SPARQL endpoint URL "
                         "(default: the workspace's store, or SRO_GRAPH_URL).")


@contextmanager
def _graph_errors() -> Iterator[None]:
    from pydantic import ValidationError

    from graph_store import GraphStoreError

    try:
        yield
    except GraphStoreError as exc:
        raise GraphError(str(exc)) from None
    except ValidationError as exc:
        raise GraphError(str(exc)) from None
    except (OSError, RuntimeError) as exc:  # the engine's own failures (disk, lock, connection)
        raise GraphError(f"graph store: {' '.join(str(exc).split()) or type(exc).__name__}") from None


@contextmanager
def _open(ctx: typer.Context, store: Optional[str], create: bool = False) -> Iterator[object]:
    """The store, closed afterwards; graph_store errors raised in the with-block become GraphError.
    Only `graph import` creates a store (or workspace) that does not exist yet."""
    with _graph_errors():
        if store:
            from graph_store import open_store

            if not create and "://" not in store and not Path(store).is_dir():
                raise GraphError(f"no graph store at {store}: check --store")

            s = open_store(store)
            try:
                yield s
            finally:
                s.close()
            return
        ws = workspace_of(ctx, create=create)
        try:
            yield ws.graph
        finally:
            ws.close()


def _bindings(pairs: list[str], sparql: str) -> dict:
    """--bind values as RDF terms; a variable the query never mentions, or a value that starts like an IRI
    or a quoted literal but is not one, is an error rather than a silently ignored or re-typed binding."""
    from graph_store.sparql import query_variables
    from graph_store.terms import parse_binding

    out, mentioned = {}, set(query_variables(sparql))
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not name:
            raise GraphError(f"--bind expects name=value, got {pair!r}")
        if name not in mentioned:
            raise GraphError(f"--bind {name}: the query has no variable ?{name}")
        with _graph_errors():
            term = parse_binding(value)
        if value.startswith(("<", '"')) and type(term).__name__ == "Literal" and term.value == value:
            kind = "IRI (<...>)" if value.startswith("<") else 'literal ("text", "text"@lang or "text"^^<datatype>)'
            raise GraphError(f"--bind {name}: {value!r} is not a valid {kind}")
        out[name] = term
    return out


_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
                     r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)


def _refuse_update(sparql: str) -> None:
    """`sro query` only reads: an update gets a message saying how the graph is changed instead."""
    text = re.sub(r"(<[^<>\s]*>)|#[^\n]*", lambda m: m.group(1) or "", sparql)  # comments, not IRIs' '#' 
    found = _UPDATE.match(text)
    if found:
        raise GraphError(f"`sro query` runs read-only queries; {found.group(1).upper()} is a SPARQL update. "
                         "Change the graph with `sro graph import FILE`, `sro extract` or `sro run`")


def query_cmd(
    ctx: typer.Context,
    sparql: Optional[str] = typer.Argument(None, help="SPARQL query text (or use --file)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Read the query from a .rq file."),
    fmt: str = typer.Option("table", "--format", help="table | csv | tsv | json (graphs: turtle | ntriples | jsonld)"),
    bind: List[str] = typer.Option([], "--bind", help="name=value; <iri>, 42, 4.5, \"text\"@en or plain text. "
                                   "Repeatable. Values are bound as RDF terms, never spliced into the query."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Give up after this many seconds."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP + " Same as --format json."),
    store: Optional[str] = STORE_OPT,
) -> None:
    """Run a SPARQL query (SELECT / ASK / CONSTRUCT / DESCRIBE). The default graph is the union of all graphs."""
    if file is not None:
        try:
            sparql = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise GraphError(f"cannot read {file}: {exc.strerror}") from None
    if not sparql:
        raise GraphError("give a query as an argument or with --file")
    fmt = "json" if as_json else fmt.lower()
    _refuse_update(sparql)
    bindings = _bindings(bind, sparql)
    with _open(ctx, store) as s:
        result = s.query(sparql, bindings=bindings, timeout_s=timeout)
        if fmt == "table" and result.kind == "select":
            from graph_store.sparql import short

            rows = [{v: short(t) for v, t in zip(result.variables, row)} for row in result.terms]
            print_table(rows, result.variables)
            err_console.print(f"{len(rows)} row(s)")
        else:
            sys.stdout.write(result.serialize(fmt) + "\n")


def export_cmd(
    ctx: typer.Context,
    fmt: str = typer.Option("trig", "--format", help="trig | nquads | turtle | ntriples | jsonld"),
    output: str = typer.Option(..., "--output", "-o", help="Output file ('-' for stdout)."),
    min_score: Optional[float] = typer.Option(None, "--min-score", help="Only facts with sro:score >= this."),
    campaign: Optional[str] = typer.Option(None, "--campaign", help="Only facts (and sources) of this campaign."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    store: Optional[str] = STORE_OPT,
) -> None:
    """Stream the graph to a file. Flat formats keep provenance by reifying each fact with its assertion IRI."""
    with _open(ctx, store) as s:
        if output == "-":
            n = s.export(fmt, sys.stdout.buffer, min_score=min_score, campaign=campaign)
            sys.stdout.flush()
        else:
            n = _export_file(s, fmt, Path(output), min_score=min_score, campaign=campaign)
    summary = {"format": fmt, "output": output, "statements": n}
    if as_json:
        print_json(summary)
    elif output != "-":
        console.print(f"wrote {n} statements as {fmt} to {output}")


def _export_file(store, fmt: str, output: Path, **filters) -> int:
    """Write next to `output`, then rename: a failed or killed export never leaves a half file under its name."""
    if not output.parent.is_dir():
        raise GraphError(f"cannot write {output}: the folder {output.parent} does not exist")
    tmp = output.with_name(f".{output.name}.partial")
    try:
        with open(tmp, "wb") as out:
            n = store.export(fmt, out, **filters)
        os.replace(tmp, output)
    except OSError as exc:
        raise GraphError(f"cannot write {output}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return n


@graph_app.command("stats")
def stats_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    store: Optional[str] = STORE_OPT,
) -> None:
    """Counts: quads, facts (assertions), sources (evidence), documents, campaigns, entities, predicates."""
    with _open(ctx, store) as s:
        stats = s.stats()
    if as_json:
        print_json(stats)
    else:
        print_table([{"key": k, "value": v} for k, v in stats.items()], ["key", "value"], title="graph")
        if not stats["quads"]:
            err_console.print("The graph is empty: `sro run` a campaign, `sro extract` a dataset, or "
                              "`sro graph import` a file (is --workspace / --store the one you meant?)")


@graph_app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="RDF file: trig, nq, ttl, nt, jsonld, rdf/xml, n3, or any rdflib format."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Format name when the extension does not say."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    store: Optional[str] = STORE_OPT,
) -> None:
    """Load a file in one transaction: a corrupt file is refused with its line and nothing is written."""
    with _open(ctx, store, create=True) as s:
        n = s.import_file(str(file), fmt)
    if as_json:
        print_json({"file": str(file), "quads": n})
    else:
        console.print(f"imported {n} quads from {file}")


@graph_app.command("optimize")
def optimize_cmd(ctx: typer.Context, store: Optional[str] = STORE_OPT) -> None:
    """Compact the embedded store after large loads (lookups get faster); a no-op for remote endpoints."""
    with _open(ctx, store) as s:
        s.optimize()
    console.print("graph store compacted")


def register(app: typer.Typer) -> None:
    app.command("query")(query_cmd)
    app.command("export")(export_cmd)
    app.add_typer(graph_app, name="graph")
