"""Events published by the referrals service.

They carry the pseudonymous subject and coarse attributes only (age band, sex, ethnicity,
postcode district): never a name, contact details, a full date of birth, a full postcode or
a raw identifier.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from vru_shared.events import IntegrationEvent, contract

ReferralSource = Literal[
    "custody",
    "emergency_department",
    "school",
    "community",
    "youth_justice",
    "probation",
    "prison",
    "self",
]
Sex = Literal["female", "male", "not_known", "not_specified"]
LawfulBasis = Literal["consent", "legal_obligation", "public_task", "vital_interests", "legitimate_interests"]


@contract
class ReferralReceived(IntegrationEvent):
    event_type: ClassVar[str] = "referrals.referral.received.v1"

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    source: ReferralSource
    subject_pseudonym: str
    pseudonym_key_version: int
    age_band: str
    sex: Sex
    # ONS 2021 category code (e.g. "white_british") or None when not stated.
    ethnicity: str | None
    # ONS 2021 high-level group: white, mixed, asian, black, other, or "not_stated".
    ethnicity_group: str
    # The outward code of the postcode ("SW1A"), or None when no postcode was given.
    postcode_district: str | None
    referred_at: datetime
    index_event_at: datetime
    received_at: datetime
    risk_factors: list[str]
    lawful_basis: LawfulBasis
    # Set when the same subject already has an open referral to the same programme.
    possible_duplicate_of: uuid.UUID | None = None


@contract
class ReferralAccepted(IntegrationEvent):
    event_type: ClassVar[str] = "referrals.referral.accepted.v1"

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    decided_at: datetime


@contract
class ReferralDeclined(IntegrationEvent):
    event_type: ClassVar[str] = "referrals.referral.declined.v1"

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    decided_at: datetime
    reason: str


@contract
class ReferralWithdrawn(IntegrationEvent):
    event_type: ClassVar[str] = "referrals.referral.withdrawn.v1"

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    withdrawn_at: datetime
    reason: str


@contract
class ReferralEnrolled(IntegrationEvent):
    event_type: ClassVar[str] = "referrals.referral.enrolled.v1"

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    enrolment_id: uuid.UUID
    enrolled_at: datetime


@contract
class ReferralClosed(IntegrationEvent):
    event_type: ClassVar[str] = "referrals.referral.closed.v1"

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    closed_at: datetime
    # Why it closed: "enrolment_ended", or a coded reason given by the provider.
    reason: str


@contract
class SubjectErased(IntegrationEvent):
    """A young person's identifiable data was erased (on request or at the end of retention):
    every service removes what links its records to this pseudonym."""

    event_type: ClassVar[str] = "referrals.subject.erased.v1"

    subject_pseudonym: str
    erased_at: datetime
    # "request" (a subject erasure request) or "retention" (the retention period ended).
    reason: Literal["request", "retention"]
