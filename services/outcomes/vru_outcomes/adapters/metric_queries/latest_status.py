"""Metrics over each enrolment's latest outcome record in a domain (ETE, accommodation).

Each member's latest status, and whether it progressed from a NEET baseline, are facts kept on
its cohort row (adapters.metric_facts): one row per member is read, never its records.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, func, true
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_queries.frames import counted, enrolments
from vru_outcomes.adapters.orm import cohort
from vru_outcomes.domain.metric_query import MetricQuery
from vru_outcomes.domain.model import AccommodationStatus, EteStatus
from vru_outcomes.domain.results import Counted


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _latest_in(session: AsyncSession, query: MetricQuery, latest: ColumnElement, success: list[str]
                     ) -> list[Counted]:
    statement = enrolments().select(query, _count(latest.in_(success)), func.count(latest), grouped=True)
    return await counted(session, statement, query)


IN_ETE = [s.value for s in EteStatus if s.in_ete]
SUITABLE = [AccommodationStatus.SUITABLE.value]


async def in_ete_at_latest(session: AsyncSession, query: MetricQuery) -> list[Counted]:
    return await _latest_in(session, query, cohort.c.ete_latest, IN_ETE)


async def suitable_at_latest(session: AsyncSession, query: MetricQuery) -> list[Counted]:
    return await _latest_in(session, query, cohort.c.accommodation_latest, SUITABLE)


async def progressed_from_neet(session: AsyncSession, query: MetricQuery) -> list[Counted]:
    # ete_from_neet is None for members not NEET at baseline or without a later record.
    progressed = cohort.c.ete_from_neet
    statement = enrolments().select(query, _count(progressed == true()), func.count(progressed), grouped=True)
    return await counted(session, statement, query)
