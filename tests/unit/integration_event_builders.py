"""Synthetic integration events and their envelopes, for the tests of the envelope, the bus and the consumer."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from vru_shared.contracts.interventions import ProgrammeCreated
from vru_shared.contracts.referrals import ReferralAccepted, ReferralReceived
from vru_shared.events import Envelope, IntegrationEvent


PROVIDER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000e0b01")
ADMIN_ORG = uuid.UUID("00000000-0000-4000-8000-0000000e0d01")


def referral_received(programme_id: uuid.UUID | None = None, referral_id: uuid.UUID | None = None,
                      referred_at: datetime = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)) -> ReferralReceived:
    return ReferralReceived(
        referral_id=referral_id or uuid.uuid4(),
        programme_id=programme_id or uuid.uuid4(),
        source="custody",
        subject_pseudonym="c" * 64,
        pseudonym_key_version=1,
        age_band="15-17",
        sex="male",
        ethnicity="white_british",
        ethnicity_group="white",
        postcode_district="SW1A",
        referred_at=referred_at,
        index_event_at=referred_at - timedelta(hours=5),
        received_at=referred_at + timedelta(minutes=1),
        risk_factors=["weapon_carrying"],
        lawful_basis="consent",
    )


def referral_accepted(event: ReferralReceived) -> ReferralAccepted:
    return ReferralAccepted(referral_id=event.referral_id, programme_id=event.programme_id,
                            decided_at=event.received_at + timedelta(hours=1))


def programme_created(name: str = "Detached youth work") -> ProgrammeCreated:
    return ProgrammeCreated(programme_id=uuid.uuid4(), name=name, provider="Streetwise",
                            provider_organisation_id=PROVIDER_ORG, tier="secondary",
                            accepted_sources=["custody", "school"], min_age=10, max_age=18, capacity=None,
                            active_from=date(2025, 4, 1), active_to=None)


def wrap(event: IntegrationEvent, correlation_id: str = "corr-1") -> Envelope:
    return Envelope.wrap(event, source="/vru/tests", correlation_id=correlation_id)
