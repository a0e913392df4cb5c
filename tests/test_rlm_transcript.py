"""The root prompt stays bounded, and only fenced code blocks run."""

from __future__ import annotations

from sro.rlm.policy import OfflinePolicy, question_terms
from sro.rlm.prompts import system_prompt
from sro.rlm.replies import parse_reply
from sro.rlm.transcript import CHARS_PER_TOKEN, Transcript, estimate_tokens


def test_only_fenced_blocks_and_lone_final_lines_are_code():
    assert parse_reply("Sure.\n```repl\nprint(1)\n```\nand\n```python\nx\n```").code == "print(1)"
    assert parse_reply("```python\nFINAL(2)\n```").code == "FINAL(2)"
    assert parse_reply("The answer is FINAL('42') and FINAL_VAR(x)").code is None, "FINAL mid-sentence is prose"
    assert parse_reply("```\nprint('untagged')\n```").kind == "plain"


def test_history_stays_under_budget_however_long_the_session():
    transcript = Transcript("s" * 4_000, "question?", budget_tokens=7_000)
    for turn in range(60):
        transcript.add(f"thinking...\n```repl\nprint({turn})\n```", f"print({turn})", "o" * 20_000)
        messages = transcript.messages()
        assert sum(len(m["content"]) for m in messages) <= 7_000 * CHARS_PER_TOKEN
    assert "earlier turns omitted" in messages[2]["content"]
    assert messages[-1]["content"].startswith("o"), "the latest output is kept"
    transcript.pending = "Give your final answer now."
    assert transcript.messages()[-1]["content"].endswith("Give your final answer now.")
    assert estimate_tokens(transcript.messages()) < 8_000


def test_system_prompt_describes_datasets_but_never_their_text():
    huge = "x" * 1_000_000
    info = {"name": "big", "documents": 10**6, "chunks": 2 * 10**6, "chars": 10**9, "fields": ["title", "text"],
            "preview": [{"id": "d1", "title": "T", "text": huge}, {"id": "d2", "text": huge}, {"id": "d3", "text": huge}]}
    prompt = system_prompt([info] * 20, max_output=20_000, depth=0, max_depth=2)
    assert "big: 1,000,000 documents" in prompt and "more (call datasets())" in prompt
    assert len(prompt) // CHARS_PER_TOKEN < 1_200, "the system prompt fits a small model's window"


def test_offline_policy_is_deterministic_and_says_what_it_is():
    assert question_terms("What is the warranty of the SMA inverter?") == ["warranty", "sma", "inverter"]
    a, b = OfflinePolicy("Which inverter failed?"), OfflinePolicy("Which inverter failed?")
    assert a.steps == b.steps and a.compose == b.compose
    assert "offline policy" in a.compose and "it is not a CEO" in a.compose


def test_root_budgets_follow_the_context_window():
    from sro.rlm.budget import RootBudget

    small, local, large = RootBudget.of(4_096), RootBudget.of(None), RootBudget.of(128_000)
    assert small.history_tokens + small.reply_tokens < 4_096 and small.output_chars < 20_000
    assert local.window == 8_192 and local.history_tokens + local.reply_tokens < 8_192
    assert large.history_tokens == 7_000 and large.output_chars == 18_666
    transcript = Transcript("s" * 3_500, "question?", budget_tokens=small.history_tokens, max_turns=5)
    for turn in range(10):
        transcript.add("R" * 50_000, None, "o" * small.output_chars)
        assert estimate_tokens(transcript.messages()) < 4_000 - small.reply_tokens
    assert "omitted from this history" in transcript.messages()[-2]["content"], "a long reply is clipped"
    roomy = Transcript("s", "q", budget_tokens=7_000)
    roomy.add("I think the answer is 42. " * 50, None, "reminder")
    roomy.add("```repl\nprint(1)\n```", "print(1)", "1")
    older = roomy.messages()[2]["content"]
    assert "```" not in older and "omitted from this history" in older, "an old prose reply is never fenced"
