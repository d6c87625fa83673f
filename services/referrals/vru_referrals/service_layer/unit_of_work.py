"""The referrals unit of work: the referral repository over one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared.unit_of_work import RecordsEvents, UnitOfWork

from vru_referrals.adapters.repository import ReferralRepository


class ReferralsUnitOfWork(UnitOfWork):
    referrals: ReferralRepository

    def start(self, session: AsyncSession) -> None:
        self.referrals = ReferralRepository(session)

    def aggregates(self) -> Iterable[RecordsEvents]:
        return self.referrals.seen
