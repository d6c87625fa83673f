"""The pseudonymous subject behind referrals, how identifiers link referrals to it, and age bands.

Each identifier a referrer sends is kept only as a keyed pseudonym that points at one subject.
Referrals that share any identifier (the same NHS number from custody and from A&E, say) are of
one subject, whose own pseudonym is what events carry. When a referral's identifiers point at
two subjects (custody gave a PNC ID, A&E an NHS number, a school both), they are one person:
the older subject absorbs the newer.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from vru_shared.contracts.referrals import SubjectErased
from vru_shared.events import IntegrationEvent

from vru_referrals.domain.identifiers import IdentifierType, InvalidIdentifier, normalise, pseudonym

# Identifier checks moved to domain.identifiers; these names stay importable from here for
# the callers (the demo data among them) that found them here.
__all__ = ["AGE_BANDS", "ErasureReason", "IdentifierType", "InvalidIdentifier", "Subject", "SubjectIdentifier",
           "age_band", "age_on", "choose_survivor", "normalise", "pseudonym", "subject_pseudonym"]


class ErasureReason(StrEnum):
    REQUEST = "request"
    RETENTION = "retention"


def subject_pseudonym(key: bytes, subject_id: uuid.UUID) -> str:
    """The subject's public name: HMAC-SHA256 of its internal id, so it reveals no identifier.

    Minted once, under the key current when the subject is made, and stored with that key's
    version; never computed again, so it outlives the key's rotation (other services key on it).
    """
    return hmac.new(key, f"subject:{subject_id}".encode(), hashlib.sha256).hexdigest()


@dataclass(eq=False)
class Subject:
    id: uuid.UUID
    pseudonym: str
    # The key version `pseudonym` was minted under: a record of history, not a key to re-key by.
    pseudonym_key_version: int
    created_at: datetime
    merged_into: uuid.UUID | None = None
    erased_at: datetime | None = None
    erasure_reason: ErasureReason | None = None
    events: list[IntegrationEvent] = field(default_factory=list, repr=False)

    @classmethod
    def new(cls, *, key: bytes, key_version: int, now: datetime) -> Subject:
        subject_id = uuid.uuid4()
        return cls(id=subject_id, pseudonym=subject_pseudonym(key, subject_id),
                   pseudonym_key_version=key_version, created_at=now)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def erase(self, *, reason: ErasureReason, now: datetime) -> bool:
        """Mark the subject erased and tell the other services to drop their links to its pseudonym.

        False, and nothing recorded, when it was erased already.
        """
        if self.is_erased:
            return False
        self.erased_at = now
        self.erasure_reason = ErasureReason(reason)
        self.events.append(SubjectErased(subject_pseudonym=self.pseudonym, erased_at=now,
                                         reason=self.erasure_reason.value))
        return True


@dataclass(eq=False)
class SubjectIdentifier:
    """One identifier's pseudonym and the subject it belongs to; never the identifier itself."""

    pseudonym: str
    subject_id: uuid.UUID
    identifier_type: IdentifierType
    pseudonym_key_version: int
    linked_at: datetime

    def rekey(self, pseudonym: str, version: int) -> None:
        """Carry the link over to another key: the same identifier's pseudonym under that key."""
        self.pseudonym = pseudonym
        self.pseudonym_key_version = version


def choose_survivor(subjects: Sequence[Subject]) -> tuple[Subject, list[Subject]]:
    """Of subjects found to be one person, the one that stays (the oldest) and those it absorbs."""
    ordered = sorted(subjects, key=lambda s: (s.created_at, str(s.id)))
    return ordered[0], ordered[1:]


AGE_BANDS = ((0, 9, "under 10"), (10, 14, "10-14"), (15, 17, "15-17"), (18, 20, "18-20"), (21, 24, "21-24"))


def age_on(date_of_birth: date, day: date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def age_band(date_of_birth: date, day: date) -> str:
    age = age_on(date_of_birth, day)
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "25 and over"
