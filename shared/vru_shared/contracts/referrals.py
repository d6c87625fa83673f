"""Events published by the referrals service.

They carry the pseudonymous subject and coarse attributes only: never a name, a date of
birth or a raw identifier.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from vru_shared.events import IntegrationEvent, contract

ReferralSource = Literal["custody", "emergency_department", "school"]


@contract
class ReferralReceived(IntegrationEvent):
    event_type: ClassVar[str] = "referrals.referral.received.v1"

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    source: ReferralSource
    subject_pseudonym: str
    pseudonym_key_version: int
    age_band: str
    referred_at: datetime
    received_on: date
