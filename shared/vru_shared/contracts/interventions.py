"""Events published by the interventions service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar

from vru_shared.contracts.referrals import ReferralSource
from vru_shared.events import IntegrationEvent, contract


@contract
class ProgrammeCreated(IntegrationEvent):
    event_type: ClassVar[str] = "interventions.programme.created.v1"

    programme_id: uuid.UUID
    name: str
    provider: str


@contract
class EnrolmentStarted(IntegrationEvent):
    event_type: ClassVar[str] = "interventions.enrolment.started.v1"

    enrolment_id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    programme_name: str
    referral_source: ReferralSource
    subject_pseudonym: str
    age_band: str
    start_date: date


@contract
class EnrolmentEnded(IntegrationEvent):
    event_type: ClassVar[str] = "interventions.enrolment.ended.v1"

    enrolment_id: uuid.UUID
    programme_id: uuid.UUID
    end_date: date
    exit_reason: str
