"""graph_store's own error family (it must not import sro; sro maps these to SROError subclasses)."""

from __future__ import annotations


class GraphStoreError(Exception):
    """Base of every error graph_store raises on purpose; the message is meant for users."""


class QueryRefused(GraphStoreError):
    """A query the store will not run as configured (e.g. SERVICE while federated queries are disabled)."""


class InvalidTermError(GraphStoreError, ValueError):
    """An IRI, literal, language tag or variable name that is not valid RDF/SPARQL."""


class QuerySyntaxError(GraphStoreError):
    """A SPARQL query that does not parse; `line`/`column` locate the error when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"SPARQL syntax error{where}: {message}")
        self.line, self.column, self.reason = line, column, message


class QueryTimeout(GraphStoreError):
    """A query ran longer than its timeout."""


class ImportFailed(GraphStoreError):
    """An import file was refused; nothing was written. `line` is the 1-based line of the error when known."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")
        self.path, self.line, self.reason = path, line, message


class BackendError(GraphStoreError):
    """The store backend failed (disk, locked directory, HTTP endpoint unreachable or refusing)."""
