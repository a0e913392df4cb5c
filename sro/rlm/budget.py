"""The root's token budgets, sized from its model's context window.

A model's window comes from the role's `context_window` setting, else litellm's model map, else a
conservative 8,192 (unknown local models). From it: the reply cap (max_tokens), the history budget the
transcript keeps the whole prompt under, and the sandbox output returned per step - so a 4k or 8k local
model gets prompts it can read, and a 128k model still gets the bounded ~7k-token prompts RLMs work best with.
"""

from __future__ import annotations

from dataclasses import dataclass

from sro.rlm.transcript import CHARS_PER_TOKEN

DEFAULT_WINDOW = 8_192
MAX_REPLY_TOKENS = 2_048
MAX_HISTORY_TOKENS = 7_000
MAX_OUTPUT_CHARS = 20_000


@dataclass(frozen=True)
class RootBudget:
    window: int
    reply_tokens: int  # max_tokens for each root reply
    history_tokens: int  # the whole root prompt (system prompt included) stays under this estimate
    output_chars: int  # sandbox output returned per step

    @classmethod
    def of(cls, window: int | None) -> "RootBudget":
        window = max(2_048, window or DEFAULT_WINDOW)
        reply = min(MAX_REPLY_TOKENS, window // 4)
        history = min(MAX_HISTORY_TOKENS, window - reply - window // 16)  # margin: tokenizers differ
        return cls(window, reply, history, min(MAX_OUTPUT_CHARS, history * CHARS_PER_TOKEN * 2 // 3))
