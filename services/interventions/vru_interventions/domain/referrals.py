"""What this service keeps of the referrals it hears about: nothing that identifies anyone.

The referrals service publishes a referral's lifecycle as separate events, and events of
different types may arrive in any order (an acceptance before the referral itself). So the
projection moves only forward: a status is replaced only by one further along, and the
referral's details are filled in whenever ReferralReceived comes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReferralStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    ENROLLED = "enrolled"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


_STAGE = {
    ReferralStatus.RECEIVED: 0,
    ReferralStatus.ACCEPTED: 1,
    ReferralStatus.ENROLLED: 2,
    ReferralStatus.DECLINED: 3,
    ReferralStatus.WITHDRAWN: 3,
    ReferralStatus.CLOSED: 3,
}
_FINAL = _STAGE[ReferralStatus.CLOSED]
REASON_LENGTH = 200
# Put in place of the pseudonym of a young person whose data was erased: it links to no one.
ERASED = "erased"


@dataclass(eq=False)
class KnownReferral:
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    status: ReferralStatus
    # Known once ReferralReceived has arrived; an earlier event of another type leaves them unset.
    subject_pseudonym: str | None = None
    referred_at: datetime | None = None
    # Why a referral stopped (declined, withdrawn, closed), as its event said.
    status_reason: str | None = None

    @classmethod
    def received(
        cls, *, referral_id: uuid.UUID, programme_id: uuid.UUID, subject_pseudonym: str, referred_at: datetime
    ) -> KnownReferral:
        return cls(referral_id=referral_id, programme_id=programme_id, status=ReferralStatus.RECEIVED,
                   subject_pseudonym=subject_pseudonym, referred_at=referred_at)

    @classmethod
    def heard_of(
        cls, *, referral_id: uuid.UUID, programme_id: uuid.UUID, status: ReferralStatus, reason: str | None = None
    ) -> KnownReferral:
        """A referral first heard of through a later stage of its lifecycle; its details are still to come."""
        referral = cls(referral_id=referral_id, programme_id=programme_id, status=ReferralStatus.RECEIVED)
        referral.advance(status, reason)
        return referral

    @property
    def is_detailed(self) -> bool:
        return self.subject_pseudonym is not None and self.referred_at is not None

    @property
    def is_erased(self) -> bool:
        return self.subject_pseudonym == ERASED

    @property
    def is_accepted(self) -> bool:
        return self.status in (ReferralStatus.ACCEPTED, ReferralStatus.ENROLLED)

    @property
    def has_stopped(self) -> bool:
        return _STAGE[self.status] == _FINAL

    def details_arrived(self, *, subject_pseudonym: str, referred_at: datetime) -> None:
        if self.is_erased:
            # A redelivered ReferralReceived must not link the referral to the person again.
            return
        self.subject_pseudonym = subject_pseudonym
        self.referred_at = referred_at

    def erase(self) -> None:
        """Forget who the referral is about; its programme, status and dates stay for the aggregates."""
        self.subject_pseudonym = ERASED

    def advance(self, status: ReferralStatus, reason: str | None = None) -> bool:
        """Move to `status` if it is further along; True when it moved."""
        if _STAGE[status] <= _STAGE[self.status]:
            return False
        self.status = status
        if reason is not None:
            self.status_reason = reason[:REASON_LENGTH]
        return True

    def why_stopped(self) -> str:
        said = f": {self.status_reason}" if self.status_reason else ""
        return f"the referral was {self.status.value}{said}"
