"""The root model's conversation, kept under a fixed size whatever the corpus or session length.

The latest turn is shown in full (its output is already capped by the sandbox; a long reply is clipped with
a note); older turns shrink to their code (or, for a reply without code, the head of its prose) and the head
of their output; the oldest are dropped with a note (their variables still exist in the REPL). Replies are
stored without their reasoning blocks. This is what keeps the root prompt bounded while the data grows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sro.rlm.prompts import FIRST_USER

OLD_CODE_CHARS = 1_500
OLD_OUTPUT_CHARS = 1_200
OLD_PROSE_CHARS = 600
TAIL_CHARS = 400
REPLY_SHARE = 4  # the latest reply keeps at most this share of the history budget
CHARS_PER_TOKEN = 4  # estimate used for offline roots and for the budget; providers report real counts


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    return sum(len(m["content"]) + 16 for m in messages) // CHARS_PER_TOKEN


def _clip(text: str, limit: int, what: str) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {len(text) - limit:,} more characters of {what} omitted from this history]"


@dataclass
class Turn:
    reply: str  # the root's reply without reasoning blocks
    code: str | None  # the code that ran, if any
    feedback: str  # the user message that followed (output, refusal, reminder)


class Transcript:
    def __init__(self, system: str, question: str, budget_tokens: int = 7_000, max_turns: int = 12):
        self.system, self.question, self.max_turns = system, question, max_turns
        self.budget_chars = budget_tokens * CHARS_PER_TOKEN
        self.reply_chars = max(1_000, self.budget_chars // REPLY_SHARE)
        self.turns: list[Turn] = []
        self.pending: str | None = None  # an extra instruction for the next root call (e.g. forced answer)

    def add(self, reply: str, code: str | None, feedback: str) -> None:
        self.turns.append(Turn(reply, code, feedback))

    def _render(self, turn: Turn, full: bool) -> list[dict[str, str]]:
        if full:
            return [{"role": "assistant", "content": _clip(turn.reply, self.reply_chars, "your reply")},
                    {"role": "user", "content": turn.feedback}]
        said = (f"```repl\n{_clip(turn.code, OLD_CODE_CHARS, 'code')}\n```" if turn.code
                else _clip(turn.reply, OLD_PROSE_CHARS, "your reply"))
        return [{"role": "assistant", "content": said},
                {"role": "user", "content": _clip(turn.feedback, OLD_OUTPUT_CHARS, "output")}]

    def messages(self) -> list[dict[str, str]]:
        head = [{"role": "system", "content": self.system},
                {"role": "user", "content": FIRST_USER.format(question=self.question, max_turns=self.max_turns)}]
        body: list[list[dict[str, str]]] = [
            self._render(t, full=(i == len(self.turns) - 1)) for i, t in enumerate(self.turns)
        ]
        dropped = 0
        while body and len(body) > 1 and self._size(head, body) > self.budget_chars:
            body.pop(0)
            dropped += 1
        if dropped:
            note = {"role": "user", "content": f"[{dropped} earlier turns omitted to keep this prompt small; "
                                               "their variables still exist in the REPL - use SHOW_VARS()]"}
            head = head + [note]
        flat = head + [m for pair in body for m in pair]
        extra = ("\n\n" + self.pending) if self.pending else ""
        overflow = sum(len(m["content"]) for m in flat) + len(extra) - self.budget_chars
        if overflow > 0 and len(flat) > 2:  # the latest output alone is too big: cut it
            last = flat[-1]["content"]
            keep = max(500, len(last) - overflow - 200)
            tail = min(TAIL_CHARS, keep // 2)  # the notes and "Turn k of n" close the message: keep them
            flat[-1] = {**flat[-1], "content": _clip(last[:-tail], keep - tail, "output") + "\n" + last[-tail:]}
        if extra:
            flat[-1] = {**flat[-1], "content": flat[-1]["content"] + extra}
        return flat

    @staticmethod
    def _size(head: list[dict[str, str]], body: list[list[dict[str, str]]]) -> int:
        return sum(len(m["content"]) for m in head) + sum(len(m["content"]) for p in body for m in p)
