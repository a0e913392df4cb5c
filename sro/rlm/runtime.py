"""The REPL inside the sandbox child: compile with RestrictedPython, run, capture output, report the answer.

Variables live in one globals dict for the child's lifetime, so they persist between steps. Output from
`print` anywhere (module level or inside functions) goes to the current step's capped buffer; a bare
expression on the last line is echoed like a REPL would.
"""

from __future__ import annotations

import ast
import json
import traceback
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec

from sro.rlm.guards import SandboxViolation, guard_globals

FILENAME = "<repl>"
# Caps applied before anything leaves the child (the host caps again, lower where configured): a huge answer
# or exception message is cut, not a reason to kill the session.
MAX_FINAL_CHARS = 1_000_000
MAX_ERROR_CHARS = 4_000


class StepOutput:
    """A file-like sink that keeps the first `limit` characters and counts the rest."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.total = 0

    def write(self, text: str) -> int:
        self.total += len(text)
        room = self.limit - self.kept
        if room > 0:
            piece = text[:room]
            self.parts.append(piece)
            self.kept += len(piece)
        return len(text)

    def flush(self) -> None:
        pass

    def text(self) -> str:
        return "".join(self.parts)


class Printer:
    """What RestrictedPython's `_print_(_getattr_)` returns: prints into the step's buffer."""

    def __init__(self, runtime: "Runtime"):
        self._runtime = runtime

    def _call_print(self, *objects: object, sep: str | None = " ", end: str | None = "\n",
                    file: object = None, flush: bool = False) -> None:
        if file is not None:
            raise SandboxViolation("print(file=...) is not available; output goes to the REPL")
        print(*objects, sep=sep, end=end, file=self._runtime.output)

    def __call__(self) -> str:
        return self._runtime.output.text()


def describe_error(exc: BaseException, memory_mb: int | None = None) -> str:
    """`Type at line N: message`, naming only lines of the model's own code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    where = f" at line {frames[-1].lineno}" if frames else ""
    message = str(exc)
    if isinstance(exc, MemoryError) and not message:
        message = f"out of memory (sandbox limit {memory_mb} MB)" if memory_mb else "out of memory"
    if isinstance(exc, SyntaxError) and exc.lineno and not where:
        where = f" at line {exc.lineno}"
        message = exc.msg
    return f"{type(exc).__name__}{where}: {message}"


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        try:
            return repr(value)
        except RecursionError:
            return "[the answer is nested too deeply to print]"


class Runtime:
    def __init__(self, memory_mb: int | None = None):
        self.memory_mb = memory_mb
        self.output = StepOutput(20_000)
        self.globals: dict[str, Any] = guard_globals()
        self.globals["_print_"] = lambda _getattr_=None: Printer(self)
        self.globals["answer"] = {"content": "", "ready": False}
        self.reserved = set(self.globals)

    def install(self, names: dict[str, object]) -> None:
        """Add primitives; they are hidden from SHOW_VARS but may be rebound by model code."""
        self.globals.update(names)
        self.reserved |= set(names)

    def user_vars(self) -> dict[str, str]:
        return {
            name: type(value).__name__
            for name, value in self.globals.items()
            if name not in self.reserved and not name.startswith("_") and type(value).__name__ != "module"
        } | {"answer": type(self.globals.get("answer")).__name__}

    # --- one step -------------------------------------------------------------------------------
    def _compile(self, code: str) -> tuple[Any, Any]:
        tree = ast.parse(code, FILENAME)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(body=tree.body.pop().value)
            ast.fix_missing_locations(last)
        module = compile_restricted_exec(tree, FILENAME) if tree.body else None
        expr = compile_restricted_eval(last, FILENAME) if last is not None else None
        errors = [*(module.errors if module else ()), *(expr.errors if expr else ())]
        if errors:
            raise SandboxViolation("code refused by the sandbox: " + "; ".join(errors))
        return (module.code if module else None), (expr.code if expr else None)

    def execute(self, code: str, max_output: int) -> dict[str, Any]:
        self.output = StepOutput(max_output)
        self.globals["_print"] = Printer(self)  # for prints in the echoed last expression
        error = None
        try:
            body, last = self._compile(code)
            if body is not None:
                exec(body, self.globals)  # noqa: S102 - RestrictedPython bytecode with guard hooks
            if last is not None:
                value = eval(last, self.globals)  # noqa: S307 - same
                if value is not None:
                    self.output.write(repr(value) + "\n")
        except BaseException as exc:  # noqa: BLE001 - everything model code raises is reported to it
            error = describe_error(exc, self.memory_mb)
        return self._report(error)

    def _report(self, error: str | None) -> dict[str, Any]:
        answer = self.globals.get("answer")
        final = questions = None
        if isinstance(answer, dict):
            if answer.get("ready") is True:
                final = _as_text(answer.get("content"))[:MAX_FINAL_CHARS]
                answer["ready"] = False  # the host may refuse it; the model must set it again
            if isinstance(answer.get("questions"), list):
                questions = [str(q)[:500] for q in answer["questions"][:20]]
        return {
            "t": "done", "ok": error is None, "error": error[:MAX_ERROR_CHARS] if error else error,
            "stdout": self.output.text(),
            "truncated": self.output.total > self.output.kept, "output_chars": self.output.total,
            "final": final, "questions": questions,
        }
