"""One JSONL file per RLM session: what happened, turn by turn, without the data itself.

Recorded: the root's code, its reasoning blocks (kept out of its history), the (already capped) output it
read, each primitive call's name, argument and result sizes and timing, errors, tokens and cost. Never recorded: datasets, variable contents, primitive
payloads, prompts sent to sub-models, environment or keys.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sro.rlm.sandbox import StepResult

if TYPE_CHECKING:
    from sro.jsontypes import JSONObject

OUTPUT_CHARS = 20_000
CODE_CHARS = 20_000


class Trajectory:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("a", encoding="utf-8")

    def write(self, kind: str, **fields: object) -> None:
        record = {"type": kind, "ts": round(time.time(), 3), **fields}
        self._fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._fh.flush()

    def turn(self, turn: int, *, code: str | None, result: StepResult | None, feedback: str,
             root_prompt_tokens: int, root_completion_tokens: int, spent: JSONObject, note: str = "",
             reasoning: list[str] | None = None, finish_reason: str | None = None) -> None:
        calls = [
            {"fn": c.fn, "arg_chars": c.arg_chars, "result_chars": c.result_chars, "ms": round(c.ms, 3),
             **({"error": c.error[:500]} if c.error else {})}
            for c in (result.calls if result else [])
        ]
        self.write(
            "turn", turn=turn, code=(code or "")[:CODE_CHARS], output=feedback[:OUTPUT_CHARS],
            reasoning=[r[:CODE_CHARS] for r in reasoning or []], finish_reason=finish_reason,
            ok=result.ok if result else None, error=result.error if result else None,
            restarted=result.restarted if result else False, step_ms=round(result.ms, 3) if result else 0,
            primitive_calls=calls, root_prompt_tokens=root_prompt_tokens,
            root_completion_tokens=root_completion_tokens, spent=spent, note=note,
        )

    def close(self) -> None:
        self._fh.close()
