"""The Referral aggregate: what was referred, about whom, and where it is in its lifecycle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from vru_shared.contracts.referrals import ReferralReceived
from vru_shared.events import IntegrationEvent

from vru_referrals.domain.subjects import IdentifierType, age_band


class ReferralSource(StrEnum):
    CUSTODY = "custody"
    EMERGENCY_DEPARTMENT = "emergency_department"
    SCHOOL = "school"


class ReferralStatus(StrEnum):
    RECEIVED = "received"
    ENROLLED = "enrolled"


class IllegalTransition(Exception):
    """The referral's current status does not allow this change."""


class InvalidReferral(ValueError):
    """A referral that breaks a rule of the domain."""


@dataclass(frozen=True)
class Subject:
    date_of_birth: date
    identifier_type: IdentifierType
    identifier: str
    pseudonym: str
    pseudonym_key_version: int


@dataclass(frozen=True)
class Consent:
    given: bool
    recorded_by: str
    recorded_at: datetime


@dataclass(eq=False)
class Referral:
    id: uuid.UUID
    programme_id: uuid.UUID
    source: ReferralSource
    referred_at: datetime
    date_of_birth: date
    identifier_type: IdentifierType
    identifier: str
    subject_pseudonym: str
    pseudonym_key_version: int
    consent_given: bool
    consent_recorded_by: str
    consent_recorded_at: datetime
    status: ReferralStatus
    received_at: datetime
    enrolment_id: uuid.UUID | None = None
    enrolled_at: datetime | None = None
    events: list[IntegrationEvent] = field(default_factory=list, repr=False)

    @classmethod
    def receive(
        cls,
        *,
        referral_id: uuid.UUID,
        programme_id: uuid.UUID,
        source: ReferralSource,
        referred_at: datetime,
        subject: Subject,
        consent: Consent,
        now: datetime | None = None,
    ) -> Referral:
        now = now or datetime.now(UTC)
        if referred_at > now:
            raise InvalidReferral("referred_at is in the future")
        if subject.date_of_birth >= referred_at.date():
            raise InvalidReferral("date_of_birth must be before the referral date")
        if not consent.given:
            raise InvalidReferral("a referral needs the young person's consent")
        if consent.recorded_at > now:
            raise InvalidReferral("consent.recorded_at is in the future")
        referral = cls(
            id=referral_id,
            programme_id=programme_id,
            source=source,
            referred_at=referred_at,
            date_of_birth=subject.date_of_birth,
            identifier_type=subject.identifier_type,
            identifier=subject.identifier,
            subject_pseudonym=subject.pseudonym,
            pseudonym_key_version=subject.pseudonym_key_version,
            consent_given=consent.given,
            consent_recorded_by=consent.recorded_by,
            consent_recorded_at=consent.recorded_at,
            status=ReferralStatus.RECEIVED,
            received_at=now,
        )
        referral.events.append(
            ReferralReceived(
                referral_id=referral.id,
                programme_id=programme_id,
                source=source.value,
                subject_pseudonym=subject.pseudonym,
                pseudonym_key_version=subject.pseudonym_key_version,
                age_band=referral.age_band,
                referred_at=referred_at,
                received_on=now.date(),
            )
        )
        return referral

    @property
    def age_band(self) -> str:
        return age_band(self.date_of_birth, self.referred_at.date())

    def mark_enrolled(self, enrolment_id: uuid.UUID, enrolled_at: datetime) -> None:
        if self.status is ReferralStatus.ENROLLED:
            if self.enrolment_id == enrolment_id:
                return
            raise IllegalTransition(f"referral {self.id} is already enrolled in {self.enrolment_id}")
        if self.status is not ReferralStatus.RECEIVED:
            raise IllegalTransition(f"a {self.status} referral cannot be enrolled")
        self.status = ReferralStatus.ENROLLED
        self.enrolment_id = enrolment_id
        self.enrolled_at = enrolled_at
