"""Where the projections and outcome records are kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.domain.model import OutcomeDomain, OutcomeRecord, Validation
from vru_outcomes.domain.projections import CohortMember, ProgrammeRecord, ReferralRecord


class ProgrammeRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, programme_id: uuid.UUID) -> ProgrammeRecord | None:
        return await self._session.get(ProgrammeRecord, programme_id)

    def add(self, programme: ProgrammeRecord) -> None:
        self._session.add(programme)


class ReferralRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, referral_id: uuid.UUID) -> ReferralRecord | None:
        return await self._session.get(ReferralRecord, referral_id)

    async def get_or_placeholder(self, referral_id: uuid.UUID, programme_id: uuid.UUID) -> ReferralRecord:
        """The referral, or a row to fill in when its own event arrives after a transition's."""
        referral = await self.get(referral_id)
        if referral is None:
            referral = ReferralRecord(referral_id=referral_id, programme_id=programme_id)
            self._session.add(referral)
        return referral


class Cohort:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, enrolment_id: uuid.UUID) -> CohortMember | None:
        return await self._session.get(CohortMember, enrolment_id)

    def add(self, member: CohortMember) -> None:
        self._session.add(member)

    async def known(self, enrolment_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not enrolment_ids:
            return set()
        query = select(CohortMember.enrolment_id).where(CohortMember.enrolment_id.in_(set(enrolment_ids)))
        return set((await self._session.execute(query)).scalars())


class OutcomeRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, record: OutcomeRecord) -> None:
        self._session.add(record)

    async def get(self, record_id: uuid.UUID) -> OutcomeRecord | None:
        return await self._session.get(OutcomeRecord, record_id)

    async def list(
        self,
        *,
        enrolment_id: uuid.UUID | None,
        domain: OutcomeDomain | None,
        limit: int,
        offset: int,
    ) -> Sequence[OutcomeRecord]:
        query = (
            select(OutcomeRecord)
            .order_by(OutcomeRecord.recorded_at.desc(), OutcomeRecord.id)
            .limit(limit)
            .offset(offset)
        )
        if enrolment_id is not None:
            query = query.where(OutcomeRecord.enrolment_id == enrolment_id)
        if domain is not None:
            query = query.where(OutcomeRecord.domain == domain)
        return (await self._session.execute(query)).scalars().all()

    async def pending_for(self, enrolment_id: uuid.UUID) -> Sequence[OutcomeRecord]:
        query = select(OutcomeRecord).where(
            OutcomeRecord.enrolment_id == enrolment_id, OutcomeRecord.validation == Validation.PENDING
        )
        return (await self._session.execute(query)).scalars().all()
