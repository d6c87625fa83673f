"""Where referrals are kept; it tracks what it hands out so their events are published."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_referrals.domain.model import Referral, ReferralSource, ReferralStatus


class ReferralRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.seen: set[Referral] = set()

    def add(self, referral: Referral) -> None:
        self._session.add(referral)
        self.seen.add(referral)

    async def get(self, referral_id: uuid.UUID, *, for_update: bool = False) -> Referral | None:
        query = select(Referral).where(Referral.id == referral_id)
        if for_update:
            query = query.with_for_update()
        referral = (await self._session.execute(query)).scalar_one_or_none()
        if referral is not None:
            self.seen.add(referral)
        return referral

    async def list(
        self,
        *,
        source: ReferralSource | None,
        status: ReferralStatus | None,
        programme_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> Sequence[Referral]:
        query = select(Referral).order_by(Referral.received_at.desc(), Referral.id).limit(limit).offset(offset)
        if source is not None:
            query = query.where(Referral.source == source)
        if status is not None:
            query = query.where(Referral.status == status)
        if programme_id is not None:
            query = query.where(Referral.programme_id == programme_id)
        return (await self._session.execute(query)).scalars().all()
