"""One error family. The CLI prints these without a traceback and exits non-zero."""


class SROError(Exception):
    """Base of every error SRO raises on purpose; the message is meant for users."""

    exit_code = 1


class ConfigError(SROError):
    """Invalid or missing configuration (workspace file, environment, flags, specs)."""


class WorkspaceError(SROError):
    """The workspace cannot be opened or is locked by another process."""


class DatasetError(SROError):
    """Unknown dataset, bad query against a dataset, or a read-only violation."""


class IngestError(SROError):
    """An input file could not be ingested (with file and line where known)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(f"{where}{message}")
        self.file, self.line, self.reason = file, line, message


class LLMError(SROError):
    """A model call failed after retries, or no model is configured for a role."""


class LLMAuthError(LLMError):
    """The provider rejected the key, or the key's variable is not set: never retried."""

    exit_code = 4


class LLMConnectionError(LLMError):
    """Nothing answers at the model's address (connection refused, unknown host): never retried."""

    exit_code = 5


class BudgetExceeded(SROError):
    """A call was refused before it was sent because it would exceed a budget."""

    exit_code = 3


class SandboxError(SROError):
    """The RLM sandbox could not run model code (violation, timeout, crash)."""


class ExtractionError(SROError):
    """Extraction or judging failed in a way the caller must handle."""


class GraphError(SROError):
    """Graph store errors raised from the sro side (graph_store has its own family)."""


class CampaignError(SROError):
    """Invalid campaign spec or a campaign that cannot be run or resumed."""
