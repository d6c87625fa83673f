"""The rows a metric counts, with a column for each dimension, bounded by the query's range and filters.

Enrolments take their programme and provider from the enrolment and the young person's attributes
from the referral; referrals take their programme and provider from the programme referred to.
Both are outer joins: a projection whose event has not arrived yet leaves its dimensions unknown,
never a member out of the count.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, FromClause, Select, case, false, literal, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.orm import cohort, programmes, referrals
from vru_outcomes.domain.metric_query import PERIOD, PROGRAMME, REASON, UNKNOWN, MetricQuery
from vru_outcomes.domain.results import Counted


@dataclass(frozen=True)
class Frame:
    source: FromClause
    columns: dict[str, ColumnElement]
    # The date that puts a row in a period: the cohort rule.
    day: ColumnElement

    def joined(self, other: FromClause, onclause: ColumnElement[bool]) -> Frame:
        """The same frame with another table's columns beside it (an outer join: none lost)."""
        return Frame(self.source.outerjoin(other, onclause), self.columns, self.day)

    def with_reason(self, column: ColumnElement) -> Frame:
        """The frame with the coded reason a breakdown counts by, as its `reason` dimension."""
        return Frame(self.source, {**self.columns, REASON: column}, self.day)

    def select(self, query: MetricQuery, *measures: ColumnElement, grouped: bool) -> Select:
        """The dimension columns, the period's label (as `day`) when grouping by period, then the
        measures; filtered to the range and the filters, and grouped by those columns when `grouped`.
        The database folds days into periods, so a table's rows are its cells, not its days."""
        keys = [self.columns[d].label(f"dim_{d}") for d in query.grouped_dimensions]
        day = [period_label(self.day, query).label("day")] if PERIOD in query.group_by else []
        statement = (
            select(*keys, *day, *measures)
            .select_from(self.source)
            .where(self.day >= query.start, self.day < query.end, *self.conditions(query))
        )
        if grouped:
            # By the output name: the CASE repeated would carry other parameters than the SELECT's.
            by_day = [literal_column("day")] if day else []
            statement = statement.group_by(*[self.columns[d] for d in query.grouped_dimensions], *by_day)
        return statement

    def conditions(self, query: MetricQuery) -> list[ColumnElement[bool]]:
        found = []
        for dimension, values in query.filters.items():
            column = self.columns[dimension]
            known = [v for v in values if v != UNKNOWN]
            parts = []
            if known:
                parts.append(column.in_(_typed(dimension, known)))
            if UNKNOWN in values:
                parts.append(column.is_(None))
            found.append(or_(*parts) if parts else false())
        return found


def period_label(day: ColumnElement, query: MetricQuery) -> ColumnElement[str]:
    """The label of the query's period holding the day (a day of the range: the WHERE keeps to it)."""
    periods = query.periods()
    if len(periods) == 1:
        return literal(periods[0].label)
    return case(*[(day < p.end, literal(p.label)) for p in periods[:-1]], else_=literal(periods[-1].label))


def _typed(dimension: str, values: Sequence[str]) -> list:
    # Programme ids arrive as text, already checked to be UUIDs.
    return [uuid.UUID(v) for v in values] if dimension == PROGRAMME else list(values)


def _attributes(programme_id: ColumnElement) -> dict[str, ColumnElement]:
    return {
        PROGRAMME: programme_id,
        "provider": programmes.c.provider,
        "source": referrals.c.source,
        "age_band": referrals.c.age_band,
        "sex": referrals.c.sex,
        "ethnicity_group": referrals.c.ethnicity_group,
        "postcode_district": referrals.c.postcode_district,
    }


def enrolments(day: ColumnElement = cohort.c.start_date) -> Frame:
    source = cohort.outerjoin(referrals, referrals.c.referral_id == cohort.c.referral_id).outerjoin(
        programmes, programmes.c.id == cohort.c.programme_id
    )
    return Frame(source, _attributes(cohort.c.programme_id), day)


def referred() -> Frame:
    """Referrals whose own event has arrived: only it says when they were referred."""
    source = referrals.outerjoin(programmes, programmes.c.id == referrals.c.programme_id)
    return Frame(source, _attributes(referrals.c.programme_id), referrals.c.referred_on)


def referral_exists(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """Whether some enrolment of the frame's referral meets the conditions."""
    return (
        select(cohort.c.enrolment_id)
        .where(cohort.c.referral_id == referrals.c.referral_id, *conditions)
        .exists()
    )


async def counted(session: AsyncSession, statement: Select, query: MetricQuery) -> list[Counted]:
    """Rows of a statement made by Frame.select with two measures: numerator, then denominator."""
    width = len(query.grouped_dimensions)
    by_period = PERIOD in query.group_by
    return [
        Counted(
            values=tuple(row[:width]),
            day=row[width] if by_period else None,
            numerator=int(row[-2] or 0),
            denominator=int(row[-1] or 0),
        )
        for row in (await session.execute(statement)).all()
    ]
