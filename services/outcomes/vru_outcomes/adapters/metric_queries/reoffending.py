"""Proven reoffending: the cohort members of the period and their reoffences, for the MoJ measure in Python."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_queries.frames import enrolments
from vru_outcomes.adapters.orm import cohort, outcome_records
from vru_outcomes.domain.metric_query import MetricQuery
from vru_outcomes.domain.model import OutcomeDomain, Validation
from vru_outcomes.domain.results import Member


async def members(session: AsyncSession, query: MetricQuery) -> list[Member]:
    assert query.as_of is not None
    frame = enrolments()
    started = frame.select(query, cohort.c.enrolment_id, cohort.c.start_date, grouped=False).where(
        cohort.c.start_date <= query.as_of
    )
    rows = (await session.execute(started)).all()
    known = (
        select(outcome_records.c.enrolment_id, outcome_records.c.offence_date, outcome_records.c.proven_date)
        .where(
            outcome_records.c.domain == OutcomeDomain.REOFFENDING,
            outcome_records.c.validation == Validation.VALID,
            outcome_records.c.proven_date <= query.as_of,
            outcome_records.c.enrolment_id.in_(started.with_only_columns(cohort.c.enrolment_id)),
        )
    )
    offences: dict[object, list[tuple[date, date]]] = defaultdict(list)
    for enrolment_id, offence_date, proven_date in (await session.execute(known)).all():
        offences[enrolment_id].append((offence_date, proven_date))
    width = len(query.grouped_dimensions)
    return [
        Member(values=tuple(row[:width]), day=row[-1], offences=tuple(offences[row[-2]])) for row in rows
    ]
