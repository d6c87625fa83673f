"""Handlers: one command or event in, one unit of work committed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from vru_shared.contracts.interventions import (
    ContactRecorded,
    EnrolmentEnded,
    EnrolmentStarted,
    ProgrammeCreated,
    ProgrammeUpdated,
)
from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralEnrolled,
    ReferralReceived,
    ReferralWithdrawn,
)

from vru_outcomes.domain.model import (
    AccommodationStatus,
    Disposal,
    EteStatus,
    MeasurementPoint,
    OffenceCategory,
    OutcomeDomain,
    OutcomeRecord,
    SubstanceMisuseStatus,
    WellbeingScale,
)
from vru_outcomes.domain.projections import CohortMember, ProgrammeRecord
from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork

# --- commands ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordMeasurement:
    """An observation at a measurement point, in any domain but reoffending."""

    enrolment_id: uuid.UUID
    domain: OutcomeDomain
    point: MeasurementPoint
    follow_up_months: int | None
    observed_on: date
    status: str | None = None
    scale: WellbeingScale | None = None
    score: int | None = None


@dataclass(frozen=True)
class RecordReoffence:
    enrolment_id: uuid.UUID
    offence_date: date
    proven_date: date
    disposal: Disposal
    offence_category: OffenceCategory


_STATUSES = {
    OutcomeDomain.ETE: (OutcomeRecord.record_ete, EteStatus),
    OutcomeDomain.ACCOMMODATION: (OutcomeRecord.record_accommodation, AccommodationStatus),
    OutcomeDomain.SUBSTANCE_MISUSE: (OutcomeRecord.record_substance_misuse, SubstanceMisuseStatus),
}


async def record_outcome(
    cmd: RecordMeasurement | RecordReoffence, uow: OutcomesUnitOfWork
) -> tuple[OutcomeRecord, bool]:
    """Record an outcome; say whether its enrolment is already in the cohort."""
    async with uow:
        member = await uow.cohort.get(cmd.enrolment_id)
        if isinstance(cmd, RecordReoffence):
            record = OutcomeRecord.record_reoffence(
                enrolment_id=cmd.enrolment_id,
                offence_date=cmd.offence_date,
                proven_date=cmd.proven_date,
                disposal=cmd.disposal,
                offence_category=cmd.offence_category,
                member=member,
            )
        else:
            measured = dict(
                enrolment_id=cmd.enrolment_id,
                point=cmd.point,
                follow_up_months=cmd.follow_up_months,
                observed_on=cmd.observed_on,
                member=member,
            )
            if cmd.domain is OutcomeDomain.WELLBEING:
                assert cmd.scale is not None and cmd.score is not None
                record = OutcomeRecord.record_wellbeing(scale=cmd.scale, score=cmd.score, **measured)
            else:
                factory, statuses = _STATUSES[cmd.domain]
                record = factory(status=statuses(cmd.status), **measured)
        uow.outcomes.add(record)
        await uow.commit()
    return record, member is not None


# --- projections of programmes -----------------------------------------------------------------


async def remember_programme(event: ProgrammeCreated, uow: OutcomesUnitOfWork) -> None:
    # An update may overtake the creation on the bus; a late creation must not undo it.
    if await uow.programmes.get(event.programme_id) is None:
        uow.programmes.add(
            ProgrammeRecord(id=event.programme_id, name=event.name, provider=event.provider, tier=event.tier)
        )


async def update_programme(event: ProgrammeUpdated, uow: OutcomesUnitOfWork) -> None:
    programme = await uow.programmes.get(event.programme_id)
    if programme is None:
        uow.programmes.add(
            ProgrammeRecord(id=event.programme_id, name=event.name, provider=event.provider, tier=event.tier)
        )
    else:
        programme.name, programme.provider, programme.tier = event.name, event.provider, event.tier


# --- projections of referrals ------------------------------------------------------------------


async def referral_received(event: ReferralReceived, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.received(
        source=event.source,
        age_band=event.age_band,
        sex=event.sex,
        ethnicity=event.ethnicity,
        ethnicity_group=event.ethnicity_group,
        postcode_district=event.postcode_district,
        referred_at=event.referred_at,
        index_event_at=event.index_event_at,
        received_at=event.received_at,
    )


async def referral_accepted(event: ReferralAccepted, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.accepted(event.decided_at)


async def referral_declined(event: ReferralDeclined, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.declined(event.decided_at, event.reason)


async def referral_withdrawn(event: ReferralWithdrawn, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.withdrawn(event.withdrawn_at, event.reason)


async def referral_enrolled(event: ReferralEnrolled, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.enrolled(event.enrolled_at, event.enrolment_id)


async def referral_closed(event: ReferralClosed, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.closed(event.closed_at, event.reason)


# --- projection of the cohort ------------------------------------------------------------------


async def join_cohort(event: EnrolmentStarted, uow: OutcomesUnitOfWork) -> None:
    """An enrolment started: it joins the cohort, and outcomes posted ahead of it are checked."""
    if await uow.cohort.get(event.enrolment_id) is not None:
        return
    member = CohortMember(
        enrolment_id=event.enrolment_id,
        referral_id=event.referral_id,
        programme_id=event.programme_id,
        subject_pseudonym=event.subject_pseudonym,
        start_date=event.start_date,
        started_at=event.started_at,
    )
    uow.cohort.add(member)
    for record in await uow.outcomes.pending_for(event.enrolment_id):
        record.validate_on_arrival(member)


async def _member(enrolment_id: uuid.UUID, uow: OutcomesUnitOfWork, what: str) -> CohortMember:
    member = await uow.cohort.get(enrolment_id)
    if member is None:
        # Seen before the start: fail, so the bus retries once the start has arrived.
        raise LookupError(f"enrolment {enrolment_id}: {what} before it was seen to start")
    return member


async def contact_recorded(event: ContactRecorded, uow: OutcomesUnitOfWork) -> None:
    (await _member(event.enrolment_id, uow, "a contact")).contacted(event.contact_at)


async def leave_cohort(event: EnrolmentEnded, uow: OutcomesUnitOfWork) -> None:
    (await _member(event.enrolment_id, uow, "ended")).ended(event.end_date, event.exit_reason)


SUBSCRIPTIONS = {
    ProgrammeCreated: [remember_programme],
    ProgrammeUpdated: [update_programme],
    ReferralReceived: [referral_received],
    ReferralAccepted: [referral_accepted],
    ReferralDeclined: [referral_declined],
    ReferralWithdrawn: [referral_withdrawn],
    ReferralEnrolled: [referral_enrolled],
    ReferralClosed: [referral_closed],
    EnrolmentStarted: [join_cohort],
    ContactRecorded: [contact_recorded],
    EnrolmentEnded: [leave_cohort],
}
