"""Programmes, the referrals this service has heard of, and the Enrolment aggregate.

An enrolment may be posted before the referral it names has reached this service (the
referral's event is on its way). It then waits, and starts when the referral arrives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted, ProgrammeCreated
from vru_shared.events import IntegrationEvent


class EnrolmentStatus(StrEnum):
    AWAITING_REFERRAL = "awaiting_referral"
    ACTIVE = "active"
    ENDED = "ended"
    REJECTED = "rejected"


class ExitReason(StrEnum):
    COMPLETED = "completed"
    DISENGAGED = "disengaged"
    MOVED_AWAY = "moved_away"
    ENTERED_CUSTODY = "entered_custody"
    DECLINED_SUPPORT = "declined_support"
    OTHER = "other"


class IllegalTransition(Exception):
    """The enrolment's current status does not allow this change."""


class InvalidEnrolment(ValueError):
    """An enrolment that breaks a rule of the domain."""


@dataclass(eq=False)
class Programme:
    id: uuid.UUID
    name: str
    provider: str
    created_at: datetime
    events: list[IntegrationEvent] = field(default_factory=list, repr=False)

    @classmethod
    def create(cls, *, name: str, provider: str, now: datetime | None = None) -> Programme:
        programme = cls(id=uuid.uuid4(), name=name, provider=provider, created_at=now or datetime.now(UTC))
        programme.events.append(ProgrammeCreated(programme_id=programme.id, name=name, provider=provider))
        return programme


@dataclass(eq=False)
class KnownReferral:
    """What this service keeps of a referral it heard about: nothing that identifies anyone."""

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    source: str
    subject_pseudonym: str
    age_band: str
    referred_at: datetime


@dataclass(eq=False)
class Enrolment:
    id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    programme_name: str
    start_date: date
    status: EnrolmentStatus
    requested_at: datetime
    started_at: datetime | None = None
    end_date: date | None = None
    exit_reason: ExitReason | None = None
    rejection_reason: str | None = None
    events: list[IntegrationEvent] = field(default_factory=list, repr=False)

    @classmethod
    def request(
        cls,
        *,
        programme: Programme,
        referral_id: uuid.UUID,
        start_date: date,
        referral: KnownReferral | None,
        now: datetime | None = None,
    ) -> Enrolment:
        now = now or datetime.now(UTC)
        if start_date > now.date():
            raise InvalidEnrolment("start_date is in the future")
        enrolment = cls(
            id=uuid.uuid4(),
            referral_id=referral_id,
            programme_id=programme.id,
            programme_name=programme.name,
            start_date=start_date,
            status=EnrolmentStatus.AWAITING_REFERRAL,
            requested_at=now,
        )
        if referral is not None:
            # Known now, so a misfit is the caller's to correct, not a record to keep.
            problem = enrolment._misfit(referral)
            if problem:
                raise InvalidEnrolment(problem)
            enrolment.referral_arrived(referral, now=now)
        return enrolment

    def _misfit(self, referral: KnownReferral) -> str | None:
        if referral.programme_id != self.programme_id:
            return "the referral is to another programme"
        if self.start_date < referral.referred_at.date():
            return "start_date is before the referral was made"
        return None

    def referral_arrived(self, referral: KnownReferral, *, now: datetime | None = None) -> None:
        """The referral this enrolment names is now known: start, or refuse if it does not fit."""
        if self.status is not EnrolmentStatus.AWAITING_REFERRAL:
            return
        problem = self._misfit(referral)
        if problem:
            # Answered already with 202; the caller sees the refusal on the enrolment itself.
            self.status = EnrolmentStatus.REJECTED
            self.rejection_reason = problem
            return
        self.status = EnrolmentStatus.ACTIVE
        self.started_at = now or datetime.now(UTC)
        self.events.append(
            EnrolmentStarted(
                enrolment_id=self.id,
                referral_id=self.referral_id,
                programme_id=self.programme_id,
                programme_name=self.programme_name,
                referral_source=referral.source,
                subject_pseudonym=referral.subject_pseudonym,
                age_band=referral.age_band,
                start_date=self.start_date,
            )
        )

    def end(self, *, end_date: date, exit_reason: ExitReason, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        if self.status is not EnrolmentStatus.ACTIVE:
            raise IllegalTransition(f"a {self.status} enrolment cannot be ended")
        if end_date < self.start_date:
            raise InvalidEnrolment("end_date is before start_date")
        if end_date > now.date():
            raise InvalidEnrolment("end_date is in the future")
        self.status = EnrolmentStatus.ENDED
        self.end_date = end_date
        self.exit_reason = exit_reason
        self.events.append(
            EnrolmentEnded(
                enrolment_id=self.id, programme_id=self.programme_id, end_date=end_date, exit_reason=exit_reason.value
            )
        )
