"""Marking the summary's keys stale in the transaction of the change that made them so.

A unit of work gathers what its changes touched and writes the marks once, as it commits: at most
two lookups and one upsert for a whole batch of messages, rather than three statements for each.
The marks still commit with the change, so a read that recounts the marked keys misses nothing
(adapters.metric_summary_upkeep).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_summary_upkeep import ENROLMENTS, REFERRALS
from vru_outcomes.adapters.orm import cohort, metric_summary_dirty, referrals

Key = tuple[str, uuid.UUID, date]


class SummaryMarks:
    """The keys a unit of work's changes made stale, written by `write` before it commits."""

    def __init__(self) -> None:
        self._keys: set[Key] = set()
        self._referrals: set[uuid.UUID] = set()
        self._members: set[uuid.UUID] = set()
        self._members_of_referrals: set[uuid.UUID] = set()

    def referral_counted(self, programme_id: uuid.UUID, referred_on: date | None) -> None:
        """A referral in hand changed: its programme and month are known without a lookup."""
        if referred_on is not None:
            self._keys.add((REFERRALS, programme_id, referred_on.replace(day=1)))

    def member_counted(self, programme_id: uuid.UUID, start_date: date | None) -> None:
        if start_date is not None:
            self._keys.add((ENROLMENTS, programme_id, start_date.replace(day=1)))

    def referrals(self, referral_ids: Iterable[uuid.UUID], *, with_members: bool = False) -> None:
        """Referrals known by id changed; with_members: their attributes too, which their
        enrolments are counted by."""
        ids = set(referral_ids)
        self._referrals |= ids
        if with_members:
            self._members_of_referrals |= ids

    def members(self, enrolment_ids: Iterable[uuid.UUID]) -> None:
        """The members' counts may have changed (their facts, their exit or their joining)."""
        self._members |= set(enrolment_ids)

    def __bool__(self) -> bool:
        return bool(self._keys or self._referrals or self._members or self._members_of_referrals)

    async def write(self, session: AsyncSession) -> None:
        """Look up the keys of what was named by id (as the transaction has it now) and mark them all."""
        keys = set(self._keys)
        if self._referrals:
            found = await session.execute(select(referrals.c.programme_id, referrals.c.referred_on)
                                          .where(referrals.c.referral_id.in_(self._referrals)))
            keys |= {(REFERRALS, p, day.replace(day=1)) for p, day in found.all() if day is not None}
        if self._members or self._members_of_referrals:
            chosen = []
            if self._members:
                chosen.append(cohort.c.enrolment_id.in_(self._members))
            if self._members_of_referrals:
                chosen.append(cohort.c.referral_id.in_(self._members_of_referrals))
            found = await session.execute(select(cohort.c.programme_id, cohort.c.start_date).where(or_(*chosen)))
            keys |= {(ENROLMENTS, p, day.replace(day=1)) for p, day in found.all() if day is not None}
        self.clear()
        if keys:
            await _mark(session, keys)

    def clear(self) -> None:
        self._keys.clear()
        self._referrals.clear()
        self._members.clear()
        self._members_of_referrals.clear()


async def _mark(session: AsyncSession, keys: set[Key]) -> None:
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    # In key order, so that two transactions marking the same keys lock them in the same order.
    statement = dialect.insert(metric_summary_dirty).values(
        [{"population": population, "programme_id": p, "month": m} for population, p, m in sorted(keys)])
    await session.execute(statement.on_conflict_do_update(
        index_elements=["population", "programme_id", "month"],
        set_={"version": metric_summary_dirty.c.version + 1}))
