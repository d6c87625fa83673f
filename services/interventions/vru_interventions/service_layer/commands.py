"""What callers ask of the interventions service, and who asks it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vru_shared.auth import Principal

from vru_interventions.domain.enrolments import ContactKind, ExitReason
from vru_interventions.domain.programmes import PreventionTier


@dataclass(frozen=True)
class CreateProgramme:
    caller: Principal
    name: str
    provider_organisation_id: uuid.UUID
    tier: PreventionTier
    accepted_sources: tuple[str, ...]
    min_age: int
    max_age: int
    active_from: date
    capacity: int | None = None
    active_to: date | None = None


@dataclass(frozen=True)
class ReviseProgramme:
    caller: Principal
    programme_id: uuid.UUID
    # Only the terms the caller sent; a term sent as None is cleared (capacity, active_to).
    # provider_organisation_id among them names a new provider organisation.
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class Enrol:
    # A provider, who may enrol only on programmes its organisation runs.
    caller: Principal
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    start_date: date


@dataclass(frozen=True)
class EndEnrolment:
    caller: Principal
    enrolment_id: uuid.UUID
    end_date: date
    exit_reason: ExitReason
    note: str | None = None


@dataclass(frozen=True)
class RecordContact:
    caller: Principal
    enrolment_id: uuid.UUID
    contact_at: datetime
    kind: ContactKind
    duration_minutes: int
