"""The lawful basis for processing a referral: the young person's recorded consent, or another basis and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vru_referrals.domain.errors import InvalidReferral


class LawfulBasis(StrEnum):
    CONSENT = "consent"
    LEGAL_OBLIGATION = "legal_obligation"
    PUBLIC_TASK = "public_task"
    VITAL_INTERESTS = "vital_interests"
    LEGITIMATE_INTERESTS = "legitimate_interests"


@dataclass(frozen=True)
class LawfulBasisRecord:
    """Why the referral may be processed: the young person's recorded consent, or another basis and why."""

    basis: LawfulBasis
    consent_recorded_by: str | None = None
    consent_recorded_at: datetime | None = None
    justification: str | None = None

    @classmethod
    def consent(cls, *, given: bool, recorded_by: str, recorded_at: datetime) -> LawfulBasisRecord:
        if not given:
            raise InvalidReferral("a referral on the basis of consent needs the young person's consent given; "
                                  "without it, record another lawful basis and why", field="lawful_basis/given")
        who = " ".join(recorded_by.split())
        if not who:
            raise InvalidReferral("recorded_by is empty", field="lawful_basis/recorded_by")
        if recorded_at.tzinfo is None:
            raise InvalidReferral("recorded_at needs a time zone", field="lawful_basis/recorded_at")
        return cls(basis=LawfulBasis.CONSENT, consent_recorded_by=who[:200], consent_recorded_at=recorded_at)

    @classmethod
    def other(cls, basis: LawfulBasis, justification: str) -> LawfulBasisRecord:
        basis = LawfulBasis(basis)
        if basis is LawfulBasis.CONSENT:
            raise InvalidReferral("consent is recorded with who recorded it and when", field="lawful_basis/basis")
        text = " ".join(justification.split())
        if not 10 <= len(text) <= 1000:
            raise InvalidReferral(f"a {basis.value} basis needs a justification of 10 to 1000 characters",
                                  field="lawful_basis/justification")
        return cls(basis=basis, justification=text)

    @property
    def consent_given(self) -> bool:
        return self.basis is LawfulBasis.CONSENT
