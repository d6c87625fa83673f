"""Proven reoffending, counted by the database per cell: cohort, reoffenders, reoffences as known on
as_of, and how many members' figures are still provisional.

Each member's first proven reoffence (in the MoJ window) is a fact on its cohort row, so the
binary rate reads one row per member; only the frequency counts the reoffence records themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_queries.frames import enrolments
from vru_outcomes.adapters.orm import cohort, outcome_records
from vru_outcomes.domain.metric_query import PERIOD, MetricQuery
from vru_outcomes.domain.model import OutcomeDomain, Validation
from vru_outcomes.domain.results import Reoffended

c, o = cohort.c, outcome_records.c


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def groups(session: AsyncSession, query: MetricQuery, *, frequency: bool,
                 where: Sequence[ColumnElement[bool]] = ()) -> list[Reoffended]:
    as_of = query.as_of
    assert as_of is not None
    frame = enrolments()
    reoffended = and_(c.first_reoffence_proven_on.is_not(None), c.first_reoffence_proven_on <= as_of)
    if frequency:
        # Each member's proven reoffences known on as_of: the MoJ window, from its cohort row.
        counts = (
            select(o.enrolment_id, func.count().label("reoffences"))
            .select_from(outcome_records.join(cohort, c.enrolment_id == o.enrolment_id))
            .where(
                o.domain == OutcomeDomain.REOFFENDING,
                o.validation == Validation.VALID,
                o.offence_date >= c.start_date,
                o.offence_date < c.follow_up_end,
                o.proven_date < c.waiting_end,
                o.proven_date <= as_of,
                c.start_date >= query.start,
                c.start_date < query.end,
            )
            .group_by(o.enrolment_id)
            .subquery()
        )
        frame = frame.joined(counts, counts.c.enrolment_id == c.enrolment_id)
        reoffences = func.coalesce(func.sum(counts.c.reoffences), 0)
    else:
        reoffences = literal(0)
    statement = frame.select(
        query,
        func.count(),
        _count(reoffended),
        reoffences,
        # A member's figure is final once its waiting period is over (domain.reoffending.is_final).
        _count(c.waiting_end > as_of),
        grouped=True,
    ).where(c.start_date <= as_of, *where)
    return await parsed(session, statement, query)


async def parsed(session: AsyncSession, statement: Select, query: MetricQuery) -> list[Reoffended]:
    """Rows of a statement made by Frame.select with four measures: cohort, reoffenders,
    reoffences, provisional members."""
    width = len(query.grouped_dimensions)
    by_period = PERIOD in query.group_by
    return [
        Reoffended(
            values=tuple(row[:width]),
            day=row[width] if by_period else None,
            cohort=int(row[-4]),
            reoffenders=int(row[-3]),
            reoffences=int(row[-2] or 0),
            provisional=int(row[-1]),
        )
        for row in (await session.execute(statement)).all()
    ]
