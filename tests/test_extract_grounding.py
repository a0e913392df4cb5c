"""Quote location: exact offsets despite whitespace, quote-character and dash variants."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from sro.extract.grounding import locate, normalise

WORDS = st.lists(st.sampled_from(["solar", "panel", "cost", "$12,000", "it's", '"great"', "kW", "—", "a", "Tesla's"]),
                 min_size=1, max_size=12)
SEPARATORS = st.sampled_from([" ", "  ", "\n", " \t ", "\u00a0"])
VARIANTS = {"'": ["\u2019", "'"], '"': ["\u201c", "\u201d", '"'], "\u2014": ["-", "\u2013", "\u2014"]}


def _vary(text: str, data: st.DataObject) -> str:
    out = []
    for ch in text:
        if ch.isspace():
            out.append(data.draw(SEPARATORS))
        elif ch in VARIANTS:
            out.append(data.draw(st.sampled_from(VARIANTS[ch])))
        else:
            out.append(ch)
    return "".join(out)


@settings(max_examples=150, deadline=None)
@given(prefix=WORDS, middle=WORDS, suffix=WORDS, data=st.data())
def test_varied_quote_maps_back_to_exact_offsets(prefix, middle, suffix, data):
    seps = [data.draw(SEPARATORS) for _ in range(3)]
    text = seps[0].join(prefix) + seps[1] + seps[2].join(middle) + " " + " ".join(suffix)
    quote_original = seps[2].join(middle)
    start = len(seps[0].join(prefix)) + len(seps[1])
    quote_model = _vary(quote_original, data)  # what a model might "copy"
    span = locate(quote_model, text)
    assert span is not None
    s, e = span
    # the located span says the same thing as the model's quote, and starts/ends on real characters
    assert normalise(text[s:e])[0].strip() == normalise(quote_model)[0].strip()
    assert not text[s].isspace() and not text[e - 1].isspace()
    if _occurrences(text, quote_original) == 1 and _occurrences(normalise(text)[0],
                                                                 normalise(quote_model)[0].strip()) == 1:
        assert (s, e) == (start, start + len(quote_original))


def _occurrences(text: str, part: str) -> int:
    """Overlapping occurrences too: "solar solar" is twice in "solar solar solar" (str.count says once)."""
    return sum(text.startswith(part, i) for i in range(len(text))) if part else 0


def test_curly_quotes_and_newlines_in_the_source():
    text = "Intro. The installer said \u201cit\u2019s  fine\u201d\nand left. End."
    span = locate('The installer said "it\'s fine" and left.', text)
    assert span is not None
    assert text[span[0] : span[1]] == "The installer said \u201cit\u2019s  fine\u201d\nand left."


def test_unlocatable_quote_is_none():
    assert locate("the installer charged $9,000", "The installer charged $12,000.") is None
    assert locate("   ", "anything") is None


def test_start_hint_prefers_later_occurrence():
    text = "Same sentence. Other. Same sentence."
    assert locate("Same sentence.", text, start_hint=5) == (22, 36)
