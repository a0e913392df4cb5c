"""Pipelines: one folder per domain with `pipeline.yaml`, `ontology.ttl` and optional `patterns.py`.

`load_pipeline(name)` returns a validated `Pipeline`. `name` is a folder under this package
(`solar_reddit`, `legal_contracts`, `generic`) or a path to a folder with a pipeline.yaml.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from pipelines.report_spec import ReportSpec
from sro.errors import SROError

HERE = Path(__file__).parent


class PipelineError(SROError):
    """A missing or invalid pipeline."""


class AxiomConfig(BaseModel):
    weight: float = 1.0
    gate: float | None = None  # hard gate: reject when this axiom scores below it
    params: dict[str, Any] = Field(default_factory=dict)


class PredicateDef(BaseModel):
    """An ontology predicate as extraction sees it (the ontology.ttl stays the source of truth for RDF)."""

    name: str  # local name, e.g. "paybackPeriod"
    label: str | None = None
    synonyms: list[str] = Field(default_factory=list)  # surface verbs/phrases mapped onto it
    domain: str | None = None
    range: str | None = None  # class local name or xsd datatype ("decimal", "date", "duration", "money")
    functional: bool = False


class Pattern(BaseModel):
    """An offline extraction pattern: a regex whose match yields one candidate triple.

    Templates use the regex's named groups: "{amount}". The special subject "@document" stands for an
    entity of the source document itself (the contract; the poster's installation), which the extractor
    names from the document's title/id. The quote is the sentence that holds the match, offsets exact.

    `normalizer` (optional, issue 8) names a function in `pipelines.normalize.NORMALIZERS` ("date",
    "duration", "jurisdiction", "money", "decimal", "party"). An extractor that executes patterns should set
    the literal's `Value.value` to `pipelines.normalize.apply(normalizer, object_text)` (and for entity objects
    may use it as the canonical label), and skip the match when it returns None (the text was unreadable).
    Without a normalizer the extractor's own literal recognition applies.
    """

    name: str
    regex: str  # Python regex, compiled with re.IGNORECASE | re.MULTILINE
    predicate: str  # ontology local name
    subject: str = "@document"
    subject_type: str | None = None  # ontology class of the subject
    object: str  # template over named groups
    object_type: str = "entity"  # entity | string | decimal | integer | money | date | duration
    object_class: str | None = None  # ontology class when object_type == "entity"
    unit: str | None = None  # fixed unit, or "{group}"
    currency: str | None = None  # fixed currency, or "{group}"
    qualifiers: dict[str, str] = Field(default_factory=dict)  # name -> template
    normalizer: str | None = None  # see the docstring; a name in pipelines.normalize.NORMALIZERS
    # Only matches starting within the first N characters of the *document* count (preambles: parties,
    # agreement date). None = anywhere. An extractor compares chunk.start + match.start() with it.
    within_chars: int | None = None
    # A regex (same flags) that must not match at the end of the text just before the match (up to
    # `LOOKBEHIND` characters of its chunk): "that certain Stock Purchase Agreement, dated ..." names
    # another document's date. Python's own lookbehind must have a fixed width; this one need not.
    not_preceded_by: str | None = None


class DocumentSubject(BaseModel):
    """How a worker model names the document's own subject - "this Agreement", "this installation", "my
    system" - so that such a subject becomes the document entity (as for patterns' "@document"), typed
    `type`. A self-reference is a determiner (this, my, our, the present; up to four modifiers) before one
    of `nouns`, or "the" right before one; it counts only in documents of `kinds` (empty: every kind)."""

    type: str | None = None  # ontology class of the document entity
    nouns: list[str] = Field(default_factory=lambda: [
        "agreement", "contract", "amendment", "addendum", "lease", "licence", "license", "deed", "memorandum",
        "instrument"])
    kinds: list[str] = Field(default_factory=lambda: ["doc"])  # a Reddit "the contract" is some other contract


class MCTSDefaults(BaseModel):
    exploration: float = 1.4
    widening_k: float = 2.0
    widening_alpha: float = 0.5
    parallel: int = 2
    max_depth: int = 3
    max_nodes: int = 20
    children: int = 4  # child questions kept per expansion (at most)
    # Stopping rule: a proposal whose prior (offline: the look-ahead share of unread documents, see
    # sro/mcts/gaps.py) is below this is never expanded; 0 expands everything. Tuned per pipeline
    # (solar_reddit: experiments/bench_planner.py on the tuning half of the real posts).
    min_gain: float = 0.0


class Pipeline(BaseModel):
    name: str
    description: str = ""
    base_iri: str | None = None
    instructions: str = ""  # extraction instructions for the LLM extractor
    predicates: list[PredicateDef] = Field(default_factory=list)
    classes: list[str] = Field(default_factory=list)
    axioms: dict[str, AxiomConfig] = Field(default_factory=dict)
    threshold: float = 0.8
    question_templates: list[str] = Field(default_factory=list)
    mcts: MCTSDefaults = Field(default_factory=MCTSDefaults)
    patterns: list[Pattern] = Field(default_factory=list)  # offline patterns declared in pipeline.yaml
    document_subject: DocumentSubject = Field(default_factory=DocumentSubject)
    # Offline extraction runs spaCy SVO + literals besides the patterns unless this is false (issue 8):
    # for contracts, SVO triples map onto no CUAD category and cost ~95% of the offline time, so
    # legal_contracts sets `offline_svo: false` and the offline extractor should then run patterns only.
    offline_svo: bool = True
    report: ReportSpec = Field(default_factory=ReportSpec)  # what a campaign's answer turns on
    folder: Path | None = None

    @property
    def ontology_path(self) -> Path | None:
        path = self.folder / "ontology.ttl" if self.folder else None
        return path if path and path.exists() else None

    @property
    def shapes_path(self) -> Path | None:
        path = self.folder / "shapes.ttl" if self.folder else None
        return path if path and path.exists() else None

    def predicate(self, name: str) -> PredicateDef | None:
        return next((p for p in self.predicates if p.name == name), None)


def available() -> list[str]:
    return sorted(p.parent.name for p in HERE.glob("*/pipeline.yaml"))


@lru_cache(maxsize=32)
def load_pipeline(name: str) -> Pipeline:
    folder = Path(name) if ("/" in name or Path(name).is_dir()) else HERE / name
    path = folder / "pipeline.yaml"
    if not path.exists():
        raise PipelineError(f"unknown pipeline {name!r}; available: {', '.join(available()) or 'none'}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Pipeline.model_validate({**data, "folder": folder})
    except yaml.YAMLError as exc:
        raise PipelineError(f"{path}: invalid YAML: {exc}") from None
    except ValidationError as exc:
        raise PipelineError(f"{path}: {exc}") from None
