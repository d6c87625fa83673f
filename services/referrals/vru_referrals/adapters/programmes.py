"""Where the programme projection is kept."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_referrals.domain.programmes import Programme


class ProgrammeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, programme_id: uuid.UUID) -> Programme | None:
        return (await self._session.execute(select(Programme).where(Programme.id == programme_id))).scalar_one_or_none()

    def add(self, programme: Programme) -> None:
        self._session.add(programme)
