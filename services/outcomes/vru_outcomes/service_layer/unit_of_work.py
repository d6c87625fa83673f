"""The outcomes unit of work: its repositories over one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared import audit
from vru_shared.auth import Principal
from vru_shared.unit_of_work import UnitOfWork

from vru_outcomes.adapters.metric_summary_marks import SummaryMarks
from vru_outcomes.adapters.orm import audit_trail
from vru_outcomes.adapters.repository import Cohort, Erasures, OutcomeRecords, ProgrammeRecords, ReferralRecords


class OutcomesUnitOfWork(UnitOfWork):
    programmes: ProgrammeRecords
    referrals: ReferralRecords
    cohort: Cohort
    outcomes: OutcomeRecords
    erasures: Erasures
    # The metric summary's keys this unit of work's changes made stale: marked as it commits.
    marks: SummaryMarks

    def start(self, session: AsyncSession) -> None:
        self.marks = SummaryMarks()
        self.programmes = ProgrammeRecords(session)
        self.referrals = ReferralRecords(session)
        self.cohort = Cohort(session)
        self.outcomes = OutcomeRecords(session)
        self.erasures = Erasures(session)

    async def commit(self) -> None:
        if self.marks:
            await self.marks.write(self.session)
        await super().commit()

    async def audit(self, caller: Principal | None, *entries: audit.AuditEntry) -> None:
        """Add audit entries to this transaction: they commit with it, or not at all."""
        await audit.record(self.session, audit_trail, caller, *entries)
