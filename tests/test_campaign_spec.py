"""CampaignSpec validation: good specs load, bad ones fail with a message naming the key."""

from __future__ import annotations

import pytest

from sro.campaign.spec import effective, load_spec, parse_spec
from sro.errors import CampaignError


def write(tmp_path, text: str, name: str = "solar.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_spec_defaults_name_from_file(tmp_path):
    spec = load_spec(write(tmp_path, "question: Is solar worth it?\ndatasets: teslasolar\n"))
    assert spec.name == "solar"
    assert spec.datasets == ["teslasolar"]
    assert spec.pipeline == "generic"
    eff = effective(spec)
    assert eff.max_nodes == 20 and eff.parallel == 2 and eff.usd is None


def test_full_spec_overrides_pipeline_defaults(tmp_path):
    text = """
name: run-1
question: "  Is a home   solar installation economical? "
datasets: [a, b]
pipeline: generic
models:
  worker: {model: openai/x, base_url: "http://127.0.0.1:9/v1"}
budgets: {usd: 1.5, calls: 10, max_nodes: 7, max_depth: 2, wall_time_s: 60}
mcts: {exploration: 0.7, parallel: 4, widening_k: 1, widening_alpha: 0.3}
outputs: {graphml: false}
"""
    spec = load_spec(write(tmp_path, text))
    assert spec.question == "Is a home solar installation economical?"
    eff = effective(spec)
    assert (eff.max_nodes, eff.max_depth, eff.parallel, eff.exploration) == (7, 2, 4, 0.7)
    assert spec.model_overrides() == {"worker": {"model": "openai/x", "base_url": "http://127.0.0.1:9/v1"}}
    assert spec.outputs.graphml is False


def test_offline_blanks_every_role():
    spec = parse_spec({"question": "why?", "datasets": ["d"], "offline": True,
                       "models": {"ceo": {"model": "openai/x"}}})
    assert spec.forced_overrides() == {"ceo": {"model": None}, "worker": {"model": None}, "judge": {"model": None}}
    assert spec.model_overrides() == {}  # the spec's own models are ignored too


@pytest.mark.parametrize(
    "text, needle",
    [
        ("question: q?\ndatasets: [d]\nbudgets: {usdd: 1}\n", "budgets.usdd: unknown key"),
        ("question: q?\ndatasets: []\n", "datasets"),
        ("datasets: [d]\n", "question: Field required"),
        ("question: q?\ndatasets: [d]\nbudgets: {usd: -1}\n", "budgets.usd"),
        ("question: q?\ndatasets: [d]\nmcts: {widening_alpha: 2}\n", "mcts.widening_alpha"),
        ("question: q?\ndatasets: [d]\nmodels: {boss: {model: x}}\n", "unknown role(s) boss"),
        ("question: q?\ndatasets: [d]\nname: 'a b/c'\n", "name: use 1-64 characters"),
        ("question: q?\ndatasets: [d]\nmodels: {ceo: {modle: x}}\n", "ceo: unknown key(s) modle"),
        ("question: q?\ndatasets: [d]\nmodels: {ceo: {max_retries: many}}\n", "max_retries"),
        ("- just\n- a list\n", "must be a YAML mapping"),
        ("question: [unclosed\n", "invalid YAML"),
    ],
)
def test_bad_specs_name_the_problem(tmp_path, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(CampaignError) as info:
        load_spec(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(CampaignError, match="not found"):
        load_spec(tmp_path / "nope.yaml")
