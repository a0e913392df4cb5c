"""Conversions between model terms, pyoxigraph terms and plain Python values, and the one place where an
RDF term is written as SPARQL text (for remote VALUES blocks and INSERT DATA).

Why a hand-written SPARQL term writer: SPARQL processes \\uXXXX escapes *before* parsing (SPARQL 1.1 §19.2), so
a value may never be written with \\u escapes (a `\\u0022` would become a raw quote and end the string).
We emit only the ECHAR escapes (\\" \\\\ \\n \\r \\t \\b \\f), and a backslash followed by `u`/`U` is written as
`\\\\` + `\\u0075`, which reads back as the original two characters whether the server un-escapes in a
pre-pass or in its string lexer.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from graph_store.errors import InvalidTermError
from graph_store.model import XSD, Iri, Lit, Term, check_iri, LANG_RE

OxTerm = NamedNode | Literal | BlankNode | Triple
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_ECHAR = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def to_ox(term: Term) -> NamedNode | Literal:
    if isinstance(term, Iri):
        return NamedNode(term.value)
    if term.lang:
        return Literal(term.value, language=term.lang)
    if term.datatype and term.datatype != XSD_STRING:
        return Literal(term.value, datatype=NamedNode(term.datatype))
    return Literal(term.value)


def from_ox(term: OxTerm) -> Term:
    if isinstance(term, NamedNode):
        return Iri(value=term.value)
    if isinstance(term, Literal):
        if term.language:
            return Lit(value=term.value, lang=term.language)
        dt = term.datatype.value
        return Lit(value=term.value, datatype=None if dt == XSD_STRING else dt)
    raise InvalidTermError(f"cannot convert {term!r} to a model term")


def python_value(term: OxTerm | None) -> Any:
    """A plain value for rows: IRI and strings as str, numbers as int/Decimal/float, booleans as bool."""
    if term is None:
        return None
    if isinstance(term, Literal):
        dt = term.datatype.value
        try:
            if dt in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
                return int(term.value)
            if dt == XSD + "decimal":
                return Decimal(term.value)
            if dt in (XSD + "double", XSD + "float"):
                return float(term.value)
            if dt == XSD + "boolean":
                return term.value in ("true", "1")
        except ValueError:
            pass
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value


def bind_value(value: Any) -> NamedNode | Literal:
    """Turn a user binding into an RDF term. Strings are plain literals; use Iri(...) or an `<...>` string
    (only through `parse_binding`) for IRIs; ints/floats/bools/Decimals get their xsd datatype."""
    if isinstance(value, (NamedNode, Literal)):
        return value
    if isinstance(value, (Iri, Lit)):
        return to_ox(value)
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode(XSD + "integer"))
    if isinstance(value, Decimal):
        return Literal(str(value), datatype=NamedNode(XSD + "decimal"))
    if isinstance(value, float):
        return Literal(repr(value), datatype=NamedNode(XSD + "double"))
    if isinstance(value, str):
        return Literal(value)
    raise InvalidTermError(f"cannot bind a {type(value).__name__} value; use str, int, float, Iri or Lit")


def parse_binding(text: str) -> NamedNode | Literal:
    """CLI `--bind name=value` syntax: `<iri>` is an IRI, `"x"@en` / `"x"^^<dt>` typed, bare numbers are
    numbers, anything else a plain string literal."""
    if text.startswith("<") and text.endswith(">"):
        return NamedNode(check_iri(text[1:-1]))
    for cast in (int, Decimal):
        try:
            return bind_value(cast(text))
        except (ValueError, ArithmeticError):
            pass
    if text.startswith('"'):
        lit = _ntriples_literal(text)
        if lit is not None:
            return lit
    return Literal(text)


def _ntriples_literal(text: str) -> Literal | None:
    """Read `"..."`, `"..."@lang` or `"..."^^<dt>` with N-Triples escapes using pyoxigraph's parser; the
    result must be exactly one literal object, else the text is not a literal (and is taken as plain text)."""
    try:
        quads = list(parse(f"<urn:x:s> <urn:x:p> {text} .", format=RdfFormat.N_TRIPLES))
    except SyntaxError:
        return None
    if len(quads) != 1 or not isinstance(quads[0].object, Literal):
        return None
    return quads[0].object


_BACKSLASH_U = re.compile(r"\\\\([uU])")  # an escaped backslash followed by u/U after escaping
_NEEDS_ESCAPE = re.compile("[" + re.escape("".join(_ECHAR)) + "]")
_ECHAR_AFTER_BACKSLASH = [c for c in _ECHAR if c != "\\"]


def sparql_string(text: str) -> str:
    """A double-quoted string valid in SPARQL *and* N-Triples/N-Quads: ECHAR escapes only; a backslash that
    precedes u/U is followed by the escaped letter (\\u0075), so no \\uXXXX sequence ever appears."""
    if _NEEDS_ESCAPE.search(text) is None:  # most text: a regex scan is ~3x faster than translate
        return f'"{text}"'
    body = text.replace("\\", "\\\\")  # the backslash first: the escapes below add backslashes
    for char in _ECHAR_AFTER_BACKSLASH:  # str.replace per character: several times faster than translate
        if char in body:
            body = body.replace(char, _ECHAR[char])
    if "\\u" in body or "\\U" in body:
        body = _BACKSLASH_U.sub(lambda m: "\\\\" + ("\\u0075" if m.group(1) == "u" else "\\u0055"), body)
    return f'"{body}"'


def lit_text(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    """Text of a literal whose datatype IRI / language tag were validated by the model."""
    body = sparql_string(value)
    if lang:
        return f"{body}@{lang}"
    return body if not datatype or datatype == XSD_STRING else f"{body}^^<{datatype}>"


def term_text(term: Term) -> str:
    return f"<{term.value}>" if isinstance(term, Iri) else lit_text(term.value, term.datatype, term.lang)


def sparql_term(term: OxTerm) -> str:
    """SPARQL text for a validated term (IRIs re-checked; blank nodes refused: they mean nothing remotely)."""
    if isinstance(term, NamedNode):
        return f"<{check_iri(term.value)}>"
    if isinstance(term, Literal):
        body = sparql_string(term.value)
        if term.language:
            if not LANG_RE.match(term.language):
                raise InvalidTermError(f"invalid language tag {term.language!r}")
            return f"{body}@{term.language}"
        dt = term.datatype.value
        return body if dt == XSD_STRING else f"{body}^^<{check_iri(dt)}>"
    if isinstance(term, Triple):
        return f"<< {sparql_term(term.subject)} {sparql_term(term.predicate)} {sparql_term(term.object)} >>"
    raise InvalidTermError(f"cannot write {term!r} into SPARQL (blank nodes cannot be bound remotely)")
