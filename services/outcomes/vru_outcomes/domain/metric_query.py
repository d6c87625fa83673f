"""A metric query: which days, which groups, which filters, for which audience."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import get_args

from dateutil.relativedelta import relativedelta

from vru_shared.contracts.referrals import ReferralSource, Sex

from vru_outcomes.domain.catalogue import Metric, MetricKind
from vru_outcomes.domain.disclosure import DisclosurePolicy, policy_for
from vru_outcomes.domain.periods import Granularity, Period, parse_period, period_containing, periods_covering

PERIOD = "period"
REASON = "reason"
PROGRAMME = "programme"
# Dimensions every metric can be grouped by, in the order the catalogue lists them.
DIMENSIONS = (PROGRAMME, "provider", "source", PERIOD, "age_band", "sex", "ethnicity_group", "postcode_district")
# Query parameters that filter, and the dimension each filters on.
FILTERS = {
    "programme_id": PROGRAMME,
    "provider": "provider",
    "source": "source",
    "age_band": "age_band",
    "sex": "sex",
    "ethnicity_group": "ethnicity_group",
    "postcode_district": "postcode_district",
}
ETHNICITY_GROUPS = ("white", "mixed", "asian", "black", "other", "not_stated")
# The group value, and filter value, of a dimension a record has no value for.
UNKNOWN = "unknown"
_CLOSED_LISTS: dict[str, tuple[str, ...]] = {
    "source": get_args(ReferralSource),
    "sex": get_args(Sex),
    "ethnicity_group": ETHNICITY_GROUPS,
}
AUDIENCES = ("internal", "vru", "public")
DEFAULT_MONTHS = 12


class InvalidQuery(ValueError):
    """A query parameter that cannot be answered; `parameter` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class MetricQuery:
    metric: Metric
    first: Period
    last: Period
    group_by: tuple[str, ...]
    granularity: Granularity
    # dimension -> accepted values (programme ids as text); UNKNOWN matches a missing value, and
    # no values at all match nothing
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    policy: DisclosurePolicy = field(default_factory=lambda: policy_for("vru"))
    as_of: date | None = None

    @property
    def start(self) -> date:
        return self.first.start

    @property
    def end(self) -> date:
        """The first day after the range."""
        return self.last.end

    @property
    def grouped_dimensions(self) -> tuple[str, ...]:
        """The dimensions the database groups by: the period is folded from days afterwards."""
        return tuple(d for d in self.group_by if d != PERIOD)

    def within_programmes(self, programme_ids: Sequence[uuid.UUID]) -> MetricQuery:
        """The query over these programmes only. A programme filter naming others keeps just the
        ones among them, so another's programme answers exactly as one that does not exist: no data."""
        allowed = [str(p) for p in programme_ids]
        asked = self.filters.get(PROGRAMME)
        kept = tuple(p for p in asked if p in allowed) if asked is not None else tuple(sorted(allowed))
        return replace(self, filters={**self.filters, PROGRAMME: kept})

    def periods(self) -> list[Period]:
        """The periods of the range at the query's granularity; edge ones may lie partly outside it."""
        return periods_covering(self.first, self.last, self.granularity)


def _values(parameter: str, given: Sequence[str] | None) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(v.strip() for item in given or () for v in item.split(",") if v.strip()))
    if given and not values:
        raise InvalidQuery(parameter, f"{parameter} is given without a value")
    return values


def _filters(given: Mapping[str, Sequence[str] | None]) -> dict[str, tuple[str, ...]]:
    filters: dict[str, tuple[str, ...]] = {}
    for parameter, dimension in FILTERS.items():
        values = _values(parameter, given.get(parameter))
        if not values:
            continue
        if parameter == "programme_id":
            try:
                values = tuple(str(uuid.UUID(v)) for v in values)
            except ValueError:
                raise InvalidQuery(parameter, "programme_id takes programme ids (UUIDs)") from None
        if parameter == "postcode_district":
            values = tuple(v.upper() for v in values)
        allowed = _CLOSED_LISTS.get(dimension)
        if allowed is not None:
            wrong = [v for v in values if v not in allowed and v != UNKNOWN]
            if wrong:
                raise InvalidQuery(parameter, f"{parameter} {wrong[0]!r} is not one of {', '.join(allowed)}")
        filters[dimension] = values
    return filters


def _group_by(metric: Metric, text: str | None) -> tuple[str, ...]:
    if text is None:
        return metric.default_group_by
    chosen = _values("group_by", [text]) if text.strip() else ()
    allowed = DIMENSIONS + ((REASON,) if metric.kind is MetricKind.BREAKDOWN else ())
    for dimension in chosen:
        if dimension not in allowed:
            raise InvalidQuery("group_by", f"group_by {dimension!r} is not one of {', '.join(allowed)}")
    if metric.kind is MetricKind.BREAKDOWN:
        # A breakdown is a count per reason: the reason is always its last dimension.
        chosen = tuple(d for d in chosen if d != REASON) + (REASON,)
    return chosen


def _period(parameter: str, label: str) -> Period:
    try:
        return parse_period(label)
    except ValueError as exc:
        raise InvalidQuery(parameter, f"{parameter}: {exc}") from None


def parse_query(
    metric: Metric,
    *,
    today: date,
    from_label: str | None = None,
    to_label: str | None = None,
    group_by: str | None = None,
    granularity: Granularity | None = None,
    filters: Mapping[str, Sequence[str] | None] | None = None,
    audience: str = "vru",
    as_of: date | None = None,
) -> MetricQuery:
    """The query the parameters ask for; InvalidQuery names the first parameter that is wrong.

    Without from and to, the range is the last 12 calendar months, this month included.
    """
    last = _period("to", to_label) if to_label else period_containing(today, Granularity.MONTH)
    if from_label:
        first = _period("from", from_label)
    else:
        first = period_containing(last.end - relativedelta(months=DEFAULT_MONTHS), Granularity.MONTH)
    if first.start >= last.end:
        raise InvalidQuery("from", f"from ({first.label}) is after to ({last.label})")
    try:
        policy = policy_for(audience)
    except ValueError as exc:
        raise InvalidQuery("audience", str(exc)) from None
    if as_of is not None and as_of > today:
        raise InvalidQuery("as_of", "as_of is in the future: proofs not yet made cannot be counted")
    return MetricQuery(
        metric=metric,
        first=first,
        last=last,
        group_by=_group_by(metric, group_by),
        granularity=Granularity(granularity or Granularity.QUARTER),
        filters=_filters(filters or {}),
        policy=policy,
        as_of=(as_of or today) if metric.uses_as_of else None,
    )
