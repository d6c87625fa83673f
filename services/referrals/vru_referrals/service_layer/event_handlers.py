"""Event handlers: facts from the interventions service, each handled inside the consumer's unit of work.

Programme events are upserts, so they may arrive in any order; an enrolment that ends before
its start reached this service raises, and the bus retries it later.
"""

from __future__ import annotations

from datetime import UTC, datetime

from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted, ProgrammeCreated, ProgrammeUpdated

from vru_referrals.domain.programmes import Programme
from vru_referrals.service_layer.handlers import ReferralNotFound
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork


def _state(event: ProgrammeCreated | ProgrammeUpdated) -> dict:
    return dict(
        name=event.name,
        provider=event.provider,
        provider_organisation_id=event.provider_organisation_id,
        tier=event.tier,
        accepted_sources=tuple(event.accepted_sources),
        min_age=event.min_age,
        max_age=event.max_age,
        capacity=event.capacity,
        active_from=event.active_from,
        active_to=event.active_to,
        updated_at=datetime.now(UTC),
        revision=event.revision,
    )


async def record_programme_created(event: ProgrammeCreated, uow: ReferralsUnitOfWork) -> None:
    """A new programme; if an update overtook it, the update's state is the newer one and stays."""
    if await uow.programmes.get(event.programme_id) is None:
        uow.programmes.add(Programme(id=event.programme_id, **_state(event)))


async def record_programme_updated(event: ProgrammeUpdated, uow: ReferralsUnitOfWork) -> None:
    """A programme's whole new state; it may arrive before the programme's creation did."""
    programme = await uow.programmes.get(event.programme_id)
    if programme is None:
        uow.programmes.add(Programme(id=event.programme_id, **_state(event)))
        return
    if not event.supersedes(programme.revision):
        # A retried message overtaken by a later change: the later state stays.
        return
    for name, value in _state(event).items():
        setattr(programme, name, value)


async def mark_enrolled(event: EnrolmentStarted, uow: ReferralsUnitOfWork) -> None:
    """The provider started an enrolment from this referral."""
    referral = await uow.referrals.get(event.referral_id, for_update=True)
    if referral is None:
        # Enrolments only start from referrals the interventions service heard from here.
        raise ReferralNotFound(f"enrolment {event.enrolment_id} names unknown referral {event.referral_id}")
    referral.mark_enrolled(event.enrolment_id, event.started_at)


async def close_on_enrolment_end(event: EnrolmentEnded, uow: ReferralsUnitOfWork) -> None:
    """The enrolment ended, so its referral closes; before its start is seen, this raises to be retried."""
    referral = await uow.referrals.get(event.referral_id, for_update=True)
    if referral is None:
        raise ReferralNotFound(f"enrolment {event.enrolment_id} names unknown referral {event.referral_id}")
    referral.enrolment_ended(event.enrolment_id)


SUBSCRIPTIONS = {
    ProgrammeCreated: [record_programme_created],
    ProgrammeUpdated: [record_programme_updated],
    EnrolmentStarted: [mark_enrolled],
    EnrolmentEnded: [close_on_enrolment_end],
}
