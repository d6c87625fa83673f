"""Answers worked out before, given again while they are still exact.

A median over a million referrals takes seconds however it is stored, and analysts ask the same
tables again and again. Every change that could alter a metric marks its summary keys dirty in
its own transaction (adapters.metric_summary_upkeep), and a read recounts the dirty keys of its
range first, stamping the rows it writes with a generation no recount had before. So the
generations and number of the summary's rows over a range change whenever anything under that
range changed: a kept answer whose stamp is the stamp now is exactly what working it out again
would give. Nothing is trusted across that check, so the answers of several processes (or of a
process that missed the change) are never stale.

The rows kept are the database's, before tabulation: disclosure control and labels are applied to
them on every read, for the audience that asked.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Hashable, Sized
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters import metric_summary_upkeep as upkeep
from vru_outcomes.adapters.orm import metric_summary, programmes
from vru_outcomes.domain.metric_query import MetricQuery

s = metric_summary.c


@dataclass(frozen=True)
class Stamp:
    """What the answer was worked out from: the summary's rows over its range, and the programmes'
    providers when it is grouped or filtered by provider (a programme may change provider)."""

    generation: int
    rows: int
    providers: tuple[tuple[str, str | None], ...] | None


def _key(query: MetricQuery) -> Hashable:
    return (
        query.metric.id,
        query.start,
        query.end,
        query.group_by,
        query.granularity,
        tuple(sorted((dimension, tuple(values)) for dimension, values in query.filters.items())),
        query.as_of,
    )


async def _stamp(session: AsyncSession, query: MetricQuery) -> Stamp:
    # Whole months: a key is a programme and the month its members' dates fall in.
    first_month = query.start.replace(day=1)
    for population in (upkeep.REFERRALS, upkeep.ENROLMENTS):
        await upkeep.bring_up_to_date(session, population, first_month, query.end)
    found = await session.execute(
        select(func.coalesce(func.max(s.generation), 0), func.count())
        .where(s.population.in_(upkeep.POPULATIONS), s.dimension == "", s.month >= first_month,
               s.month < query.end))
    generation, rows = found.one()
    providers = None
    if "provider" in query.group_by or "provider" in query.filters:
        listed = await session.execute(select(programmes.c.id, programmes.c.provider).order_by(programmes.c.id))
        providers = tuple((str(programme_id), provider) for programme_id, provider in listed.all())
    return Stamp(int(generation), int(rows), providers)


class MetricAnswers:
    """The rows of recent queries, each with the stamp it was worked out under (bounded: least
    recently asked go first, and a very large answer is not kept at all)."""

    # Bounded so that a full cache of the largest answers kept stays within tens of megabytes.
    def __init__(self, size: int = 64, max_rows: int = 5_000) -> None:
        self._kept: LRUCache[Hashable, tuple[Stamp, Any]] = LRUCache(maxsize=size)
        self._max_rows = max_rows

    async def rows(self, session: AsyncSession, query: MetricQuery,
                   work_out: Callable[[], Awaitable[Sized]]) -> Any:
        """The query's rows (a list, or the timings' spreads by key): those kept, if nothing under
        them changed since, else `work_out()`'s.

        The caller commits: the recounts made on the way are kept for the next read."""
        stamp = await _stamp(session, query)
        key = _key(query)
        kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return copy.copy(kept[1])
        rows = await work_out()
        if len(rows) <= self._max_rows:
            self._kept[key] = (stamp, copy.copy(rows))
        return rows

    def __len__(self) -> int:
        return len(self._kept)
