"""The quality of what referrers record: ethnicity completeness."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_queries.frames import counted, referred
from vru_outcomes.adapters.orm import referrals
from vru_outcomes.domain.metric_query import MetricQuery
from vru_outcomes.domain.results import Counted


def stated() -> ColumnElement[bool]:
    return and_(referrals.c.ethnicity.is_not(None), referrals.c.ethnicity_group != "not_stated")


async def ethnicity_stated(session: AsyncSession, query: MetricQuery) -> list[Counted]:
    statement = referred().select(query, func.sum(case((stated(), 1), else_=0)), func.count(), grouped=True)
    return await counted(session, statement, query)
