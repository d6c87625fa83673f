"""The referral funnel (referred, accepted, enrolled, completed) and why referrals and enrolments drop out."""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, func, or_
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_queries.frames import counted, enrolments, referral_exists, referred
from vru_outcomes.adapters.orm import cohort, referrals
from vru_outcomes.domain.metric_query import MetricQuery
from vru_outcomes.domain.results import Counted

COMPLETED = "completed"


def _enrolled() -> ColumnElement[bool]:
    # The referral's own enrolled event or the enrolment's started event, whichever came first.
    return or_(referrals.c.enrolled_at.is_not(None), referral_exists())


_STAGES = {
    "accepted": lambda: or_(referrals.c.accepted_at.is_not(None), _enrolled()),
    "enrolled": _enrolled,
    "completed": lambda: referral_exists(cohort.c.exit_reason == COMPLETED),
}


def reached_condition(stage: str) -> ColumnElement[bool]:
    """Whether a referral (of the referrals table) reached the stage."""
    return _STAGES[stage]()


async def reached(session: AsyncSession, query: MetricQuery, stage: str) -> list[Counted]:
    """Referrals that reached the stage, over all referred."""
    reached_stage = case((reached_condition(stage), 1), else_=0)
    statement = referred().select(query, func.sum(reached_stage), func.count(), grouped=True)
    return await counted(session, statement, query)


async def decline_reasons(session: AsyncSession, query: MetricQuery) -> list[Counted]:
    frame = referred().with_reason(referrals.c.decline_reason)
    statement = frame.select(query, func.count(), func.count(), grouped=True).where(
        referrals.c.declined_at.is_not(None)
    )
    return await counted(session, statement, query)


async def exit_reasons(session: AsyncSession, query: MetricQuery) -> list[Counted]:
    frame = enrolments(day=cohort.c.end_date).with_reason(cohort.c.exit_reason)
    statement = frame.select(query, func.count(), func.count(), grouped=True)
    return await counted(session, statement, query)
