"""The referrals unit of work: referrals, subjects, programmes and the audit trail over one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared.unit_of_work import RecordsEvents, UnitOfWork

from vru_referrals.adapters.audit import AuditTrail
from vru_referrals.adapters.programmes import ProgrammeRepository
from vru_referrals.adapters.repository import ReferralRepository
from vru_referrals.adapters.subjects import SubjectRepository


class ReferralsUnitOfWork(UnitOfWork):
    referrals: ReferralRepository
    subjects: SubjectRepository
    programmes: ProgrammeRepository
    audit: AuditTrail

    def start(self, session: AsyncSession) -> None:
        self.referrals = ReferralRepository(session)
        self.subjects = SubjectRepository(session)
        self.programmes = ProgrammeRepository(session)
        self.audit = AuditTrail(session)

    def aggregates(self) -> Iterable[RecordsEvents]:
        return chain(self.referrals.seen, self.subjects.seen)
