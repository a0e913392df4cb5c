"""One error family and the exit codes of the CLI. The CLI prints errors as one line, without a traceback."""

from enum import IntEnum


class ExitCode(IntEnum):
    """What every `sro` command exits with (the README's table lists the same)."""

    OK = 0
    ERROR = 1  # failed: bad input, unknown dataset, graph or model error; nothing (more) was stored
    USAGE = 2  # wrong flags or arguments
    CONFIG = 3  # configuration: missing workspace, missing API key, unknown model, unreachable endpoint
    PARTIAL = 4  # some inputs, chunks or calls failed; the rest was stored
    BUDGET = 5  # stopped by a budget (USD, tokens, calls)
    INTERRUPTED = 130  # Ctrl-C / SIGINT


class SROError(Exception):
    """Base of every error SRO raises on purpose; the message is meant for users."""

    exit_code = ExitCode.ERROR


class ConfigError(SROError):
    """Invalid or missing configuration (workspace file, environment, flags, specs)."""

    exit_code = ExitCode.CONFIG


class WorkspaceError(SROError):
    """The workspace does not exist, cannot be opened or is locked by another process."""

    exit_code = ExitCode.CONFIG


class WorkspaceBusy(WorkspaceError):
    """Another command is writing to the workspace (a failure to retry, not a configuration problem)."""

    exit_code = ExitCode.ERROR


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


class BudgetExceeded(SROError):
    """A call was refused before it was sent because it would exceed a budget; `kind` names which:
    "usd", "tokens" or "calls"."""

    exit_code = ExitCode.BUDGET

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # keep `kind` across a process boundary
        return type(self), (str(self), self.kind)


class SandboxError(SROError):
    """The RLM sandbox could not run model code (violation, timeout, crash)."""


class ExtractionError(SROError):
    """Extraction or judging failed in a way the caller must handle."""


class GraphError(SROError):
    """Graph store errors raised from the sro side (graph_store has its own family)."""


class CampaignError(SROError):
    """Invalid campaign spec or a campaign that cannot be run or resumed."""


class ModelConfigError(LLMError, ConfigError):
    """A model role cannot be called at all: its key variable is unset, its server refuses connections,
    authentication failed. Never retried."""


class LLMAuthError(ModelConfigError):
    """The provider rejected the key, or the key's variable is not set."""


class LLMConnectionError(ModelConfigError):
    """Nothing answers at the model's address (connection refused, unknown host)."""

    exit_code = ExitCode.CONFIG
