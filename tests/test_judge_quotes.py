"""A post's title read as a sentence of its own (sro.judge.quotes), deliberation over acquiring something, and
names taken for granted only in sentences where the author speaks of their own things.

Sentences are written for these tests (none comes from the labelled sets the rules were tuned on)."""

from __future__ import annotations

import pytest

from sro.judge.axioms.post_context import intending_author
from sro.judge.context import JudgeContext
from sro.judge.quotes import own_sentence, post_parts
from sro.nlp.models import Candidate, Entity, Evidence
from sro.nlp.nlp import shared_cache
from tests.test_judge_assertion import line, verdicts


def test_a_title_run_into_the_body_is_read_apart(workspace, tmp_path):
    title = "NEM 3.0"
    text = f"{title} We have NEM 2 on our 9 kW array and are thinking about adding two batteries."
    got = verdicts(workspace, tmp_path, [
        line(1, "netMeteringVersion", "NEM 2", text, title=title, text=text),
        line(2, "netMeteringVersion", "NEM 3.0", text, title=title, text=text),
    ])
    assert got["1"][1]["assertion"].score == 1.0
    assert got["2"][1]["assertion"].score == 0.0  # the title names a topic; the body plans batteries
    assert got["2"][0] == "rejected"


def test_own_sentence_narrows_the_quote_and_keeps_offsets(workspace):
    from pipelines import load_pipeline

    title = "Inverter swapped"
    text = f"{title} Our installer replaced the SolarEdge unit with an Enphase IQ8 last week."
    doc = type("Doc", (), {"title": title, "text": text})()
    ev = Evidence(chunk_id="c", doc_id="d", start=0, end=len(text), quote=text)
    c = Candidate(subject=Entity(text="Our installer"), predicate="replace", object=Entity(text="SolarEdge unit"),
                  evidence=ev, extractor="test")
    ctx = JudgeContext(pipeline=load_pipeline("solar_reddit"), docs={"d": doc})
    narrowed = own_sentence(c, ctx).evidence
    assert narrowed.quote == text[len(title) + 1:] == text[narrowed.start:narrowed.end]
    untouched = c.model_copy(update={"evidence": ev.model_copy(update={"quote": text[5:], "start": 5})})
    assert own_sentence(untouched, ctx) is untouched  # does not start with the title
    assert post_parts(title, text) == [title, text[len(title) + 1:]]
    assert post_parts("Other title", text) == [text]


def test_weighing_an_acquisition_is_an_intention():
    cache = shared_cache()
    assert intending_author("Advice on whether to get a bigger inverter for the garage", cache)
    assert intending_author("Should I add a Powerwall 3 to the array before summer", cache)
    assert intending_author("We added a Powerwall 3 last May and it works fine.", cache) == ()
    assert intending_author("Should the installer have told us about the permit?", cache) == ()  # not acquiring


def test_a_name_in_a_clause_about_something_else_is_not_taken_for_granted(workspace, tmp_path):
    got = verdicts(workspace, tmp_path, [
        line(1, "utility", "PG&E", "PG&E rate sheets were not updated for 2025 in the app."),
        line(2, "utility", "PG&E", "My PG&E bill went up again in January."),
    ])
    assert got["1"][1]["assertion"].score == 0.0
    assert got["2"][1]["assertion"].score == 1.0


@pytest.mark.parametrize("predicate,obj,subject,title,body,why", [
    # the title taken for the subject of the body's first verb
    ("call", "support line", "Battery Firmware Delays", "Battery Firmware Delays",
     "Called the support line twice about the update on Monday.", "title run into the body"),
    # a name that runs from the title into the body
    ("installedBy", "Bay Electric Hi", "this installation", "Inspection After Charger Installed by Bay Electric",
     "Hi everyone, the inspector comes on Monday.", "runs from the post's title"),
])
def test_a_title_misread_into_the_body_fails_the_direction_gate(workspace, tmp_path, predicate, obj, subject, title,
                                                                 body, why):
    text = f"{title} {body}"
    [(verdict, scores)] = verdicts(workspace, tmp_path, [
        line(1, predicate, obj, text, subject=subject, title=title, text=text)]).values()
    assert verdict == "rejected" and why in scores["direction"].reason


@pytest.mark.parametrize("predicate,obj,subject,title,text", [
    # written in the body's own sentence
    ("call", "support line", "Battery Firmware Delays", "Updates",
     "Updates Battery Firmware Delays called the support line twice."),
    # a text that starts with its topic: no title run in
    ("emit", "faint glow", "Black holes", "Black holes", "Black holes emit a faint glow of radiation."),
    # the name ends where the title does
    ("installedBy", "Bay Electric", "this installation", "Inspection After Charger Installed by Bay Electric",
     "Inspection After Charger Installed by Bay Electric Hi everyone, the inspector comes on Monday."),
])
def test_a_title_read_as_written_passes_the_direction_axiom(workspace, tmp_path, predicate, obj, subject, title,
                                                            text):
    [(_, scores)] = verdicts(workspace, tmp_path, [
        line(1, predicate, obj, text, subject=subject, title=title, text=text)]).values()
    assert "title" not in scores["direction"].reason


def test_a_phrase_of_purpose_is_no_part_the_author_owns(workspace, tmp_path):
    got = verdicts(workspace, tmp_path, [
        # "my site survey for the Powerwall 3 install": the survey is the author's, the Powerwall 3 not yet
        line(1, "hasBattery", "Powerwall 3", "The crew is coming next Friday for my site survey for the Powerwall 3 "
                                             "install."),
        line(2, "hasBattery", "Powerwall 3", "Our Powerwall 3 firmware updated overnight."),
        line(3, "utility", "Duke Energy", "I must pick a Duke Energy plan before the meter swap."),
    ])
    assert got["1"][0] == "rejected" and got["1"][1]["assertion"].reason.startswith("future")
    assert got["2"][1]["assertion"].score == 1.0
    assert got["3"][1]["assertion"].score == 1.0


def test_a_first_line_cut_at_the_title_limit_is_no_title(workspace, tmp_path):
    from sro.data.models import TITLE_CHARS

    cut_after = "Acme Industrial Holdings "  # the cut falls right after these words of the party's name
    lead = "This Supply Agreement is made and entered into by and between the parties: ".ljust(
        TITLE_CHARS - len(cut_after) - 1, "-") + " "
    text = lead + "Acme Industrial Holdings Inc. as supplier and Beta LLC as buyer."
    title = text[:TITLE_CHARS]  # how `sro ingest docs` titles a file: its first line, cut
    assert title.endswith("Holdings ")
    [(_, scores)] = verdicts(workspace, tmp_path, [
        line(1, "hasParty", "Acme Industrial Holdings Inc.", text, subject="Supply Agreement", title=title,
             text=text)]).values()
    assert "title" not in scores["direction"].reason
