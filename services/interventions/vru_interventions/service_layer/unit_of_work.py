"""The interventions unit of work: its repositories over one transaction, and the locks it holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from itertools import chain

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared.audit import AuditEntry, record
from vru_shared.auth import Principal
from vru_shared.unit_of_work import RecordsEvents, UnitOfWork

from vru_interventions.adapters import orm
from vru_interventions.adapters.repository import (
    ContactRepository,
    EnrolmentRepository,
    KnownReferralRepository,
    OrganisationRepository,
    ProgrammeRepository,
)


class InterventionsUnitOfWork(UnitOfWork):
    """Locks are taken in one order, referrals' before programmes', several of a kind only in id
    order (an erasure), and an organisation's only alone, so two units of work never wait for each
    other in a circle."""

    organisations: OrganisationRepository
    programmes: ProgrammeRepository
    referrals: KnownReferralRepository
    enrolments: EnrolmentRepository
    contacts: ContactRepository

    def start(self, session: AsyncSession) -> None:
        self.organisations = OrganisationRepository(session)
        self.programmes = ProgrammeRepository(session)
        self.referrals = KnownReferralRepository(session)
        self.enrolments = EnrolmentRepository(session)
        self.contacts = ContactRepository(session)

    def aggregates(self) -> Iterable[RecordsEvents]:
        return chain(self.programmes.seen, self.enrolments.seen)

    async def audit(self, caller: Principal | None, *entries: AuditEntry) -> None:
        """Add to the audit trail in this transaction, so a change and its record commit together."""
        await record(self.session, orm.audit_trail, caller, *entries)

    async def hold_referral(self, referral_id: uuid.UUID) -> None:
        """Serialise with everything else that reads or changes this referral's enrolment."""
        await self.serialise_on(f"referral:{referral_id}")

    async def hold_programme(self, programme_id: uuid.UUID) -> None:
        """Serialise with everything that starts, waitlists or ends this programme's enrolments,
        so its places are counted by one unit of work at a time."""
        await self.serialise_on(f"programme:{programme_id}")

    async def hold_organisation(self, organisation_id: uuid.UUID) -> None:
        """Serialise the events of one organisation, which arrive in any order."""
        await self.serialise_on(f"organisation:{organisation_id}")
