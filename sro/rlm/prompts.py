"""Texts the root model reads: the system prompt (datasets described, never their data), turn messages,
and the feedback after each turn (sro.rlm.replies decides what in a reply runs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sro.rlm.guards import ALLOWED_MODULES

if TYPE_CHECKING:
    from sro.jsontypes import JSONObject

MAX_DATASETS_DESCRIBED = 8
PREVIEW_CHARS = 160
DATASETS_CHARS = 1_400  # keeps the whole system prompt under ~1,200 tokens, small enough for a 4k model

SYSTEM = """You are the root of a Recursive Language Model (RLM) research session.
You never see the corpus directly. You work in a persistent Python REPL (a restricted sandbox): each turn,
write one fenced code block (```repl ... ```); it runs, and you get its printed output back, truncated to
{max_output:,} characters. Variables persist between turns. Print summaries, not raw data. Several ```repl
blocks in one reply run in order as one step; ```python blocks run only when there is no ```repl block;
reasoning inside <think> tags never runs.

Datasets you can read:
{datasets}

Primitives in the REPL (all return plain data: str, int, float, list, dict):
- datasets() -> list of {{name, documents, chunks, chars, fields, kinds}}
- ds = dataset(name); ds.count(); ds.fields(); ds.describe(); ds.peek(n=5); ds.get(doc_id); ds.sample(n, seed=0)
- ds.search(query, k=10) -> BM25 hits [{{dataset, doc_id, chunk_id, start, end, text, score}}]
- ds.grep(regex, k=10) -> hits whose text matches an RE2 regex (use (?i) for case-insensitive)
- ds.sql(query, params=None) -> rows; read-only SQL with ? placeholders over two views:
  documents(id, source_uri, title, text, author, created, score, parent_id, kind, metadata JSON) and
  chunks(id, doc_id, ordinal, start_pos, end_pos, text); a field listed as metadata.x is metadata->>'x'
- llm_query(prompt, role="worker") -> str: a worker model reads what you give it (use it to read passages)
- llm_batch(prompts, role="worker") -> list[str] in parallel; a failed item is a string "ERROR: ..."
- rlm_query(task, context=None) -> str: a sub-RLM with its own REPL, where `context` holds what you
  passed{depth_note}
- extract_triples(chunk_ids_or_hits) -> {{accepted: [{{subject, predicate, object, score, chunk_id, quote}}],
  rejected, conflicts, candidates, errors}}: extracts, judges and stores verified facts from those chunks
- notes: a dict-like memory kept across the sessions of this campaign (notes[key] = value, notes.get(key))
- SHOW_VARS() -> your variables and their types. A failed primitive raises PrimitiveError (catchable).
- FINAL(value) or FINAL_VAR("name") ends the session with that answer; or set answer["content"] = ...
  and answer["ready"] = True. Put follow-up research questions in answer["questions"] (list of str).

Sandbox rules: imports only from {modules}. No files, no network, no classes, no names starting with "_",
no str.format (use f-strings). Write counts[k] = counts.get(k, 0) + 1 instead of counts[k] += 1.
Explore the data before answering: an answer given before any search, grep, peek or model call is refused.
Cite document ids in your answer.

A good session, in short: turn 1 `hits = dataset('d').search('inverter failure', k=20)` and print
doc ids with a short snippet each; turn 2 read the best passages with llm_batch and print the readings;
turn 3 FINAL(an answer that cites [doc ids])."""

FIRST_USER = ("Question: {question}\n\nTurn 1 of {max_turns}. Start by exploring the datasets. Reply with one "
              "```repl block.")
NEXT_USER = "Output of turn {turn} of {max_turns}:\n{output}"
CONTINUE = "Turn {next} of {max_turns}: one ```repl block (or FINAL(...) when you can answer)."
NO_CODE = ("Turn {turn} of {max_turns}: your reply had no ```repl code block, so nothing ran. Reply with a "
           "fenced block, for example:\n```repl\nprint(datasets())\n```")
REFUSED = ("Your answer was refused: you have not looked at the data yet. Use dataset(...).search/grep/peek "
           "(or llm_query over passages) first, then answer with FINAL(...). The same answer again is "
           "accepted but marked ungrounded.")
FORCE = ("{reason} Give your final answer now: reply with one ```repl block that calls FINAL(...) with the best "
         "answer you can support from what you have found so far (a plain-text answer is also taken).")


def feedback(*, turn: int, max_turns: int, output: str | None, notes: list[str]) -> str:
    """The user message after a root turn: its output (or the no-code reminder), notes, the next turn."""
    parts = [NO_CODE.format(turn=turn, max_turns=max_turns) if output is None
             else NEXT_USER.format(turn=turn, max_turns=max_turns, output=output)]
    parts += notes
    if turn < max_turns:
        parts.append(CONTINUE.format(next=turn + 1, max_turns=max_turns))
    return "\n\n".join(parts)


def describe_dataset(info: JSONObject) -> str:
    fields = ", ".join(str(f) for f in (info.get("fields") or [])[:20])
    lines = [f"- {info.get('name')}: {info.get('documents', 0):,} documents, {info.get('chunks', 0):,} chunks, "
             f"{info.get('chars', 0):,} characters; fields: {fields or '-'}"]
    for doc in (info.get("preview") or [])[:2]:
        text = " ".join(str(doc.get("text", "")).split())[:PREVIEW_CHARS]
        title = f" {str(doc.get('title'))[:80]!r}" if doc.get("title") else ""
        lines.append(f"    e.g. [{doc.get('id')}]{title}: {text}...")
    return "\n".join(lines)


def describe_datasets(infos: list[JSONObject], budget: int = DATASETS_CHARS) -> str:
    """Dataset descriptions within `budget` characters: with previews while they fit, then one line each,
    then a count of the rest (the root can call datasets())."""
    shown: list[str] = []
    for i, info in enumerate(infos[:MAX_DATASETS_DESCRIBED]):
        full = describe_dataset(info)
        used = sum(len(x) + 1 for x in shown)
        line = full if used + len(full) <= budget else full.split("\n", 1)[0]
        if used + len(line) > budget:
            break
        shown.append(line)
    if len(shown) < len(infos):
        shown.append(f"- ... and {len(infos) - len(shown)} more (call datasets())")
    return "\n".join(shown) or "- (none)"


def system_prompt(infos: list[JSONObject], *, max_output: int, depth: int, max_depth: int) -> str:
    depth_note = (" [not available at this depth]" if depth + 1 > max_depth
                  else f" [depth {depth} of max {max_depth}]")
    return SYSTEM.format(
        max_output=max_output, datasets=describe_datasets(infos), depth_note=depth_note,
        modules=", ".join(sorted(ALLOWED_MODULES)),
    )
