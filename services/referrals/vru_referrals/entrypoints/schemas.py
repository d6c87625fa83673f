"""The referrals API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vru_referrals.domain.model import Referral, ReferralSource, ReferralStatus
from vru_referrals.domain.subjects import IdentifierType


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentifierIn(Strict):
    type: IdentifierType = Field(description="Which scheme the identifier belongs to.")
    value: str = Field(min_length=1, max_length=64, description="The identifier as the referrer holds it.")


class SubjectIn(Strict):
    date_of_birth: date
    identifier: IdentifierIn


class ConsentIn(Strict):
    given: bool
    recorded_by: str = Field(min_length=1, max_length=200, description="Who recorded the consent.")
    recorded_at: AwareDatetime


class ReferralIn(Strict):
    """A referral at a reachable moment."""

    programme_id: uuid.UUID
    source: ReferralSource
    referred_at: AwareDatetime
    subject: SubjectIn
    consent: ConsentIn


class SubjectOut(BaseModel):
    date_of_birth: date
    identifier_type: IdentifierType
    identifier: str
    pseudonym: str
    age_band: str


class ConsentOut(BaseModel):
    given: bool
    recorded_by: str
    recorded_at: datetime


class ReferralOut(BaseModel):
    id: uuid.UUID
    programme_id: uuid.UUID
    source: ReferralSource
    status: ReferralStatus
    referred_at: datetime
    received_at: datetime
    subject: SubjectOut
    consent: ConsentOut
    enrolment_id: uuid.UUID | None
    enrolled_at: datetime | None

    @classmethod
    def of(cls, r: Referral) -> ReferralOut:
        return cls(
            id=r.id,
            programme_id=r.programme_id,
            source=r.source,
            status=r.status,
            referred_at=r.referred_at,
            received_at=r.received_at,
            subject=SubjectOut(
                date_of_birth=r.date_of_birth,
                identifier_type=r.identifier_type,
                identifier=r.identifier,
                pseudonym=r.subject_pseudonym,
                age_band=r.age_band,
            ),
            consent=ConsentOut(given=r.consent_given, recorded_by=r.consent_recorded_by,
                               recorded_at=r.consent_recorded_at),
            enrolment_id=r.enrolment_id,
            enrolled_at=r.enrolled_at,
        )


class ReferralPage(BaseModel):
    items: list[ReferralOut]
    limit: int
    offset: int
