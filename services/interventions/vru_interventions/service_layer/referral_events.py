"""Handlers of the referrals service's events: keep each referral's projection, and move on the
enrolment that waits for it.

They run inside the unit of work the event consumer opens and commits; they do not commit.
Each takes the referral's lock first, so an enrolment posted at the same moment is handled
wholly before or wholly after, and neither order loses a start.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralEnrolled,
    ReferralReceived,
    ReferralWithdrawn,
)

from vru_interventions.domain.referrals import KnownReferral, ReferralStatus
from vru_interventions.service_layer import places
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork


async def remember_referral(event: ReferralReceived, uow: InterventionsUnitOfWork) -> None:
    """Keep the referral's details; an enrolment waiting for them may now start."""
    await uow.hold_referral(event.referral_id)
    referral = await uow.referrals.get(event.referral_id)
    if referral is None:
        referral = KnownReferral.received(
            referral_id=event.referral_id,
            programme_id=event.programme_id,
            subject_pseudonym=event.subject_pseudonym,
            referred_at=event.referred_at,
        )
        uow.referrals.add(referral)
    else:
        # A later stage of its lifecycle came first; it keeps its status, and gains its details.
        referral.details_arrived(subject_pseudonym=event.subject_pseudonym, referred_at=event.referred_at)
    await _move_on_waiting_enrolment(referral, uow)


async def note_acceptance(event: ReferralAccepted, uow: InterventionsUnitOfWork) -> None:
    """The provider accepted the referral: an enrolment waiting for that starts, or joins the waitlist."""
    await _advance(event.referral_id, event.programme_id, ReferralStatus.ACCEPTED, None, uow)


async def note_enrolment(event: ReferralEnrolled, uow: InterventionsUnitOfWork) -> None:
    """The referrals service has seen our EnrolmentStarted; the projection follows."""
    await _advance(event.referral_id, event.programme_id, ReferralStatus.ENROLLED, None, uow)


async def note_decline(event: ReferralDeclined, uow: InterventionsUnitOfWork) -> None:
    """A declined referral rejects the enrolment waiting for it."""
    await _advance(event.referral_id, event.programme_id, ReferralStatus.DECLINED, event.reason, uow)


async def note_withdrawal(event: ReferralWithdrawn, uow: InterventionsUnitOfWork) -> None:
    """A withdrawn referral rejects the enrolment waiting for it, waitlisted or not."""
    await _advance(event.referral_id, event.programme_id, ReferralStatus.WITHDRAWN, event.reason, uow)


async def note_closure(event: ReferralClosed, uow: InterventionsUnitOfWork) -> None:
    """A closed referral rejects an enrolment still waiting; an active or ended one is the provider's to end."""
    await _advance(event.referral_id, event.programme_id, ReferralStatus.CLOSED, event.reason, uow)


async def _advance(
    referral_id: uuid.UUID,
    programme_id: uuid.UUID,
    status: ReferralStatus,
    reason: str | None,
    uow: InterventionsUnitOfWork,
) -> None:
    await uow.hold_referral(referral_id)
    referral = await uow.referrals.get(referral_id)
    if referral is None:
        # Recorded rather than retried: its details follow with ReferralReceived, and the
        # status must not be lost if that takes longer than the bus keeps retrying.
        referral = KnownReferral.heard_of(referral_id=referral_id, programme_id=programme_id, status=status,
                                          reason=reason)
        uow.referrals.add(referral)
    elif not referral.advance(status, reason):
        return
    await _move_on_waiting_enrolment(referral, uow)


async def _move_on_waiting_enrolment(referral: KnownReferral, uow: InterventionsUnitOfWork) -> None:
    found = await uow.enrolments.for_referral(referral.referral_id)
    if found is None or not found.is_waiting:
        return
    # Starting or waitlisting counts the programme's places, so hold them (after the referral).
    await uow.hold_programme(found.programme_id)
    enrolment = await uow.enrolments.get(found.id, for_update=True)
    programme = await uow.programmes.get(found.programme_id)
    assert enrolment is not None and programme is not None  # neither is ever deleted
    enrolment.referral_changed(
        referral, programme=programme, place_free=await places.place_free(programme, uow), now=datetime.now(UTC)
    )


SUBSCRIPTIONS = {
    ReferralReceived: [remember_referral],
    ReferralAccepted: [note_acceptance],
    ReferralDeclined: [note_decline],
    ReferralWithdrawn: [note_withdrawal],
    ReferralEnrolled: [note_enrolment],
    ReferralClosed: [note_closure],
}
