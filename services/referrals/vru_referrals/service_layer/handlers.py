"""Handlers: one command or event in, one unit of work committed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from vru_shared.contracts.interventions import EnrolmentStarted

from vru_referrals.domain import subjects
from vru_referrals.domain.model import Consent, Referral, Subject
from vru_referrals.service_layer.commands import MakeReferral
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes
    version: int


class ReferralNotFound(LookupError):
    pass


async def make_referral(cmd: MakeReferral, uow: ReferralsUnitOfWork, key: PseudonymKey) -> Referral:
    normalised = subjects.normalise(cmd.identifier_type, cmd.identifier)
    subject = Subject(
        date_of_birth=cmd.date_of_birth,
        identifier_type=cmd.identifier_type,
        identifier=normalised,
        pseudonym=subjects.pseudonym(key.secret, cmd.identifier_type, normalised),
        pseudonym_key_version=key.version,
    )
    async with uow:
        referral = Referral.receive(
            referral_id=uuid.uuid4(),
            programme_id=cmd.programme_id,
            source=cmd.source,
            referred_at=cmd.referred_at,
            subject=subject,
            consent=Consent(cmd.consent_given, cmd.consent_recorded_by, cmd.consent_recorded_at),
        )
        uow.referrals.add(referral)
        await uow.commit()
    return referral


async def mark_enrolled(event: EnrolmentStarted, uow: ReferralsUnitOfWork) -> None:
    """The provider started an enrolment from this referral."""
    referral = await uow.referrals.get(event.referral_id, for_update=True)
    if referral is None:
        # Enrolments only start from referrals the interventions service heard from here.
        raise ReferralNotFound(f"enrolment {event.enrolment_id} names unknown referral {event.referral_id}")
    referral.mark_enrolled(event.enrolment_id, datetime.now(UTC))


SUBSCRIPTIONS = {
    EnrolmentStarted: [mark_enrolled],
}
