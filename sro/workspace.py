"""The one facade that opens a workspace and wires the stages.

A workspace directory holds everything a campaign needs to be stopped and resumed:
`sro.toml` (config), `sro.duckdb` (datasets, chunks, FTS, campaign state, candidates, judgments, LLM cache,
ledger), `graph/` (embedded RDF store) and `runs/<campaign>/`. Stages are built lazily so that a command
touching only datasets never imports litellm, spaCy or pyoxigraph.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sro.config import Settings, layered, load_settings
from sro.errors import CampaignError, WorkspaceError

if TYPE_CHECKING:  # imported lazily at run time
    import duckdb

    from graph_store import GraphStore
    from pipelines import Pipeline
    from sro.data.store import DatasetStore
    from sro.llm.client import LLMClient

DB_FILE = "sro.duckdb"


def private(path: Path) -> None:
    """Owner-only access: datasets, notes, the LLM cache and the graph are nobody else's to read (the
    sandbox child runs under another uid and must not read them even if it escaped every other layer)."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        path.chmod(mode & 0o700)


def writable(root: Path) -> bool:
    """Whether this process may change the workspace (its folder, database and graph store)."""
    paths = [root, root / DB_FILE, root / "graph"]
    return all(os.access(p, os.W_OK) for p in paths if p.exists())


class Workspace:
    def __init__(self, settings: Settings, overrides: dict[str, Any] | None = None,
                 spec_models: dict[str, Any] | None = None):
        self.settings = settings
        self.overrides = overrides or {}  # what it was opened with: flags (and an offline spec's blanks)
        self.spec_models = spec_models or {}  # and a campaign spec's models, the lowest layer
        self.root = Path(settings.workspace)
        self._lock = threading.RLock()
        self.read_only = self.root.is_dir() and not writable(self.root)

    @classmethod
    def open(cls, path: Path | str | None = None, overrides: dict[str, Any] | None = None, *,
             create: bool = True, spec_models: dict[str, Any] | None = None) -> "Workspace":
        """Open a workspace; with create=False (read-only commands) a missing directory is an error,
        so a mistyped --workspace is never mistaken for an empty one. `overrides` are flags, `spec_models` a
        campaign spec's models (sro.config.load_settings: flags > environment > sro.toml > spec)."""
        settings = load_settings(path, overrides, spec_models)
        root = Path(settings.workspace)
        if not create and not root.is_dir():
            raise WorkspaceError(f"no workspace at {root}: check --workspace / SRO_WORKSPACE, or create one "
                                 "with `sro ingest` or `sro run`")
        if create and root.is_dir() and not writable(root):
            raise WorkspaceError(f"workspace {root} is read-only: it can be searched, queried and exported, "
                                 "not changed")
        try:
            root.mkdir(parents=True, exist_ok=True)
            if writable(root):
                private(root)
        except OSError as exc:
            raise WorkspaceError(f"cannot create workspace {root}: {exc.strerror}") from None
        return cls(settings, overrides, spec_models)

    def adopt_spec_models(self, spec_models: dict[str, Any], forced: dict[str, Any] | None = None) -> None:
        """A campaign spec's models (the lowest layer) and its forced values (`offline: true`, under the flags
        the workspace was opened with), resolved by `load_settings` (the one place settings are merged) into a
        new frozen Settings. A no-op when the workspace was opened with them (`sro run` does); refused once the
        LLM client, built from the old settings, exists."""
        overrides = layered(forced, self.overrides)
        settings = load_settings(self.root, overrides, spec_models)
        if settings == self.settings:
            return
        if "llm" in self.__dict__:
            raise CampaignError("open the workspace with the spec's model overrides (its LLM client already exists)")
        self.settings, self.overrides, self.spec_models = settings, overrides, spec_models

    # --- storage -----------------------------------------------------------------------------
    @cached_property
    def db(self) -> "duckdb.DuckDBPyConnection":
        """The workspace's DuckDB connection. Threads must use `self.db.cursor()`."""
        from sro.data.db import connect

        path = self.root / DB_FILE
        if self.read_only and not path.exists():
            raise WorkspaceError(f"workspace {self.root} is read-only and has no {DB_FILE} to read")
        con = connect(path, read_only=self.read_only)
        if not self.read_only:
            private(path)
        return con

    @cached_property
    def graph(self) -> "GraphStore":
        from graph_store import open_store

        store = open_store(self.settings.graph_url or str(self.root / "graph"), read_only=self.read_only)
        store.allow_service = self.settings.sparql_service
        if not self.settings.graph_url and not self.read_only:
            private(self.root / "graph")
        return store

    def run_dir(self, campaign: str) -> Path:
        path = self.root / "runs" / campaign
        path.mkdir(parents=True, exist_ok=True)
        private(self.root / "runs")
        return path

    # --- stages ------------------------------------------------------------------------------
    @cached_property
    def datasets(self) -> "DatasetStore":
        from sro.data.store import DatasetStore

        return DatasetStore(self.db, self.settings, read_only=self.read_only)

    @cached_property
    def llm(self) -> "LLMClient":
        from sro.llm.client import LLMClient

        return LLMClient.for_connection(self.db, self.settings)

    def pipeline(self, name: str) -> "Pipeline":
        from pipelines import load_pipeline

        return load_pipeline(name)

    # --- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        llm = self.__dict__.pop("llm", None)
        if llm is not None:  # flush buffered cache/ledger rows before the db closes
            llm.close()
        for name in ("graph", "db"):
            value = self.__dict__.pop(name, None)
            if value is not None:
                value.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
