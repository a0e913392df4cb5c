"""The `report:` section of a pipeline.yaml: which quantities a campaign's answer turns on, grouped by theme,
and the rule that turns their aggregates into a hedged conclusion (read by sro/campaign/aggregate.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Quantity(BaseModel):
    predicate: str  # a named predicate of the pipeline
    label: str | None = None  # default: the predicate's label
    unit: str = ""  # "$" is written before numbers, anything else after ("years", "kWh", "%")
    per: str | None = None  # divide each value by this qualifier (cost per kW: system_size_kw)
    by: str | None = None  # one aggregate per value of this qualifier (savings per "period")
    count: bool = False  # entity objects: count reports per object instead of numbers
    chart: bool = False  # draw the distribution in the HTML report
    threshold: float | None = None  # also count the reports at or below it ("payback within 10 years")
    threshold_label: str | None = None  # "payback within 10 years"


class Theme(BaseModel):
    title: str
    quantities: list[Quantity] = Field(default_factory=list)


class Verdict(BaseModel):
    """Lean "yes" when at least `lean_yes` of the reports of `quantity` (one with a threshold) are at or
    below its threshold, "no" when at most `lean_no` are, "mixed" otherwise; with fewer than `min_reports`
    reports it does not lean at all."""

    quantity: str  # the label of a quantity with a threshold
    if_yes: str  # what leaning "yes" means: "solar paid off, or is expected to, within 10 years for most owners"
    if_no: str
    lean_yes: float = 0.6
    lean_no: float = 0.4
    min_reports: int = 5  # fewer reports than this: the evidence does not lean either way


class Table(BaseModel):
    """Answers of a table's shape (contracts): one row per subject, one column per predicate."""

    columns: list[str]


class ReportSpec(BaseModel):
    themes: list[Theme] = Field(default_factory=list)
    verdict: Verdict | None = None
    table: Table | None = None
    caveat: str = ""  # the limits of the evidence, stated under every answer
    noun: str = "documents"  # what one source is called in the report ("posts")
