"""The replay corpus (tests/replay/*.yaml): reply shapes real models write, run black-box through `sro rlm`
and `sro extract` against the loopback server (litellm's real HTTP path), each with its expected outcome."""

from __future__ import annotations

import pytest

from tests.support.replay import cases, run_case


@pytest.mark.parametrize("case", cases("rlm"), ids=lambda c: f"{c['split']}-{c['name']}")
def test_root_reply_shapes(case, tmp_path):
    outcome = run_case("rlm", case, tmp_path)
    assert outcome.ok, f"{outcome.failed()}: {outcome.detail}"


@pytest.mark.parametrize("case", cases("worker"), ids=lambda c: f"{c['split']}-{c['name']}")
def test_worker_reply_shapes(case, tmp_path):
    outcome = run_case("worker", case, tmp_path)
    assert outcome.ok, f"{outcome.failed()}: {outcome.detail}"


def test_corpus_has_a_held_out_split_for_every_kind():
    for kind in ("rlm", "worker"):
        assert len(cases(kind, "test")) >= 8 and len(cases(kind, "tune")) >= 8
        names = [c["name"] for c in cases(kind)]
        assert len(names) == len(set(names))
