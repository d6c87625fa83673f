"""What callers ask the referrals service to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from vru_referrals.domain.identifiers import Identifier
from vru_referrals.domain.model import LawfulBasisRecord, ReferralSource, ReferralStatus
from vru_referrals.domain.people import YoungPerson
from vru_referrals.domain.source_details import SourceDetails


@dataclass(frozen=True)
class MakeReferral:
    programme_id: uuid.UUID
    details: SourceDetails
    referred_at: datetime
    index_event_at: datetime
    young_person: YoungPerson
    identifiers: tuple[Identifier, ...]
    risk_factors: tuple[str, ...]
    lawful_basis: LawfulBasisRecord


@dataclass(frozen=True)
class AcceptReferral:
    referral_id: uuid.UUID


@dataclass(frozen=True)
class DeclineReferral:
    referral_id: uuid.UUID
    reason: str
    note: str | None = None


@dataclass(frozen=True)
class WithdrawReferral:
    referral_id: uuid.UUID
    reason: str
    note: str | None = None


@dataclass(frozen=True)
class CloseReferral:
    referral_id: uuid.UUID
    reason: str
    note: str | None = None


@dataclass(frozen=True)
class ListReferrals:
    source: ReferralSource | None = None
    status: ReferralStatus | None = None
    programme_id: uuid.UUID | None = None
    possible_duplicate: bool | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class EraseSubject:
    """Erase the young person this identifier belongs to, on their request."""

    identifier: Identifier
