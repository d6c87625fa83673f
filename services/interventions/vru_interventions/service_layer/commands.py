"""What callers ask of the interventions service."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vru_interventions.domain.enrolments import ContactKind, ExitReason
from vru_interventions.domain.programmes import PreventionTier


@dataclass(frozen=True)
class CreateProgramme:
    name: str
    provider: str
    tier: PreventionTier
    accepted_sources: tuple[str, ...]
    min_age: int
    max_age: int
    active_from: date
    capacity: int | None = None
    active_to: date | None = None


@dataclass(frozen=True)
class ReviseProgramme:
    programme_id: uuid.UUID
    # Only the terms the caller sent; a term sent as None is cleared (capacity, active_to).
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class Enrol:
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    start_date: date


@dataclass(frozen=True)
class EndEnrolment:
    enrolment_id: uuid.UUID
    end_date: date
    exit_reason: ExitReason
    note: str | None = None


@dataclass(frozen=True)
class RecordContact:
    enrolment_id: uuid.UUID
    contact_at: datetime
    kind: ContactKind
    duration_minutes: int
