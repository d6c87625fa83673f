"""The outcomes unit of work: its repositories over one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared import audit
from vru_shared.auth import Principal
from vru_shared.unit_of_work import UnitOfWork

from vru_outcomes.adapters.orm import audit_trail
from vru_outcomes.adapters.repository import Cohort, Erasures, OutcomeRecords, ProgrammeRecords, ReferralRecords


class OutcomesUnitOfWork(UnitOfWork):
    programmes: ProgrammeRecords
    referrals: ReferralRecords
    cohort: Cohort
    outcomes: OutcomeRecords
    erasures: Erasures

    def start(self, session: AsyncSession) -> None:
        self.programmes = ProgrammeRecords(session)
        self.referrals = ReferralRecords(session)
        self.cohort = Cohort(session)
        self.outcomes = OutcomeRecords(session)
        self.erasures = Erasures(session)

    async def audit(self, caller: Principal | None, *entries: audit.AuditEntry) -> None:
        """Add audit entries to this transaction: they commit with it, or not at all."""
        await audit.record(self.session, audit_trail, caller, *entries)
