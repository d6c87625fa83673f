"""A programme's places: who may start now, and who starts when a place frees up.

Callers hold the programme's lock (`uow.hold_programme`), so the count they act on stays true
until they commit.
"""

from __future__ import annotations

from datetime import datetime

from vru_shared.uk_time import uk_date

from vru_interventions.domain.enrolments import Enrolment, EnrolmentStatus
from vru_interventions.domain.programmes import Programme
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork


async def place_free(programme: Programme, uow: InterventionsUnitOfWork) -> bool:
    """One more could start now. While the programme runs, a freed place goes to the waitlist at
    once, so a free place never leaves anyone waiting behind it."""
    return programme.has_place(await uow.enrolments.count(programme.id, EnrolmentStatus.ACTIVE))


async def fill_free_places(programme: Programme, uow: InterventionsUnitOfWork, now: datetime) -> list[Enrolment]:
    """Start waitlisted enrolments, oldest first, while the programme has places and runs today."""
    started: list[Enrolment] = []
    if not programme.is_active_on(uk_date(now)):
        return started
    active = await uow.enrolments.count(programme.id, EnrolmentStatus.ACTIVE)
    while programme.has_place(active):
        first = await uow.enrolments.first_waitlisted(programme.id)
        if first is None:
            break
        referral = await uow.referrals.get(first.referral_id)
        if referral is None:  # pragma: no cover - a waitlisted enrolment's referral is known by definition
            raise LookupError(f"waitlisted enrolment {first.id} has no known referral")
        first.take_free_place(referral, now=now)
        started.append(first)
        active += 1
    return started
