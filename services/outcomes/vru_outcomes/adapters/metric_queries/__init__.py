"""The database side of each metric: the rows its table is made of, bounded by the query."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_queries import funnel, latest_status, recording, reoffending, timings
from vru_outcomes.adapters.orm import programmes
from vru_outcomes.domain.metric_query import MetricQuery
from vru_outcomes.domain.tabulation import Row

Fetch = Callable[[AsyncSession, MetricQuery], Awaitable[list[Row]]]

FETCHERS: dict[str, Fetch] = {
    "ete.in_ete_at_latest": latest_status.in_ete_at_latest,
    "ete.progressed_from_neet": latest_status.progressed_from_neet,
    "accommodation.suitable_at_latest": latest_status.suitable_at_latest,
    "reoffending.proven_binary": partial(reoffending.groups, frequency=False),
    "reoffending.proven_frequency": partial(reoffending.groups, frequency=True),
    "funnel.accepted": partial(funnel.reached, stage="accepted"),
    "funnel.enrolled": partial(funnel.reached, stage="enrolled"),
    "funnel.completed": partial(funnel.reached, stage="completed"),
    "funnel.decline_reasons": funnel.decline_reasons,
    "funnel.exit_reasons": funnel.exit_reasons,
    "timings.index_to_referral": partial(timings.hours, timing="index_to_referral"),
    "timings.referral_to_decision": partial(timings.hours, timing="referral_to_decision"),
    "timings.referral_to_first_contact": partial(timings.hours, timing="referral_to_first_contact"),
    "ethnicity.recording_completeness": recording.ethnicity_stated,
}


async def programme_names(session: AsyncSession, ids: Iterable[str]) -> dict[str, str]:
    wanted = {uuid.UUID(i) for i in ids if _is_uuid(i)}
    if not wanted:
        return {}
    found = await session.execute(select(programmes.c.id, programmes.c.name).where(programmes.c.id.in_(wanted)))
    return {str(programme_id): name for programme_id, name in found.all()}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
