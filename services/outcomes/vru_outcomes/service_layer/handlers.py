"""Event handlers: the projections of programmes, referrals and the cohort, and erasure.

Commands of the API are in `recording`."""

from __future__ import annotations

import uuid

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
    SubjectErased,
)

from vru_outcomes.adapters import metric_facts
from vru_outcomes.domain.projections import CohortMember, ProgrammeRecord, ReferralRecord
from vru_outcomes.service_layer.erasure import erase_subject, forget_if_erased
from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork

# --- projections of programmes -----------------------------------------------------------------


async def remember_programme(event: ProgrammeCreated, uow: OutcomesUnitOfWork) -> None:
    # An update may overtake the creation on the bus; a late creation must not undo it.
    if await uow.programmes.get(event.programme_id) is None:
        await update_programme(event, uow)


async def update_programme(event: ProgrammeCreated | ProgrammeUpdated, uow: OutcomesUnitOfWork) -> None:
    programme = await uow.programmes.get(event.programme_id)
    if programme is None:
        programme = ProgrammeRecord(id=event.programme_id, name=event.name, provider=event.provider)
        uow.programmes.add(programme)
    elif not event.supersedes(programme.revision):
        # A retried message overtaken by a later change: the later state stays.
        return
    programme.name, programme.provider, programme.tier = event.name, event.provider, event.tier
    programme.provider_organisation_id, programme.revision = event.provider_organisation_id, event.revision
    # Records of enrolments on the programme waited for its provider to be known.
    checked = []
    for record, member in await uow.outcomes.pending_in(event.programme_id):
        record.validate_on_arrival(member, provider_organisation_id=event.provider_organisation_id)
        checked.append(member.enrolment_id)
    await metric_facts.refresh(uow.session, checked)
    uow.marks.members(checked)


async def _retime(referral: ReferralRecord, uow: OutcomesUnitOfWork, *, attributes: bool = False) -> None:
    """The referral's timings, from its moments and the first contact on its enrolments; and its
    metric counts (with its enrolments', when its attributes arrived) marked for recounting."""
    referral.retime(await uow.cohort.first_contact_of(referral.referral_id))
    uow.marks.referral_counted(referral.programme_id, referral.referred_on)
    if attributes:
        uow.marks.referrals([referral.referral_id], with_members=True)


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
    await _retime(referral, uow, attributes=True)


async def referral_accepted(event: ReferralAccepted, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.accepted(event.decided_at)
    await _retime(referral, uow)


async def referral_declined(event: ReferralDeclined, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.declined(event.decided_at, event.reason)
    await _retime(referral, uow)


async def referral_withdrawn(event: ReferralWithdrawn, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.withdrawn(event.withdrawn_at, event.reason)
    await _retime(referral, uow)


async def referral_enrolled(event: ReferralEnrolled, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.enrolled(event.enrolled_at, event.enrolment_id)
    await _retime(referral, uow)


async def referral_closed(event: ReferralClosed, uow: OutcomesUnitOfWork) -> None:
    referral = await uow.referrals.get_or_placeholder(event.referral_id, event.programme_id)
    referral.closed(event.closed_at, event.reason)
    await _retime(referral, uow)


# --- projection of the cohort ------------------------------------------------------------------


async def join_cohort(event: EnrolmentStarted, uow: OutcomesUnitOfWork) -> None:
    """An enrolment started: it joins the cohort (without its subject, if they have been erased),
    and outcomes posted ahead of it are checked."""
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
    await forget_if_erased(member, event.subject_pseudonym, uow)
    uow.cohort.add(member)
    # A new member of its month's cohort, and an enrolled referral.
    uow.marks.member_counted(member.programme_id, member.start_date)
    uow.marks.referrals([member.referral_id])
    provider = await uow.programmes.provider_of(event.programme_id)
    if provider is None:
        # The programme's own event is still on its way: its arrival checks the pending records.
        return
    for record in await uow.outcomes.pending_for(event.enrolment_id):
        record.validate_on_arrival(member, provider_organisation_id=provider)
    await metric_facts.refresh(uow.session, [member.enrolment_id])


async def _member(enrolment_id: uuid.UUID, uow: OutcomesUnitOfWork, what: str) -> CohortMember:
    member = await uow.cohort.get(enrolment_id)
    if member is None:
        # Seen before the start: fail, so the bus retries once the start has arrived.
        raise LookupError(f"enrolment {enrolment_id}: {what} before it was seen to start")
    return member


async def contact_recorded(event: ContactRecorded, uow: OutcomesUnitOfWork) -> None:
    member = await _member(event.enrolment_id, uow, "a contact")
    member.contacted(event.contact_at)
    referral = await uow.referrals.get(member.referral_id)
    if referral is not None:
        await _retime(referral, uow)


async def leave_cohort(event: EnrolmentEnded, uow: OutcomesUnitOfWork) -> None:
    member = await _member(event.enrolment_id, uow, "ended")
    member.ended(event.end_date, event.exit_reason)
    # A completed enrolment counts for its referral.
    uow.marks.members([member.enrolment_id])
    uow.marks.referrals([member.referral_id])


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
    SubjectErased: [erase_subject],
}
