"""What callers ask the referrals service to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from vru_referrals.domain.model import ReferralSource
from vru_referrals.domain.subjects import IdentifierType


@dataclass(frozen=True)
class MakeReferral:
    programme_id: uuid.UUID
    source: ReferralSource
    referred_at: datetime
    date_of_birth: date
    identifier_type: IdentifierType
    identifier: str
    consent_given: bool
    consent_recorded_by: str
    consent_recorded_at: datetime
