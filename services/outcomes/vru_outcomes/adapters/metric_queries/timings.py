"""Reachable-moment timings: each referral's elapsed hours, loaded for the period and summarised in Python."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_queries.frames import referred
from vru_outcomes.adapters.orm import cohort, referrals
from vru_outcomes.domain.metric_query import PERIOD, MetricQuery
from vru_outcomes.domain.results import Timed

r = referrals.c
MOMENTS = (
    r.index_event_at,
    r.referred_at,
    r.accepted_at,
    r.declined_at,
    r.enrolled_at,
    # The earliest contact on any enrolment of the referral.
    select(func.min(cohort.c.first_contact_at))
    .where(cohort.c.referral_id == r.referral_id)
    .scalar_subquery()
    .label("first_contact_at"),
)

Moments = Mapping[str, Any]


def _decided_at(m: Moments) -> datetime | None:
    # The first decision; an enrolment without a recorded acceptance is one.
    return min((m[k] for k in ("accepted_at", "declined_at", "enrolled_at") if m[k] is not None), default=None)


# Each timing: when it starts and when it ends (None while that has not happened).
INTERVALS: dict[str, tuple[Callable[[Moments], datetime | None], Callable[[Moments], datetime | None]]] = {
    "index_to_referral": (lambda m: m["index_event_at"], lambda m: m["referred_at"]),
    "referral_to_decision": (lambda m: m["referred_at"], _decided_at),
    "referral_to_first_contact": (lambda m: m["referred_at"], lambda m: m["first_contact_at"]),
}


async def hours(session: AsyncSession, query: MetricQuery, timing: str) -> list[Timed]:
    begins, ends = INTERVALS[timing]
    width = len(query.grouped_dimensions)
    by_period = PERIOD in query.group_by
    found = []
    for row in (await session.execute(referred().select(query, *MOMENTS, grouped=False))).all():
        moments = row._mapping
        begin, end = begins(moments), ends(moments)
        # A negative interval is a recording error, left out rather than pulling the median down.
        if begin is None or end is None or end < begin:
            continue
        found.append(
            Timed(
                values=tuple(row[:width]),
                day=row[width] if by_period else None,
                hours=(end - begin).total_seconds() / 3600,
            )
        )
    return found
