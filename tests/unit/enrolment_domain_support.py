"""A programme, its provider and the referral projection, in the interventions domain, and builders of
enrolments in each state, for the domain tests of programmes and enrolments."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from vru_interventions.domain.model import (
    Enrolment,
    KnownReferral,
    Organisation,
    PreventionTier,
    Programme,
    ReferralStatus,
)


NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
REFERRED_AT = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
PSEUDONYM = "a" * 64
PROVIDER = Organisation.registered(organisation_id=uuid.UUID("5c7d3a58-0000-4000-8000-000000000001"),
                                   name="Youth Trust", role="provider")
OTHER_PROVIDER = Organisation.registered(organisation_id=uuid.UUID("5c7d3a58-0000-4000-8000-000000000002"),
                                         name="Second Chance Trust", role="provider")

TERMS = {
    "name": "Mentoring after custody",
    "provider": PROVIDER,
    "tier": PreventionTier.TERTIARY,
    "accepted_sources": ["custody", "youth_justice"],
    "min_age": 10,
    "max_age": 17,
    "capacity": None,
    "active_from": date(2026, 1, 1),
    "active_to": None,
}
# The terms as published: the provider organisation by its id and its name.
PUBLISHED = TERMS | {"provider_organisation_id": PROVIDER.id, "provider": "Youth Trust"}


def make_programme(**overrides) -> Programme:
    programme = Programme.create(**(TERMS | overrides), now=NOW)
    programme.events.clear()
    return programme


def make_referral(programme: Programme, *, status: ReferralStatus = ReferralStatus.ACCEPTED,
                  referral_id: uuid.UUID | None = None, programme_id: uuid.UUID | None = None) -> KnownReferral:
    referral = KnownReferral.received(referral_id=referral_id or uuid.uuid4(),
                                      programme_id=programme_id or programme.id,
                                      subject_pseudonym=PSEUDONYM, referred_at=REFERRED_AT)
    referral.advance(status, "a reason")
    return referral


def request_enrolment(programme: Programme, referral: KnownReferral | None, *, start_date: date = date(2026, 2, 10),
                      place_free: bool = True, referral_id: uuid.UUID | None = None) -> Enrolment:
    return Enrolment.request(programme=programme, start_date=start_date, referral=referral, place_free=place_free,
                             referral_id=referral_id or (referral.referral_id if referral else uuid.uuid4()), now=NOW)


def active_enrolment(programme: Programme, start_date: date = date(2026, 2, 10)) -> Enrolment:
    enrolment = request_enrolment(programme, make_referral(programme), start_date=start_date)
    enrolment.events.clear()
    return enrolment


def waitlisted_enrolment(programme: Programme) -> tuple[Enrolment, KnownReferral]:
    referral = make_referral(programme)
    enrolment = request_enrolment(programme, referral, place_free=False)
    return enrolment, referral
