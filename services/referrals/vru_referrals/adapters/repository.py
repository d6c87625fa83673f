"""Where referrals are kept; it tracks what it hands out so their events are published."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared.db import UtcDateTime

from vru_referrals.adapters import orm
from vru_referrals.adapters.new_rows import NewRows
from vru_referrals.domain.identifiers import Identifier
from vru_referrals.domain.model import FINISHED_STATUSES, OPEN_STATUSES, Referral, ReferralSource, ReferralStatus


_r = orm.referrals.c
# Built once: asked for every referral of someone seen before. Only the id is wanted, so no
# referral is loaded (its JSON documents decoded) for it.
_EARLIEST_OPEN = (
    select(_r.id)
    .where(_r.subject_id == bindparam("subject_id"), _r.programme_id == bindparam("programme_id"),
           _r.status.in_(OPEN_STATUSES))
    .order_by(_r.received_at, _r.id)
    .limit(1)
)


class ReferralRepository:
    def __init__(self, session: AsyncSession, new_rows: NewRows) -> None:
        self._session = session
        self._new_rows = new_rows
        self.seen: set[Referral] = set()

    def add(self, referral: Referral) -> None:
        """A new referral, inserted when the unit of work commits (not visible to queries before)."""
        self._new_rows.add_object(orm.referrals, referral)
        self.seen.add(referral)

    async def get(self, referral_id: uuid.UUID, *, for_update: bool = False) -> Referral | None:
        query = select(Referral).where(Referral.id == referral_id)
        if for_update:
            query = query.with_for_update()
        referral = (await self._session.execute(query)).scalar_one_or_none()
        if referral is not None:
            self.seen.add(referral)
        return referral

    async def earliest_open_id(self, subject_id: uuid.UUID, programme_id: uuid.UUID) -> uuid.UUID | None:
        """The id of the first open referral of a subject to a programme, which a new one would duplicate."""
        found = await self._session.execute(_EARLIEST_OPEN, {"subject_id": subject_id, "programme_id": programme_id})
        return found.scalar_one_or_none()

    async def move_to_subject(self, from_subjects: Sequence[uuid.UUID], subject_id: uuid.UUID, pseudonym: str,
                              key_version: int) -> None:
        """Point the referrals of absorbed subjects at the subject that absorbed them."""
        await self._session.execute(
            update(orm.referrals)
            .where(orm.referrals.c.subject_id.in_(list(from_subjects)))
            .values(subject_id=subject_id, subject_pseudonym=pseudonym, pseudonym_key_version=key_version)
        )

    async def of_subjects(self, subject_ids: Sequence[uuid.UUID]) -> Sequence[Referral]:
        """Every referral of these subjects, locked for the change to come."""
        query = (select(Referral).where(Referral.subject_id.in_(list(subject_ids)))
                 .order_by(Referral.received_at, Referral.id).with_for_update()
                 .execution_options(populate_existing=True))
        found = (await self._session.execute(query)).scalars().all()
        self.seen.update(found)
        return found

    async def identifiers_of(self, subject_ids: Sequence[uuid.UUID]) -> Sequence[tuple[Identifier, ...]]:
        """The identifiers the referrals of these subjects were sent with (none once erased)."""
        query = select(orm.referrals.c.identifiers).where(orm.referrals.c.subject_id.in_(list(subject_ids)))
        return (await self._session.execute(query)).scalars().all()

    async def subjects_finished_before(self, cutoff: datetime) -> Sequence[uuid.UUID]:
        """Subjects not yet erased whose referrals have all ended, the last of them before `cutoff`."""
        r, s = orm.referrals.c, orm.subjects.c
        finished = case(
            (r.status == ReferralStatus.DECLINED, r.decided_at),
            (r.status == ReferralStatus.WITHDRAWN, r.withdrawn_at),
            (r.status == ReferralStatus.CLOSED, r.closed_at),
            else_=None,
        )
        still_open = func.sum(case((r.status.in_(FINISHED_STATUSES), 0), else_=1))
        query = (
            select(r.subject_id)
            .join(orm.subjects, s.id == r.subject_id)
            .where(s.erased_at.is_(None), s.merged_into.is_(None))
            .group_by(r.subject_id)
            .having(still_open == 0, func.max(finished, type_=UtcDateTime()) < cutoff)
            .order_by(r.subject_id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def list(
        self,
        *,
        visible_to: uuid.UUID,
        source: ReferralSource | None,
        status: ReferralStatus | None,
        programme_id: uuid.UUID | None,
        possible_duplicate: bool | None,
        limit: int,
        offset: int,
    ) -> Sequence[Referral]:
        """Referrals the organisation made, or receives as the provider of their programme."""
        programmes = orm.programmes.c
        query = (
            select(Referral)
            .outerjoin(orm.programmes, programmes.id == Referral.programme_id)
            .where(or_(Referral.referring_organisation_id == visible_to,
                       programmes.provider_organisation_id == visible_to))
            .order_by(Referral.received_at.desc(), Referral.id).limit(limit).offset(offset)
        )
        if source is not None:
            query = query.where(Referral.source == source)
        if status is not None:
            query = query.where(Referral.status == status)
        if programme_id is not None:
            query = query.where(Referral.programme_id == programme_id)
        if possible_duplicate is True:
            query = query.where(Referral.possible_duplicate_of.is_not(None))
        elif possible_duplicate is False:
            query = query.where(Referral.possible_duplicate_of.is_(None))
        return (await self._session.execute(query)).scalars().all()
