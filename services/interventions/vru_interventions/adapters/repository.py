"""Where programmes, known referrals and enrolments are kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_interventions.domain.model import Enrolment, EnrolmentStatus, KnownReferral, Programme


class ProgrammeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.seen: set[Programme] = set()

    def add(self, programme: Programme) -> None:
        self._session.add(programme)
        self.seen.add(programme)

    async def get(self, programme_id: uuid.UUID) -> Programme | None:
        return await self._session.get(Programme, programme_id)

    async def by_name(self, name: str) -> Programme | None:
        return (await self._session.execute(select(Programme).where(Programme.name == name))).scalar_one_or_none()

    async def list(self, *, limit: int, offset: int) -> Sequence[Programme]:
        query = select(Programme).order_by(Programme.name).limit(limit).offset(offset)
        return (await self._session.execute(query)).scalars().all()


class KnownReferralRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, referral: KnownReferral) -> None:
        self._session.add(referral)

    async def get(self, referral_id: uuid.UUID) -> KnownReferral | None:
        return await self._session.get(KnownReferral, referral_id)


class EnrolmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.seen: set[Enrolment] = set()

    def add(self, enrolment: Enrolment) -> None:
        self._session.add(enrolment)
        self.seen.add(enrolment)

    async def get(self, enrolment_id: uuid.UUID, *, for_update: bool = False) -> Enrolment | None:
        query = select(Enrolment).where(Enrolment.id == enrolment_id)
        if for_update:
            query = query.with_for_update()
        return self._track((await self._session.execute(query)).scalar_one_or_none())

    async def for_referral(self, referral_id: uuid.UUID, *, for_update: bool = False) -> Enrolment | None:
        """The referral's live enrolment (awaiting, active or ended), if it has one."""
        query = select(Enrolment).where(
            Enrolment.referral_id == referral_id, Enrolment.status != EnrolmentStatus.REJECTED
        )
        if for_update:
            query = query.with_for_update()
        return self._track((await self._session.execute(query)).scalar_one_or_none())

    def _track(self, enrolment: Enrolment | None) -> Enrolment | None:
        if enrolment is not None:
            self.seen.add(enrolment)
        return enrolment

    async def list(
        self, *, programme_id: uuid.UUID | None, status: EnrolmentStatus | None, limit: int, offset: int
    ) -> Sequence[Enrolment]:
        query = select(Enrolment).order_by(Enrolment.requested_at.desc(), Enrolment.id).limit(limit).offset(offset)
        if programme_id is not None:
            query = query.where(Enrolment.programme_id == programme_id)
        if status is not None:
            query = query.where(Enrolment.status == status)
        return (await self._session.execute(query)).scalars().all()
