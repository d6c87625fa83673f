"""Where the projections and outcome records are kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.orm import cohort, outcome_records, programmes
from vru_outcomes.domain.model import NOT_THE_PROVIDER, OutcomeDomain, OutcomeRecord, Validation
from vru_outcomes.domain.projections import CohortMember, Erasure, ProgrammeRecord, ReferralRecord


class ProgrammeRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, programme_id: uuid.UUID) -> ProgrammeRecord | None:
        return await self._session.get(ProgrammeRecord, programme_id)

    def add(self, programme: ProgrammeRecord) -> None:
        self._session.add(programme)

    async def provider_of(self, programme_id: uuid.UUID) -> uuid.UUID | None:
        """The provider organisation running the programme; None while that is not known here."""
        programme = await self.get(programme_id)
        return programme.provider_organisation_id if programme is not None else None

    async def run_by(self, organisation_id: uuid.UUID) -> list[uuid.UUID]:
        query = select(ProgrammeRecord.id).where(ProgrammeRecord.provider_organisation_id == organisation_id)
        return list((await self._session.execute(query)).scalars())


class ReferralRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, referral_id: uuid.UUID) -> ReferralRecord | None:
        return await self._session.get(ReferralRecord, referral_id)

    async def get_or_placeholder(self, referral_id: uuid.UUID, programme_id: uuid.UUID) -> ReferralRecord:
        """The referral, or a row to fill in when its own event arrives after a transition's."""
        referral = await self.get(referral_id)
        if referral is None:
            referral = ReferralRecord(referral_id=referral_id, programme_id=programme_id)
            self._session.add(referral)
        return referral


class Cohort:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, enrolment_id: uuid.UUID) -> CohortMember | None:
        return await self._session.get(CohortMember, enrolment_id)

    def add(self, member: CohortMember) -> None:
        self._session.add(member)

    async def known(self, enrolment_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not enrolment_ids:
            return set()
        query = select(CohortMember.enrolment_id).where(CohortMember.enrolment_id.in_(set(enrolment_ids)))
        return set((await self._session.execute(query)).scalars())

    async def first_contact_of(self, referral_id: uuid.UUID) -> datetime | None:
        """The earliest contact on any enrolment of the referral."""
        query = select(func.min(CohortMember.first_contact_at)).where(CohortMember.referral_id == referral_id)
        return (await self._session.execute(query)).scalar()

    async def of_subject(self, pseudonym: str) -> Sequence[CohortMember]:
        query = select(CohortMember).where(CohortMember.subject_pseudonym == pseudonym)
        return (await self._session.execute(query)).scalars().all()


class Erasures:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, digest: str) -> Erasure | None:
        return await self._session.get(Erasure, digest)

    def add(self, erasure: Erasure) -> None:
        self._session.add(erasure)


_records = outcome_records.c
_owner = programmes.c.provider_organisation_id
# An outcome record joined to its enrolment and the enrolment's programme: neither may be here yet.
_WITH_OWNER = outcome_records.outerjoin(cohort, cohort.c.enrolment_id == _records.enrolment_id).outerjoin(
    programmes, programmes.c.id == cohort.c.programme_id
)


def _seen_by(organisation_id: uuid.UUID) -> ColumnElement[bool]:
    """Which records an organisation sees. A checked record is the programme provider's: whoever
    provides the programme now (a programme handed to another provider takes its records with it).
    A pending record, whose provider is not known yet, and one refused because its recorder is
    not the provider, are seen by the organisation that recorded them, and by no other."""
    # Coalesced, so that NOT refused is true rather than NULL for a record with no reason.
    refused = and_(
        _records.validation == Validation.INVALID, func.coalesce(_records.invalid_reason, "") == NOT_THE_PROVIDER
    )
    recorders = and_(
        _records.recorded_by_organisation_id == organisation_id,
        or_(_records.validation == Validation.PENDING, refused),
    )
    providers = and_(_owner == organisation_id, _records.validation != Validation.PENDING, ~refused)
    return or_(recorders, providers)


class OutcomeRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, record: OutcomeRecord) -> None:
        self._session.add(record)

    async def get(self, record_id: uuid.UUID) -> OutcomeRecord | None:
        return await self._session.get(OutcomeRecord, record_id)

    async def seen_by(self, organisation_id: uuid.UUID, record_id: uuid.UUID) -> tuple[OutcomeRecord, bool] | None:
        """The record, if the organisation sees it, and whether its enrolment is known here."""
        row = (await self._session.execute(self._visible(organisation_id).where(_records.id == record_id))).first()
        return (row[0], row[1] is not None) if row is not None else None

    async def list_seen_by(
        self,
        organisation_id: uuid.UUID,
        *,
        enrolment_id: uuid.UUID | None,
        domain: OutcomeDomain | None,
        limit: int,
        offset: int,
    ) -> list[tuple[OutcomeRecord, bool]]:
        """The records the organisation sees, newest first, each with whether its enrolment is known."""
        query = (
            self._visible(organisation_id)
            .order_by(_records.recorded_at.desc(), _records.id)
            .limit(limit)
            .offset(offset)
        )
        if enrolment_id is not None:
            query = query.where(_records.enrolment_id == enrolment_id)
        if domain is not None:
            query = query.where(_records.domain == domain)
        return [(record, known is not None) for record, known in (await self._session.execute(query)).all()]

    @staticmethod
    def _visible(organisation_id: uuid.UUID) -> Select:
        return select(OutcomeRecord, cohort.c.enrolment_id).select_from(_WITH_OWNER).where(_seen_by(organisation_id))

    async def pending_for(self, enrolment_id: uuid.UUID) -> Sequence[OutcomeRecord]:
        query = select(OutcomeRecord).where(
            OutcomeRecord.enrolment_id == enrolment_id, OutcomeRecord.validation == Validation.PENDING
        )
        return (await self._session.execute(query)).scalars().all()

    async def pending_in(self, programme_id: uuid.UUID) -> Sequence[tuple[OutcomeRecord, CohortMember]]:
        """Pending records whose enrolment is known and on the programme: they wait for its provider."""
        query = (
            select(OutcomeRecord, CohortMember)
            .join(CohortMember, CohortMember.enrolment_id == OutcomeRecord.enrolment_id)
            .where(CohortMember.programme_id == programme_id, OutcomeRecord.validation == Validation.PENDING)
        )
        return [(record, member) for record, member in (await self._session.execute(query)).all()]
