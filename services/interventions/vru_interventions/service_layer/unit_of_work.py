"""The interventions unit of work: its repositories over one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared.unit_of_work import RecordsEvents, UnitOfWork

from vru_interventions.adapters.repository import (
    EnrolmentRepository,
    KnownReferralRepository,
    ProgrammeRepository,
)


class InterventionsUnitOfWork(UnitOfWork):
    programmes: ProgrammeRepository
    referrals: KnownReferralRepository
    enrolments: EnrolmentRepository

    def start(self, session: AsyncSession) -> None:
        self.programmes = ProgrammeRepository(session)
        self.referrals = KnownReferralRepository(session)
        self.enrolments = EnrolmentRepository(session)

    def aggregates(self) -> Iterable[RecordsEvents]:
        return chain(self.programmes.seen, self.enrolments.seen)
