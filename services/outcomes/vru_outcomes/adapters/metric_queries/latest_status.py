"""Metrics over each enrolment's latest outcome record in a domain (ETE, accommodation)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Subquery, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_queries.frames import counted, enrolments
from vru_outcomes.adapters.orm import cohort, outcome_records
from vru_outcomes.domain.metric_query import MetricQuery
from vru_outcomes.domain.model import AccommodationStatus, EteStatus, MeasurementPoint, OutcomeDomain, Validation
from vru_outcomes.domain.results import Counted

records = outcome_records.c


def _first_by_date(
    query: MetricQuery, domain: OutcomeDomain, *, latest: bool, where: ColumnElement[bool] | None = None
) -> Subquery:
    """Each cohort member's latest (or earliest) valid record of the domain: observed last, then recorded last."""
    order = (
        (records.observed_on.desc(), records.recorded_at.desc(), records.id.desc())
        if latest
        else (records.observed_on.asc(), records.recorded_at.asc(), records.id.asc())
    )
    started = select(cohort.c.enrolment_id).where(cohort.c.start_date >= query.start, cohort.c.start_date < query.end)
    conditions = [
        records.domain == domain,
        records.validation == Validation.VALID,
        records.enrolment_id.in_(started),
    ]
    if where is not None:
        conditions.append(where)
    ranked = (
        select(
            records.enrolment_id,
            records.id,
            records.status,
            func.row_number().over(partition_by=records.enrolment_id, order_by=order).label("rank"),
        )
        .where(*conditions)
        .subquery()
    )
    return select(ranked.c.enrolment_id, ranked.c.id, ranked.c.status).where(ranked.c.rank == 1).subquery()


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _latest_in(
    session: AsyncSession, query: MetricQuery, domain: OutcomeDomain, success: list[str]
) -> list[Counted]:
    latest = _first_by_date(query, domain, latest=True)
    frame = enrolments().joined(latest, latest.c.enrolment_id == cohort.c.enrolment_id)
    statement = frame.select(
        query,
        _count(latest.c.status.in_(success)),
        func.count(latest.c.enrolment_id),
        grouped=True,
    )
    return await counted(session, statement, query)


async def in_ete_at_latest(session: AsyncSession, query: MetricQuery) -> list[Counted]:
    return await _latest_in(session, query, OutcomeDomain.ETE, [s.value for s in EteStatus if s.in_ete])


async def suitable_at_latest(session: AsyncSession, query: MetricQuery) -> list[Counted]:
    return await _latest_in(session, query, OutcomeDomain.ACCOMMODATION, [AccommodationStatus.SUITABLE.value])


async def progressed_from_neet(session: AsyncSession, query: MetricQuery) -> list[Counted]:
    baseline = _first_by_date(query, OutcomeDomain.ETE, latest=False, where=records.point == MeasurementPoint.BASELINE)
    latest = _first_by_date(query, OutcomeDomain.ETE, latest=True)
    frame = (
        enrolments()
        .joined(baseline, baseline.c.enrolment_id == cohort.c.enrolment_id)
        .joined(latest, latest.c.enrolment_id == cohort.c.enrolment_id)
    )
    # The latest record being another than the baseline is what makes it a later one.
    neet_then_more = and_(baseline.c.status == EteStatus.NEET.value, latest.c.id != baseline.c.id)
    statement = frame.select(
        query,
        _count(and_(neet_then_more, latest.c.status != EteStatus.NEET.value)),
        _count(neet_then_more),
        grouped=True,
    )
    return await counted(session, statement, query)
