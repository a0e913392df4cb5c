"""What an ingest run reports: counts, skip reasons and errors naming file and line."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from pydantic import BaseModel, Field

MAX_ISSUES_PER_FILE = 50  # a binary file would otherwise produce one error per "line"


class IngestIssue(BaseModel):
    file: str
    line: int | None = None
    message: str


class IngestReport(BaseModel):
    dataset: str
    documents_added: int = 0
    chunks_added: int = 0
    skipped: int = 0  # records read but not stored (deleted, empty, filtered, bad lines)
    skip_reasons: dict[str, int] = Field(default_factory=dict)
    already_present: int = 0  # records whose id was stored before (re-ingest)
    files: int = 0
    files_failed: int = 0
    stopped: bool = False  # --on-error stop hit an error
    errors: list[IngestIssue] = Field(default_factory=list)
    warnings: list[IngestIssue] = Field(default_factory=list)  # e.g. a file with no rows, a guessed encoding
    seconds: float = 0.0

    def merge(self, outcome: "FileOutcome", added: int, chunks: int) -> None:
        self.documents_added += added
        self.chunks_added += chunks
        self.already_present += max(0, outcome.records - added - sum(outcome.skipped.values()))
        for reason, n in outcome.skipped.items():
            self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + n
            self.skipped += n
        self.errors.extend(outcome.issues)
        self.warnings.extend(outcome.warnings)
        if not outcome.records:
            self.warnings.append(IngestIssue(file=outcome.file, message="no rows or records: nothing to store"))

    @property
    def exit_code(self) -> int:
        """ExitCode.ERROR when nothing could be stored (or --on-error stop hit an error), PARTIAL when some
        files or lines failed and the rest was stored, else OK."""
        from sro.errors import ExitCode

        if self.stopped or (self.files and self.files_failed == self.files):
            return ExitCode.ERROR
        return ExitCode.PARTIAL if self.errors else ExitCode.OK


@dataclass
class FileOutcome:
    """Per-file counters, merged into the report only when the file's transaction commits."""

    file: str
    strict: bool = False  # --on-error stop: the first bad line fails the file
    records: int = 0  # records read (valid lines / rows / files), kept or skipped
    skipped: Counter = field(default_factory=Counter)
    issues: list[IngestIssue] = field(default_factory=list)
    warnings: list[IngestIssue] = field(default_factory=list)
    bad_lines: int = 0
    # Set by the runner: moves the staged slice into documents/chunks inside the file's (still open)
    # transaction, so a big file can be staged in slices and is still kept whole or not at all.
    flush: Callable[[], None] | None = None
    added: int = 0  # documents / chunks moved by flush() so far
    chunks: int = 0

    def restart(self) -> None:
        """The loader rolled its transaction back to start over: forget everything counted so far."""
        self.records = self.bad_lines = self.added = self.chunks = 0
        self.skipped.clear()
        self.issues.clear()
        self.warnings.clear()

    def warn(self, message: str) -> None:
        self.warnings.append(IngestIssue(file=self.file, message=message))

    def count_stage(self, con) -> None:
        """Count the rows a loader staged in `_stage` (records read, by skip reason)."""
        for reason, n in con.execute("SELECT skip_reason, count(*) FROM _stage GROUP BY skip_reason").fetchall():
            self.records += n
            if reason:
                self.skipped[reason] += n

    def bad_line(self, line: int, message: str) -> None:
        """A line that cannot be read: fatal in strict mode, else skipped and reported."""
        from sro.errors import IngestError

        if self.strict:
            raise IngestError(message, self.file, line)
        self.bad_lines += 1
        self.records += 1
        self.skipped["bad_line"] += 1
        if len(self.issues) < MAX_ISSUES_PER_FILE:
            self.issues.append(IngestIssue(file=self.file, line=line, message=message))
