"""CampaignSpec: the YAML file a user hands to `sro run SPEC.yaml`.

Schema (every key except `question` and `datasets` is optional)::

    name: solar-economics            # campaign id; default: the spec file's stem. [a-zA-Z0-9_.-], <= 64 chars
    question: "Is a home solar installation economical, considering all the experience reports?"
    datasets: [teslasolar]           # dataset names already ingested in the workspace (`sro data ...`)
    pipeline: solar_reddit           # folder under pipelines/ or a path to one; default "generic"
    offline: false                   # true: ignore configured models, every role runs offline (flags still win)
    models:                          # per-role defaults: sro.toml, SRO_* environment and flags win, field by field
      ceo:    {model: openai/gpt-4o-mini}
      worker: {model: openai/gpt-4o-mini, base_url: "http://localhost:8000/v1", api_key_env: MY_KEY}
      judge:  {model: null}          # null = offline unless sro.toml / SRO_JUDGE_MODEL / --judge-model set one
    budgets:                         # any of them stops the campaign cleanly when reached; null = unlimited
      usd: 2.0                       # LLM spend (cost ledger), all roles
      tokens: 2000000                # prompt + completion tokens
      calls: 500                     # LLM calls sent (cache hits are free and not counted)
      wall_time_s: 1800              # summed over runs of the same campaign (resume continues the clock)
      max_nodes: 30                  # research nodes expanded; default: pipeline mcts.max_nodes
      max_depth: 3                   # root has depth 0; default: pipeline mcts.max_depth
    mcts:                            # defaults come from the pipeline's `mcts:` section
      exploration: 1.4               # c in PUCT / UCT
      widening_k: 2.0                # progressive widening: a node with N visits may hold k * N**alpha children
      widening_alpha: 0.5
      parallel: 2                    # K expansions in flight at once (virtual loss keeps them apart)
      children: 4                    # child questions kept per expansion (at most; pipeline default, else 4)
      cost_weight: 0.5               # reward penalty per USD spent by a node (reward is clipped to [0, 1])
      min_gain: 0.0                  # stopping rule: never expand a node whose prior is below this (docs/planner.md)
      max_failures: 3                # consecutive failed expansions that stop the campaign
      rlm_iterations: 6              # root iterations of each node's RLM session
    executor:                        # where extract_triples' parsing and extraction run (docs/scale-out.md); any key
      kind: processes                # of sro.toml's [executor], over it field by field; `sro run --executor` wins
      batch_chunks: 16               # split an extract_triples call into batches of this many chunks (0: one batch)
    outputs:
      report: true                   # runs/<campaign>/report.md
      html: true                     # runs/<campaign>/report.html (self-contained)
      tree_json: true                # runs/<campaign>/tree.json
      graphml: true                  # runs/<campaign>/tree.graphml
      key_facts: 25                  # facts listed in the report

Unknown keys are errors (a typo must not silently fall back to a default). `load_spec(path)` raises
`CampaignError` with the file, the key path and the problem.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines import MCTSDefaults
from sro.config import ROLES, ExecutorSettings, RoleConfig
from sro.errors import CampaignError
from sro.mcts.reward import RewardWeights

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CampaignBudgets(_Strict):
    """Stopping budgets. None = unlimited (max_nodes/max_depth fall back to the pipeline's defaults)."""

    usd: float | None = Field(None, ge=0)
    tokens: int | None = Field(None, ge=0)
    calls: int | None = Field(None, ge=0)
    wall_time_s: float | None = Field(None, gt=0)
    max_nodes: int | None = Field(None, ge=1)
    max_depth: int | None = Field(None, ge=0)


class MCTSParams(_Strict):
    """Planner parameters; None = the pipeline's `mcts:` default (or the built-in default)."""

    exploration: float | None = Field(None, ge=0)
    widening_k: float | None = Field(None, gt=0)
    widening_alpha: float | None = Field(None, ge=0, le=1)
    parallel: int | None = Field(None, ge=1, le=64)
    children: int | None = Field(None, ge=0, le=32)
    cost_weight: float = Field(RewardWeights.cost_weight, ge=0)
    min_gain: float | None = Field(None, ge=0, le=1)
    max_failures: int = Field(3, ge=1)
    rlm_iterations: int = Field(6, ge=1, le=100)


class Outputs(_Strict):
    report: bool = True
    html: bool = True
    tree_json: bool = True
    graphml: bool = True
    key_facts: int = Field(25, ge=0, le=1000)


class CampaignSpec(_Strict):
    name: str | None = None
    question: str = Field(min_length=3)
    datasets: list[str] = Field(min_length=1)
    pipeline: str = "generic"
    offline: bool = False
    models: dict[str, dict[str, Any]] = Field(default_factory=dict)
    budgets: CampaignBudgets = Field(default_factory=CampaignBudgets)
    mcts: MCTSParams = Field(default_factory=MCTSParams)
    outputs: Outputs = Field(default_factory=Outputs)
    executor: dict[str, Any] = Field(default_factory=dict, description=(
        "where extraction runs: any key of sro.toml's [executor] (kind, ray_address, batch_chunks, workers, "
        "inflight); over sro.toml's values field by field, under `sro run --executor/--ray-address/--batch-chunks`"))

    @field_validator("name")
    @classmethod
    def _name_ok(cls, value: str | None) -> str | None:
        if value is not None and not NAME_RE.match(value):
            raise ValueError("use 1-64 characters from A-Z a-z 0-9 _ . - (it names runs/<campaign>/)")
        return value

    @field_validator("question")
    @classmethod
    def _question_ok(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) < 3:
            raise ValueError("the question is empty")
        return value

    @field_validator("models")
    @classmethod
    def _roles_ok(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Roles must exist; their keys are sro.config.RoleConfig's fields, checked by validating them."""
        unknown = sorted(set(value) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")
        for role, fields in value.items():
            if not isinstance(fields, dict):
                raise ValueError(f"{role}: expected a mapping such as {{model: openai/gpt-4o-mini}}")
            bad = sorted(set(fields) - set(RoleConfig.model_fields))
            if bad:
                raise ValueError(f"{role}: unknown key(s) {', '.join(bad)}; "
                                 f"known: {', '.join(RoleConfig.model_fields)}")
            try:
                RoleConfig.model_validate(fields)
            except ValidationError as exc:
                raise ValueError(f"{role}: {_format_errors(exc).strip()}") from None
        return value

    @field_validator("executor")
    @classmethod
    def _executor_ok(cls, value: dict[str, Any]) -> dict[str, Any]:
        """The keys of sro.config.ExecutorSettings, checked by validating them; only the keys given are kept
        (the others come from sro.toml's [executor])."""
        bad = sorted(set(value) - set(ExecutorSettings.model_fields))
        if bad:
            raise ValueError(f"unknown key(s) {', '.join(bad)}; known: {', '.join(ExecutorSettings.model_fields)}")
        try:
            checked = ExecutorSettings.model_validate(value)
        except ValidationError as exc:
            raise ValueError(_format_errors(exc).strip()) from None
        return checked.model_dump(include=set(value))

    def executor_settings(self, base: ExecutorSettings) -> ExecutorSettings:
        """sro.toml's [executor] (`base`) with the spec's `executor:` keys over it."""
        return base.model_copy(update=self.executor)

    def model_overrides(self) -> dict[str, Any]:
        """The spec's `models:`, the lowest settings layer (`spec_models` of sro.config.load_settings): sro.toml,
        SRO_* environment and CLI flags win over it, a role's fields one by one. Empty for an offline spec."""
        if self.offline:
            return {}
        return {role: dict(fields) for role, fields in self.models.items() if fields}

    def forced_overrides(self) -> dict[str, Any]:
        """`offline: true` blanks every role's model over sro.toml and the environment (only CLI flags beat it):
        an offline spec runs offline whatever the machine has configured. Empty otherwise."""
        return {role: {"model": None} for role in ROLES} if self.offline else {}


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see sro/campaign/spec.py for the schema)"
        lines.append(f"  {where}: {msg}")
    return "\n".join(lines)


def parse_spec(data: object, source: str = "<spec>", default_name: str | None = None) -> CampaignSpec:
    """Validate a parsed YAML mapping; errors name the source, key path and problem."""
    if not isinstance(data, dict):
        raise CampaignError(f"{source}: a campaign spec must be a YAML mapping (question:, datasets:, ...)")
    if isinstance(data.get("datasets"), str):
        data = {**data, "datasets": [data["datasets"]]}
    try:
        spec = CampaignSpec.model_validate(data)
    except ValidationError as exc:
        raise CampaignError(f"{source}: invalid campaign spec:\n{_format_errors(exc)}") from None
    if spec.name is None and default_name:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "-", default_name)[:64] or "campaign"
        spec = spec.model_copy(update={"name": safe})
    return spec


def load_spec(path: Path | str) -> CampaignSpec:
    path = Path(path)
    if not path.is_file():
        raise CampaignError(f"campaign spec {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CampaignError(f"{path}: invalid YAML: {exc}") from None
    except UnicodeDecodeError:
        raise CampaignError(f"{path}: not UTF-8 text") from None
    return parse_spec(data, str(path), default_name=path.stem)


class Effective(MCTSDefaults):
    """Spec values merged with the pipeline's `mcts:` defaults: what the planner actually uses. The planner
    fields are MCTSDefaults' own (declared and defaulted once, there); frozen: resolved once, then read."""

    model_config = ConfigDict(frozen=True)

    cost_weight: float
    max_failures: int
    rlm_iterations: int
    usd: float | None = None
    tokens: int | None = None
    calls: int | None = None
    wall_time_s: float | None = None


def effective(spec: CampaignSpec, pipeline_mcts: MCTSDefaults | None = None) -> Effective:
    """Fill None fields from the pipeline's MCTSDefaults (pipelines.MCTSDefaults or None): each planner field
    from the spec's `mcts:` (max_depth and max_nodes from its `budgets:`) when set, else the default."""
    base = pipeline_mcts or MCTSDefaults()
    m, b = spec.mcts, spec.budgets
    given = {**m.model_dump(), "max_depth": b.max_depth, "max_nodes": b.max_nodes}
    planner = {name: given[name] if given.get(name) is not None else getattr(base, name)
               for name in MCTSDefaults.model_fields}
    return Effective(**planner, cost_weight=m.cost_weight, max_failures=m.max_failures,
                     rlm_iterations=m.rlm_iterations, usd=b.usd, tokens=b.tokens, calls=b.calls,
                     wall_time_s=b.wall_time_s)
