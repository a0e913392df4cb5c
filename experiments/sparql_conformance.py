"""Run the W3C SPARQL 1.1 query-evaluation tests through graph_store's query path (embedded backend).

Reads manifest-sparql11-query.ttl and manifest-sparql11-results.ttl (and their includes) with rdflib. Each
QueryEvaluationTest gets a fresh in-memory store with its qt:data in the default graph and each qt:graphData in
a named graph (named by its file IRI); the query runs through `store.query(..., union_default_graph=False)`
(standard SPARQL dataset semantics) and its result is compared with the expected one: solution multisets
with blank-node isomorphism (row order is not checked; expected solutions may also be written in the RDF
result-set vocabulary), booleans, graphs by rdflib isomorphism, CSV result tests by our own serialisation read
back cell by cell (blank-node labels up to renaming, numbers by value). Syntax tests check that the query parses / is refused with QuerySyntaxError.
Failures are listed by folder with their reason; nothing is hidden.

Usage: python experiments/sparql_conformance.py [--suite DIR]
Writes experiments/results/sparql_conformance.json and prints one summary line.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from decimal import Decimal
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import unquote, urlparse

from common import write_result  # noqa: E402

import rdflib  # noqa: E402
from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, RdfFormat, parse_query_results  # noqa: E402
from rdflib.collection import Collection  # noqa: E402
from rdflib.compare import isomorphic  # noqa: E402

from graph_store import QuerySyntaxError, open_store  # noqa: E402
from graph_store.io import from_rdflib_term, to_rdflib_term  # noqa: E402

SUITE = Path("/work/shared/data/sparql/w3c-sparql11-tests")
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
RS = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
DAWGT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
EVAL_TYPES = {MF.QueryEvaluationTest, MF.CSVResultFormatTest}
SYNTAX_TYPES = {MF.PositiveSyntaxTest11: True, MF.NegativeSyntaxTest11: False,
                MF.PositiveSyntaxTest: True, MF.NegativeSyntaxTest: False}
RESULT_FORMATS = {".srx": QueryResultsFormat.XML, ".srj": QueryResultsFormat.JSON, ".tsv": QueryResultsFormat.TSV}
TIMEOUT_S = 20.0


def path_of(iri: rdflib.term.Node) -> Path:
    return Path(unquote(urlparse(str(iri)).path))


def manifests(top: Path) -> list[Path]:
    g = rdflib.Graph().parse(top, format="turtle", publicID=top.as_uri())
    out = []
    for lst in g.objects(None, MF.include):
        out += [path_of(m) for m in Collection(g, lst)]
    return out or [top]


def tests_of(manifest: Path):
    g = rdflib.Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    for lst in g.objects(None, MF.entries):
        for test in Collection(g, lst):
            yield g, test


# --- comparing results ----------------------------------------------------------------------------------
def _rows(variables: list[str], terms: list[tuple]) -> list[dict]:
    return [{v: t for v, t in zip(variables, row) if t is not None} for row in terms]


XSD = "http://www.w3.org/2001/XMLSchema#"
VALUE_TYPES = {XSD + t for t in ("integer", "decimal", "double", "float", "boolean", "int", "long", "short", "byte",
                                 "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                 "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


def same_term(e, a) -> bool:
    """RDF term equality, except that numeric/boolean literals of the same datatype compare by value: the
    engine stores canonical lexical forms ("1.0"^^xsd:decimal is kept as "1"), which is the same literal value."""
    if e == a:
        return True
    if not (isinstance(e, Literal) and isinstance(a, Literal)) or e.datatype != a.datatype:
        return False
    if e.datatype.value not in VALUE_TYPES:
        return False
    try:
        r_e, r_a = rdflib.Literal(e.value, datatype=e.datatype.value), rdflib.Literal(a.value, datatype=a.datatype.value)
        return r_e.eq(r_a) if r_e.value is not None and r_a.value is not None else False
    except Exception:
        return False


def _key(term) -> str:
    # numeric literals keyed by value so canonical lexical forms match (see same_term)
    if isinstance(term, Literal) and term.datatype.value in VALUE_TYPES:
        lit = rdflib.Literal(term.value, datatype=term.datatype.value)
        if lit.value is not None:
            value = lit.value if isinstance(lit.value, bool) else Decimal(str(lit.value)).normalize()
            return f"{term.datatype.value}|{value}"
    return str(term)


def _match(expected: list[dict], actual: list[dict], mapping: dict, used: set) -> bool:
    """Backtracking multiset match with a consistent blank-node bijection."""
    if not expected:
        return True
    exp, rest = expected[0], expected[1:]
    for i, act in enumerate(actual):
        if i in used or exp.keys() != act.keys():
            continue
        new = dict(mapping)
        ok = True
        for k, e in exp.items():
            a = act[k]
            if isinstance(e, BlankNode) and isinstance(a, BlankNode):
                if new.get(("e", e.value), a.value) != a.value or new.get(("a", a.value), e.value) != e.value:
                    ok = False
                    break
                new[("e", e.value)], new[("a", a.value)] = a.value, e.value
            elif not same_term(e, a):
                ok = False
                break
        if ok and _match(rest, actual, new, used | {i}):
            return True
    return False


def same_solutions(expected: list[dict], actual: list[dict]) -> bool:
    if len(expected) != len(actual):
        return False
    has_bnodes = any(isinstance(t, BlankNode) for row in expected + actual for t in row.values())
    if not has_bnodes:
        key = lambda rows: Counter(frozenset((k, _key(v)) for k, v in r.items()) for r in rows)  # noqa: E731
        return key(expected) == key(actual)
    return _match(expected, actual, {}, set())


def result_set_rows(path: Path) -> list[dict]:
    """Solutions written in the RDF result-set vocabulary (rs:ResultSet / rs:solution / rs:binding)."""
    g = rdflib.Graph().parse(path, publicID=path.as_uri())
    rows = []
    for solution in g.objects(None, RS.solution):
        rows.append({str(g.value(b, RS.variable)): from_rdflib_term(g.value(b, RS.value))
                     for b in g.objects(solution, RS.binding)})
    return rows


def same_csv(expected: str, actual: str) -> bool:
    """CSV results, row by row: cells equal, blank-node labels equal up to a consistent renaming (CSV has
    only labels), numbers equal by value (the engine keeps canonical lexical forms, see same_term)."""
    rows_e, rows_a = list(csv.reader(io.StringIO(expected))), list(csv.reader(io.StringIO(actual)))
    if len(rows_e) != len(rows_a) or rows_e[:1] != rows_a[:1]:
        return False
    labels: dict[str, str] = {}
    for row_e, row_a in zip(rows_e[1:], rows_a[1:]):
        if len(row_e) != len(row_a):
            return False
        for e, a in zip(row_e, row_a):
            if e == a or _same_number(e, a):
                continue
            if not (e.startswith("_:") and a.startswith("_:")) or labels.setdefault(e, a) != a:
                return False
    return len(set(labels.values())) == len(labels)


def _same_number(e: str, a: str) -> bool:
    try:
        return float(e) == float(a) and any(c.isdigit() for c in e)
    except ValueError:
        return False


# --- one test -------------------------------------------------------------------------------------------
def load_dataset(store, g: rdflib.Graph, action) -> None:
    raw = store.raw
    for data in g.objects(action, QT.data):
        p = path_of(data)
        raw.load(path=str(p), format=RdfFormat.from_extension(p.suffix[1:]), base_iri=p.as_uri())
    for data in g.objects(action, QT.graphData):
        p = path_of(data)
        raw.load(path=str(p), format=RdfFormat.from_extension(p.suffix[1:]), base_iri=p.as_uri(),
                 to_graph=NamedNode(p.as_uri()))


def run_eval(g: rdflib.Graph, test, kind) -> tuple[str, str]:
    action = g.value(test, MF.action)
    query_path = path_of(g.value(action, QT.query))
    result_path = path_of(g.value(test, MF.result))
    if g.value(action, QT.serviceData) is not None:
        return "skipped", "needs SERVICE endpoints (network)"
    store = open_store(None)
    load_dataset(store, g, action)
    query = f"BASE <{query_path.as_uri()}>\n" + query_path.read_text(encoding="utf-8")
    try:
        res = store.query(query, timeout_s=TIMEOUT_S, union_default_graph=False)
    except Exception as exc:  # every engine error is a failure with its message
        return "failed", f"{type(exc).__name__}: {str(exc)[:200]}"
    if kind == MF.CSVResultFormatTest or result_path.suffix == ".csv":
        fmt = "csv" if result_path.suffix == ".csv" else "tsv"
        ok = same_csv(result_path.read_text(encoding="utf-8"), res.serialize(fmt))
        return ("passed", "") if ok else ("failed", f"{fmt} serialisation differs")
    if result_path.suffix in (".ttl", ".rdf") and "ResultSet" in result_path.read_text(errors="ignore"):
        if res.kind != "select":
            return "failed", f"expected a solution table, got {res.kind}"
        expected = result_set_rows(result_path)
        ok = same_solutions(expected, _rows(res.variables, res.terms))
        return ("passed", "") if ok else ("failed", f"solutions differ ({len(expected)} expected, {len(res)} got)")
    if result_path.suffix in RESULT_FORMATS:
        exp = parse_query_results(path=str(result_path), format=RESULT_FORMATS[result_path.suffix])
        if hasattr(exp, "variables"):
            names = [v.value for v in exp.variables]
            expected = _rows(names, [tuple(sol[i] for i in range(len(names))) for sol in exp])
            if res.kind != "select":
                return "failed", f"expected a solution table, got {res.kind}"
            ok = same_solutions(expected, _rows(res.variables, res.terms))
            return ("passed", "") if ok else ("failed", f"solutions differ ({len(expected)} expected, {len(res)} got)")
        ok = res.kind == "ask" and bool(exp) == res.boolean
        return ("passed", "") if ok else ("failed", f"boolean differs (expected {bool(exp)})")
    expected_graph = rdflib.Graph().parse(result_path, publicID=result_path.as_uri())
    got = rdflib.Graph()
    for t in res.triples:
        got.add((to_rdflib_term(t.subject), to_rdflib_term(t.predicate), to_rdflib_term(t.object)))
    return ("passed", "") if isomorphic(expected_graph, got) else ("failed", "graph not isomorphic")


def run_syntax(g: rdflib.Graph, test, positive: bool) -> tuple[str, str]:
    action = path_of(g.value(test, MF.action))
    store = open_store(None)
    try:
        store.query(f"BASE <{action.as_uri()}>\n" + action.read_text(encoding="utf-8"), timeout_s=TIMEOUT_S)
        return ("passed", "") if positive else ("failed", "invalid query accepted")
    except QuerySyntaxError as exc:
        return ("failed", f"valid query refused: {exc}"[:200]) if positive else ("passed", "")
    except Exception as exc:
        return ("passed", "") if positive else ("failed", f"refused with {type(exc).__name__}, not a syntax error")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suite", type=Path, default=SUITE)
    args = ap.parse_args()
    if not args.suite.exists():
        sys.exit(f"sparql_conformance: {args.suite} not present")
    start = time.time()
    evals = Counter()
    syntax = Counter()
    failures: dict[str, list[dict]] = defaultdict(list)
    skipped: dict[str, list[dict]] = defaultdict(list)
    for top in ("manifest-sparql11-query.ttl", "manifest-sparql11-results.ttl"):
        for manifest in manifests(args.suite / top):
            folder = manifest.parent.name
            for g, test in tests_of(manifest):
                kinds = set(g.objects(test, rdflib.RDF.type))
                name = str(g.value(test, MF.name) or test)
                if g.value(test, DAWGT.approval) == DAWGT.Withdrawn:
                    continue
                if kinds & EVAL_TYPES:
                    status, why = run_eval(g, test, next(iter(kinds & EVAL_TYPES)))
                    counter = evals
                elif kinds & set(SYNTAX_TYPES):
                    status, why = run_syntax(g, test, SYNTAX_TYPES[next(iter(kinds & set(SYNTAX_TYPES)))])
                    counter = syntax
                else:
                    continue
                counter[status] += 1
                if status == "failed":
                    failures[folder].append({"test": name, "kind": "syntax" if counter is syntax else "eval",
                                             "reason": why})
                elif status == "skipped":
                    skipped[folder].append({"test": name, "reason": why})
    result = {
        "suite": str(args.suite),
        "engine": "graph_store EmbeddedStore (pyoxigraph) via store.query(union_default_graph=False)",
        "passed": evals["passed"], "failed": evals["failed"], "skipped": evals["skipped"],
        "total": sum(evals.values()),
        "syntax_tests": {"passed": syntax["passed"], "failed": syntax["failed"], "total": sum(syntax.values())},
        "notes": "row order is not compared (ORDER BY tests pass on the multiset of solutions); CSV cells compare "
                 "blank-node labels up to renaming and numbers by value; every failure is listed below, none "
                 "hidden; docs/sparql-conformance.md traces each to the engine with a minimal query",
        "failures_by_folder": dict(failures),
        "skipped_by_folder": dict(skipped),
        "seconds": round(time.time() - start, 1),
    }
    out = write_result("sparql_conformance", result, ensure_ascii=False)
    print(f"sparql_conformance: {result['passed']}/{result['total']} evaluation tests passed, {result['failed']} failed, "
          f"{result['skipped']} skipped; syntax {syntax['passed']}/{sum(syntax.values())} -> {out}")


if __name__ == "__main__":
    main()
