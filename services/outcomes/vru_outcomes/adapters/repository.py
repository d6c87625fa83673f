"""Where the cohort, programmes and outcome records are kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.domain.model import CohortMember, OutcomeRecord, ProgrammeRecord


class ProgrammeRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, programme_id: uuid.UUID) -> ProgrammeRecord | None:
        return await self._session.get(ProgrammeRecord, programme_id)

    def add(self, programme: ProgrammeRecord) -> None:
        self._session.add(programme)


class Cohort:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, enrolment_id: uuid.UUID) -> CohortMember | None:
        return await self._session.get(CohortMember, enrolment_id)

    def add(self, member: CohortMember) -> None:
        self._session.add(member)


class OutcomeRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, record: OutcomeRecord) -> None:
        self._session.add(record)

    async def get(self, record_id: uuid.UUID) -> OutcomeRecord | None:
        return await self._session.get(OutcomeRecord, record_id)

    async def list(self, *, enrolment_id: uuid.UUID | None, limit: int, offset: int) -> Sequence[OutcomeRecord]:
        query = (
            select(OutcomeRecord)
            .order_by(OutcomeRecord.recorded_at.desc(), OutcomeRecord.id)
            .limit(limit)
            .offset(offset)
        )
        if enrolment_id is not None:
            query = query.where(OutcomeRecord.enrolment_id == enrolment_id)
        return (await self._session.execute(query)).scalars().all()
