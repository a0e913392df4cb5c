"""What in a root reply runs: reasoning never does, the best fence kind does (all its blocks, in order), a
lone FINAL line in prose is an answer, and whatever did not run is named for the model."""

from __future__ import annotations

from sro.rlm.replies import parse_reply, split_reasoning


def test_reasoning_blocks_are_set_aside_closed_unclosed_or_orphaned():
    for reply in ("<think>x\n```repl\nFINAL(1)\n```</think>\n```repl\nprint(2)\n```",
                  "<thinking>```repl\nFINAL(1)\n```</thinking>```repl\nprint(2)\n```",
                  "Hmm ```python\nFINAL(1)\n```\n</think>\n```repl\nprint(2)\n```"):
        parsed = parse_reply(reply)
        assert parsed.code == "print(2)" and "FINAL(1)" in parsed.reasoning[0] and "FINAL" not in parsed.text
    text, reasoning = split_reasoning("<think>never closed ```repl\nFINAL(1)\n```")
    assert text == "" and reasoning and parse_reply("<think>cut ```repl\nFINAL(1)\n```").code is None


def test_repl_blocks_win_and_all_of_them_run_in_order():
    parsed = parse_reply("```python\nFINAL('example')\n```\n```repl\na = 1\n```\ntext\n```repl\nprint(a)\n```")
    assert parsed.code == "a = 1\n\nprint(a)" and parsed.blocks == 2
    assert any("2 ```repl blocks ran" in n for n in parsed.notes)
    assert any("Not run: 1 ```python" in n for n in parsed.notes)
    assert parse_reply("```py\nx = 1\n```").kind == "python" and parse_reply("~~~\nx = 1\n~~~").kind == "plain"


def test_lone_final_lines_in_prose():
    assert parse_reply('So:\nFINAL("7481 [post:1]")').code == 'FINAL("7481 [post:1]")'
    assert parse_reply('FINAL_VAR("result")').code == 'FINAL_VAR("result")'
    loose = parse_reply("**FINAL(The code is 7481 (post:1))**")
    assert loose.code is None and loose.final_text == "The code is 7481 (post:1)"
    assert parse_reply("FINAL(\u201cquoted\u201d)").code == 'FINAL("quoted")'
    assert parse_reply("We could call FINAL('x') later.").code is None, "mid-sentence FINAL is prose"
    mixed = parse_reply("```repl\nprint(1)\n```\nFINAL('early')")
    assert mixed.code == "print(1)" and any("not taken" in n for n in mixed.notes)


def test_cut_off_replies_and_typographic_quotes_are_named():
    cut = parse_reply("```repl\nprint(1", cut_off=True)
    assert cut.code is None and any("never closed" in n for n in cut.notes)
    assert any("finish_reason=length" in n for n in cut.notes)
    curly = parse_reply("```python\nprint(\u201chi\u201d)\n```")
    assert curly.code == 'print("hi")' and any("Typographic" in n for n in curly.notes)
    kept = parse_reply("```python\nprint('\u201chi\u201d')\n```")
    assert kept.code == "print('\u201chi\u201d')" and not kept.notes, "valid code is never rewritten"
