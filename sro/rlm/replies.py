"""What a root model's reply means, parsed the way real models write them.

Reasoning blocks (`<think>`, `<thinking>`, `<reasoning>`, unclosed ones, and R1's bare closing tag) are set
aside first: nothing in them runs and they never return to the history. Code comes from fenced blocks of
the best kind present - ```repl, else ```python/```py, else a fence with no language - and every block
of that kind runs, in order, as one step. A reply with no code may end the session with a lone
`FINAL(...)` / `FINAL_VAR(...)` line in prose. Whatever was not run is named in `notes` for the model.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

_TAGS = "think|thinking|reasoning|reflection|analysis"
REASONING = re.compile(rf"<({_TAGS})>(.*?)(?:</\1\s*>|\Z)", re.S | re.I)
ORPHAN_CLOSE = re.compile(rf"^(.*?)</(?:{_TAGS})\s*>", re.S | re.I)  # R1 templates put the opening tag in the prompt
FENCE = re.compile(r"^[ \t]*(?P<mark>`{3,}|~{3,})[ \t]*(?P<lang>[\w.+-]*)[^\n]*\n(?P<body>.*?)"
                   r"(?:^[ \t]*(?P=mark)[ \t]*$|(?P<open>\Z))", re.S | re.M)
KINDS = {"repl": "repl", "python": "python", "python3": "python", "py": "python", "py3": "python", "": "plain"}
PREFERENCE = ("repl", "python", "plain")
CURLY = re.compile("[\u2018\u2019\u201c\u201d]")
STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
MAX_FINAL_CHARS = 8_000  # a prose FINAL(...) argument longer than this is not searched for its end
FINAL_LINE = re.compile(r"^[ \t>*_`]*(FINAL(?:_VAR)?)\(", re.M)


@dataclass
class Reply:
    text: str  # the reply without reasoning blocks: what the history keeps
    reasoning: list[str] = field(default_factory=list)
    code: str | None = None  # the code that runs this step
    kind: str | None = None  # "repl" | "python" | "plain" | "final" (a prose FINAL line)
    blocks: int = 0  # fenced blocks run
    final_text: str | None = None  # a prose FINAL(...) whose argument is not Python: the answer as written
    notes: list[str] = field(default_factory=list)  # what the model must be told (skipped blocks, cut-offs)


def split_reasoning(reply: str) -> tuple[str, list[str]]:
    """(visible text, reasoning blocks)."""
    reasoning = [m.group(2).strip() for m in REASONING.finditer(reply)]
    text = REASONING.sub("", reply)
    orphan = ORPHAN_CLOSE.match(text)
    if orphan:
        reasoning.insert(0, orphan.group(1).strip())
        text = text[orphan.end():]
    return text.strip(), [r for r in reasoning if r]


def _blocks(text: str) -> tuple[dict[str, list[str]], bool]:
    found: dict[str, list[str]] = {k: [] for k in PREFERENCE}
    unclosed = False
    for match in FENCE.finditer(text):
        kind = KINDS.get(match.group("lang").lower())
        if match.group("open") is not None:
            unclosed = unclosed or kind is not None
            continue
        if kind is not None and match.group("body").strip():
            found[kind].append(match.group("body").rstrip())
    return found, unclosed


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def straighten(code: str, notes: list[str]) -> str:
    """Code that only parses once typographic quotes (as chat UIs and small models write them) are made
    straight gets them straightened, and the model is told; any other code is left as written."""
    if not CURLY.search(code) or _parses(code):
        return code
    fixed = code.translate(STRAIGHT)
    if not _parses(fixed):
        return code
    notes.append("Typographic quotes in your code were replaced by straight ones; write ' and \".")
    return fixed


def _final_line(text: str) -> tuple[str | None, str | None]:
    """(code, literal answer) for the last FINAL(...)/FINAL_VAR(...) starting a line of prose."""
    starts = list(FINAL_LINE.finditer(text))
    if not starts:
        return None, None
    match = starts[-1]
    rest = text[match.start(1):][:MAX_FINAL_CHARS].translate(STRAIGHT)
    closes = [i for i, ch in enumerate(rest) if ch == ")"]
    for end in reversed(closes):
        candidate = rest[: end + 1]
        try:
            tree = ast.parse(candidate, mode="eval")
        except (SyntaxError, ValueError, RecursionError):
            continue
        if isinstance(tree.body, ast.Call) and len(tree.body.args) == 1 and not tree.body.keywords:
            return candidate, None
    line_end = rest.find("\n")
    line = rest if line_end < 0 else rest[:line_end]
    inner = line[len(match.group(1)) + 1:]
    inner = inner[: inner.rfind(")")] if ")" in inner else inner
    if match.group(1) == "FINAL_VAR" or not inner.strip():
        return None, None
    return None, inner.strip().strip("\"'")


def parse_reply(reply: str, *, cut_off: bool = False) -> Reply:
    text, reasoning = split_reasoning(reply or "")
    out = Reply(text=text, reasoning=reasoning)
    found, unclosed = _blocks(text)
    kind = next((k for k in PREFERENCE if found[k]), None)
    if kind is not None:
        out.code, out.kind, out.blocks = straighten("\n\n".join(found[kind]), out.notes), kind, len(found[kind])
        if out.blocks > 1:
            out.notes.append(f"Your {out.blocks} {_label(kind)} blocks ran in order, as one step.")
        for other in (k for k in PREFERENCE if k != kind and found[k]):
            out.notes.append(f"Not run: {len(found[other])} {_label(other)} block(s); only {_label(kind)} "
                             "blocks run when a reply has them.")
    if unclosed:
        out.notes.append("A code block in your reply was never closed (cut off?); it did not run.")
    if cut_off:
        out.notes.append("Your reply was cut off at the output-token limit (finish_reason=length): write "
                         "shorter replies, with less reasoning and smaller code blocks.")
    code, literal = _final_line(_outside_fences(text))
    if kind is None and (code or literal):
        out.code, out.kind, out.final_text = code, "final", literal
    elif code or literal:
        out.notes.append("Your FINAL(...) line in prose was not taken: the reply also had code. Call FINAL "
                         "inside a code block once you have seen the output you need.")
    return out


def _label(kind: str) -> str:
    return "``` (no language)" if kind == "plain" else f"```{kind}"


def _outside_fences(text: str) -> str:
    return FENCE.sub("", text)
