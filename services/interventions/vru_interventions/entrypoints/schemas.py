"""The interventions API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from vru_interventions.domain.model import Enrolment, EnrolmentStatus, ExitReason, Programme


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProgrammeIn(Strict):
    """A commissioned intervention."""

    name: str = Field(min_length=1, max_length=200)
    provider: str = Field(min_length=1, max_length=200, description="The organisation that runs it.")


class ProgrammeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    provider: str
    created_at: datetime

    @classmethod
    def of(cls, p: Programme) -> ProgrammeOut:
        return cls.model_validate(p)


class ProgrammePage(BaseModel):
    items: list[ProgrammeOut]
    limit: int
    offset: int


class EnrolmentIn(Strict):
    """Enrol a referred young person."""

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    start_date: date


class EnrolmentEndIn(Strict):
    end_date: date
    exit_reason: ExitReason


class EnrolmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    programme_name: str
    status: EnrolmentStatus = Field(
        description="awaiting_referral until the referral reaches this service; then active, ended or rejected."
    )
    start_date: date
    requested_at: datetime
    started_at: datetime | None
    end_date: date | None
    exit_reason: ExitReason | None
    rejection_reason: str | None

    @classmethod
    def of(cls, e: Enrolment) -> EnrolmentOut:
        return cls.model_validate(e)


class EnrolmentPage(BaseModel):
    items: list[EnrolmentOut]
    limit: int
    offset: int
