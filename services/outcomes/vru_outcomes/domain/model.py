"""The cohort (kept from enrolment events) and the outcome records measured against it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum


class OutcomeDomain(StrEnum):
    ETE = "ete"


class EteStatus(StrEnum):
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    TRAINING = "training"
    NEET = "neet"

    @property
    def in_ete(self) -> bool:
        return self is not EteStatus.NEET


class MeasurementPoint(StrEnum):
    BASELINE = "baseline"
    EXIT = "exit"
    FOLLOW_UP = "follow_up"


class InvalidOutcome(ValueError):
    """An outcome record that breaks a rule of the domain."""


# A baseline is often taken at the first meeting, shortly before the enrolment formally starts.
BASELINE_LEAD = timedelta(days=31)


@dataclass(eq=False)
class ProgrammeRecord:
    id: uuid.UUID
    name: str
    provider: str


@dataclass(eq=False)
class CohortMember:
    """One enrolment, as the outcomes service knows it: pseudonymous and coarse."""

    enrolment_id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    referral_source: str
    subject_pseudonym: str
    age_band: str
    start_date: date
    end_date: date | None = None
    exit_reason: str | None = None

    def ended(self, end_date: date, exit_reason: str) -> None:
        self.end_date = end_date
        self.exit_reason = exit_reason


@dataclass(eq=False)
class OutcomeRecord:
    id: uuid.UUID
    enrolment_id: uuid.UUID
    domain: OutcomeDomain
    point: MeasurementPoint
    follow_up_months: int | None
    observed_on: date
    ete_status: EteStatus
    recorded_at: datetime

    @classmethod
    def record_ete(
        cls,
        *,
        enrolment_id: uuid.UUID,
        point: MeasurementPoint,
        follow_up_months: int | None,
        observed_on: date,
        status: EteStatus,
        member: CohortMember | None,
        now: datetime | None = None,
    ) -> OutcomeRecord:
        now = now or datetime.now(UTC)
        if observed_on > now.date():
            raise InvalidOutcome("observed_on is in the future")
        if (point is MeasurementPoint.FOLLOW_UP) != (follow_up_months is not None):
            raise InvalidOutcome("follow_up_months is given for, and only for, a follow_up point")
        if member is not None:
            earliest = member.start_date - BASELINE_LEAD if point is MeasurementPoint.BASELINE else member.start_date
            if observed_on < earliest:
                raise InvalidOutcome(f"observed_on is before the enrolment started ({member.start_date})")
        return cls(
            id=uuid.uuid4(),
            enrolment_id=enrolment_id,
            domain=OutcomeDomain.ETE,
            point=point,
            follow_up_months=follow_up_months,
            observed_on=observed_on,
            ete_status=status,
            recorded_at=now,
        )
