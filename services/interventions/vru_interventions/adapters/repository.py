"""Where organisations, programmes, known referrals, enrolments and contacts are kept."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_interventions.domain.enrolments import Contact, Enrolment, EnrolmentStatus
from vru_interventions.domain.organisations import Organisation
from vru_interventions.domain.programmes import PreventionTier, Programme
from vru_interventions.domain.referrals import KnownReferral


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, organisation: Organisation) -> None:
        self._session.add(organisation)

    async def get(self, organisation_id: uuid.UUID) -> Organisation | None:
        return await self._session.get(Organisation, organisation_id)


class ProgrammeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # In the order first touched, so one unit of work publishes its events in the order they happened.
        self.seen: dict[Programme, None] = {}

    def add(self, programme: Programme) -> None:
        self._session.add(programme)
        self.seen.setdefault(programme)

    async def get(self, programme_id: uuid.UUID, *, for_update: bool = False) -> Programme | None:
        query = select(Programme).where(Programme.id == programme_id)
        if for_update:
            # Re-read what a lock waited for, rather than keep the copy loaded before it.
            query = query.with_for_update().execution_options(populate_existing=True)
        programme = (await self._session.execute(query)).scalar_one_or_none()
        if programme is not None:
            self.seen.setdefault(programme)
        return programme

    async def by_name(self, name: str) -> Programme | None:
        return (await self._session.execute(select(Programme).where(Programme.name == name))).scalar_one_or_none()

    async def list(
        self,
        *,
        tier: PreventionTier | None = None,
        provider: str | None = None,
        provider_organisation_id: uuid.UUID | None = None,
        active_on: date | None = None,
        limit: int,
        offset: int,
    ) -> Sequence[Programme]:
        query = select(Programme).order_by(Programme.name).limit(limit).offset(offset)
        if tier is not None:
            query = query.where(Programme.tier == tier)
        if provider is not None:
            query = query.where(Programme.provider == provider)
        if provider_organisation_id is not None:
            query = query.where(Programme.provider_organisation_id == provider_organisation_id)
        if active_on is not None:
            query = query.where(
                Programme.active_from <= active_on,
                or_(Programme.active_to.is_(None), Programme.active_to >= active_on),
            )
        return (await self._session.execute(query)).scalars().all()


class KnownReferralRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, referral: KnownReferral) -> None:
        self._session.add(referral)

    async def get(self, referral_id: uuid.UUID) -> KnownReferral | None:
        return await self._session.get(KnownReferral, referral_id)

    async def about(self, subject_pseudonym: str) -> Sequence[KnownReferral]:
        """The referrals of one young person, in a fixed order (the order their locks are taken)."""
        query = (
            select(KnownReferral)
            .where(KnownReferral.subject_pseudonym == subject_pseudonym)
            .order_by(KnownReferral.referral_id)
        )
        return (await self._session.execute(query)).scalars().all()


class EnrolmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.seen: dict[Enrolment, None] = {}

    def add(self, enrolment: Enrolment) -> None:
        self._session.add(enrolment)
        self.seen.setdefault(enrolment)

    async def get(self, enrolment_id: uuid.UUID, *, for_update: bool = False) -> Enrolment | None:
        query = select(Enrolment).where(Enrolment.id == enrolment_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self._track((await self._session.execute(query)).scalar_one_or_none())

    async def for_referral(self, referral_id: uuid.UUID) -> Enrolment | None:
        """The referral's live enrolment (waiting, active or ended), if it has one."""
        query = select(Enrolment).where(
            Enrolment.referral_id == referral_id, Enrolment.status != EnrolmentStatus.REJECTED
        )
        return self._track((await self._session.execute(query)).scalar_one_or_none())

    async def all_for_referral(self, referral_id: uuid.UUID) -> Sequence[Enrolment]:
        """Every enrolment the referral ever had, rejected ones too, locked for change."""
        query = (
            select(Enrolment)
            .where(Enrolment.referral_id == referral_id)
            .order_by(Enrolment.requested_at, Enrolment.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found = (await self._session.execute(query)).scalars().all()
        for enrolment in found:
            self.seen.setdefault(enrolment)
        return found

    def _track(self, enrolment: Enrolment | None) -> Enrolment | None:
        if enrolment is not None:
            self.seen.setdefault(enrolment)
        return enrolment

    async def list(
        self,
        *,
        provider_organisation_id: uuid.UUID,
        programme_id: uuid.UUID | None,
        status: EnrolmentStatus | None,
        limit: int,
        offset: int,
    ) -> Sequence[Enrolment]:
        """The enrolments on the programmes one provider organisation runs, newest first."""
        query = (
            select(Enrolment)
            .join(Programme, Programme.id == Enrolment.programme_id)
            .where(Programme.provider_organisation_id == provider_organisation_id)
            .order_by(Enrolment.requested_at.desc(), Enrolment.id)
            .limit(limit)
            .offset(offset)
        )
        if programme_id is not None:
            query = query.where(Enrolment.programme_id == programme_id)
        if status is not None:
            query = query.where(Enrolment.status == status)
        return (await self._session.execute(query)).scalars().all()

    async def count(self, programme_id: uuid.UUID, status: EnrolmentStatus) -> int:
        query = select(func.count()).select_from(Enrolment).where(
            Enrolment.programme_id == programme_id, Enrolment.status == status
        )
        return (await self._session.execute(query)).scalar_one()

    async def counts(self, programme_ids: Iterable[uuid.UUID]) -> Counter[tuple[uuid.UUID, EnrolmentStatus]]:
        """How many enrolments each programme has in each status."""
        ids = list(programme_ids)
        if not ids:
            return Counter()
        query = (
            select(Enrolment.programme_id, Enrolment.status, func.count())
            .where(Enrolment.programme_id.in_(ids))
            .group_by(Enrolment.programme_id, Enrolment.status)
        )
        return Counter({(pid, EnrolmentStatus(status)): n for pid, status, n in await self._session.execute(query)})

    def _waitlist(self, programme_id: uuid.UUID):
        # First come, first served: the order they joined the waitlist, then the order asked.
        return (
            select(Enrolment)
            .where(Enrolment.programme_id == programme_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlisted_at, Enrolment.requested_at, Enrolment.id)
        )

    async def first_waitlisted(self, programme_id: uuid.UUID) -> Enrolment | None:
        query = self._waitlist(programme_id).limit(1).with_for_update().execution_options(populate_existing=True)
        return self._track((await self._session.execute(query)).scalars().first())

    async def waitlist(self, programme_id: uuid.UUID, *, limit: int, offset: int) -> Sequence[Enrolment]:
        query = self._waitlist(programme_id).limit(limit).offset(offset)
        return (await self._session.execute(query)).scalars().all()

    async def waitlist_positions(self, enrolments: Iterable[Enrolment]) -> dict[uuid.UUID, int]:
        """Each waitlisted enrolment's place in its programme's queue, counting from 1."""
        positions: dict[uuid.UUID, int] = {}
        programmes = {e.programme_id for e in enrolments if e.status is EnrolmentStatus.WAITLISTED}
        for programme_id in programmes:
            ids = (await self._session.execute(self._waitlist(programme_id).with_only_columns(Enrolment.id))).scalars()
            positions.update({enrolment_id: place for place, enrolment_id in enumerate(ids, start=1)})
        return positions


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, contact: Contact) -> None:
        self._session.add(contact)

    async def for_enrolment(self, enrolment_id: uuid.UUID, *, limit: int, offset: int) -> Sequence[Contact]:
        query = (
            select(Contact)
            .where(Contact.enrolment_id == enrolment_id)
            .order_by(Contact.contact_at, Contact.recorded_at, Contact.id)
            .limit(limit)
            .offset(offset)
        )
        return (await self._session.execute(query)).scalars().all()
