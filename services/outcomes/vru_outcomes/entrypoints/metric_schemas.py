"""The metrics API's response bodies: the catalogue, and one metric's protected table."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from vru_outcomes.domain.catalogue import Metric, MetricKind
from vru_outcomes.domain.disclosure import DisclosurePolicy
from vru_outcomes.domain.metric_query import DIMENSIONS, REASON
from vru_outcomes.domain.results import ResultCell
from vru_outcomes.service_layer.metrics import MetricAnswer


class MetricOut(BaseModel):
    id: str
    title: str
    definition: str
    numerator: str
    denominator: str
    cohort_rule: str = Field(description="Which records are counted, and which date puts each in a period.")
    unit: str
    version: str = Field(description="Goes up whenever the definition, numerator, denominator or cohort rule changes.")
    kind: MetricKind
    population: str = Field(description="What one counted unit is: an enrolment or a referral.")
    standard: str | None = Field(description="The external definition followed, with its version.")
    dimensions: list[str] = Field(description="What group_by may name.")
    default_group_by: list[str]
    uses_as_of: bool

    @classmethod
    def of(cls, m: Metric) -> MetricOut:
        return cls(
            id=m.id,
            title=m.title,
            definition=m.definition,
            numerator=m.numerator,
            denominator=m.denominator,
            cohort_rule=m.cohort_rule,
            unit=m.unit,
            version=m.version,
            kind=m.kind,
            population=m.population,
            standard=m.standard,
            dimensions=[*DIMENSIONS, *([REASON] if m.kind is MetricKind.BREAKDOWN else [])],
            default_group_by=list(m.default_group_by),
            uses_as_of=m.uses_as_of,
        )


class CatalogueOut(BaseModel):
    metrics: list[MetricOut]


class PolicyOut(BaseModel):
    name: str
    suppress_from: int = Field(description="Counts from suppress_from to suppress_to are suppressed.")
    suppress_to: int
    round_to: int | None = Field(description="Published counts are rounded to a multiple of this; null: exact.")
    secondary: bool = Field(description="Whether more cells are hidden so that no suppressed one can be worked out.")

    @classmethod
    def of(cls, p: DisclosurePolicy) -> PolicyOut:
        return cls(
            name=p.name, suppress_from=p.suppress_from, suppress_to=p.suppress_to, round_to=p.round_to,
            secondary=p.secondary,
        )


class CellOut(BaseModel):
    group: dict[str, str] = Field(description='Each grouped dimension\'s value; "all" in margins and the total.')
    numerator: int | None = Field(description="As published: null when suppressed, rounded under the public policy.")
    denominator: int | None
    rate: float | None = Field(
        description="From the true counts, or from the published ones when the policy rounds (else the rate "
        "would give the true counts away); null when suppressed or the denominator is 0."
    )
    ci95_low: float | None = Field(description="95% Wilson score interval, on the same counts as the rate.")
    ci95_high: float | None
    suppressed: bool
    reason: str | None = Field(description="Why suppressed: primary (a small count) or secondary (protects another).")
    n: int | None = Field(default=None, description="Durations: how many intervals.")
    median: float | None = Field(default=None, description="Durations: the median, in the metric's unit.")
    p90: float | None = Field(default=None, description="Durations: the 90th percentile (linear interpolation).")
    per_reoffender: float | None = Field(default=None, description="Reoffending frequency: reoffences per reoffender.")
    provisional: bool | None = Field(default=None, description="Reoffending: some member's 18 months are not over.")

    @classmethod
    def of(cls, c: ResultCell) -> CellOut:
        return cls(**c.__dict__)


class MetricResultOut(BaseModel):
    metric: str
    title: str
    version: str
    definition: str
    unit: str
    standard: str | None
    audience: str
    policy: PolicyOut
    from_: str = Field(serialization_alias="from", description="The first period of the range.")
    to: str = Field(description="The last period of the range.")
    start: date = Field(description="The first day counted.")
    end: date = Field(description="The first day after the range.")
    group_by: list[str]
    granularity: str | None = Field(description="The length of the periods, when grouped by period.")
    filters: dict[str, list[str]]
    as_of: date | None = Field(description="Reoffending: the day the figures are as known on.")
    cells: list[CellOut]
    total: CellOut
    margins: list[CellOut] = Field(description="Subtotals of each value of each dimension (two or more dimensions).")
    provisional: bool | None
    labels: dict[str, dict[str, str]] = Field(description="Names of id values, e.g. programme names by programme id.")
    generated_at: datetime

    @classmethod
    def of(cls, a: MetricAnswer) -> MetricResultOut:
        q, m = a.query, a.query.metric
        return cls(
            metric=m.id,
            title=m.title,
            version=m.version,
            definition=m.definition,
            unit=m.unit,
            standard=m.standard,
            audience=q.policy.name,
            policy=PolicyOut.of(q.policy),
            from_=q.first.label,
            to=q.last.label,
            start=q.start,
            end=q.end,
            group_by=list(q.group_by),
            granularity=q.granularity if "period" in q.group_by else None,
            filters={d: list(v) for d, v in q.filters.items()},
            as_of=q.as_of,
            cells=[CellOut.of(c) for c in a.table.cells],
            total=CellOut.of(a.table.total),
            margins=[CellOut.of(c) for c in a.table.margins],
            provisional=a.table.provisional,
            labels=a.labels,
            generated_at=a.generated_at,
        )
