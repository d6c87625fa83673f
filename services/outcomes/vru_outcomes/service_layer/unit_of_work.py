"""The outcomes unit of work: its repositories over one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared.unit_of_work import UnitOfWork

from vru_outcomes.adapters.repository import Cohort, OutcomeRecords, ProgrammeRecords, ReferralRecords


class OutcomesUnitOfWork(UnitOfWork):
    programmes: ProgrammeRecords
    referrals: ReferralRecords
    cohort: Cohort
    outcomes: OutcomeRecords

    def start(self, session: AsyncSession) -> None:
        self.programmes = ProgrammeRecords(session)
        self.referrals = ReferralRecords(session)
        self.cohort = Cohort(session)
        self.outcomes = OutcomeRecords(session)
