"""The interventions API's request and response bodies."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vru_shared.contracts.referrals import ReferralSource
from vru_shared.request_fields import NON_BLANK, Day, Moment, whole_number

from vru_interventions.domain.enrolments import (
    LONGEST_CONTACT_MINUTES,
    Contact,
    ContactKind,
    Enrolment,
    EnrolmentStatus,
    ExitReason,
)
from vru_interventions.domain.programmes import (
    LARGEST_CAPACITY,
    NAME_LENGTH,
    OLDEST,
    YOUNGEST,
    PreventionTier,
    Programme,
)

Age = whole_number(ge=YOUNGEST, le=OLDEST, description="Whole years.")
Capacity = whole_number(ge=1, le=LARGEST_CAPACITY)
Minutes = whole_number(ge=1, le=LONGEST_CONTACT_MINUTES)
Name = Annotated[str, Field(min_length=1, max_length=NAME_LENGTH, pattern=NON_BLANK)]
ProviderOrganisation = Annotated[uuid.UUID, Field(
    description="The provider organisation that runs it, as registered with the identity service; "
    "it alone sees the programme's enrolments.")]

Sources = Annotated[list[ReferralSource], Field(min_length=1, description="Referral sources it takes.")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProgrammeIn(Strict):
    """A commissioned intervention. Rules across terms (min_age <= max_age, active_to >= active_from)
    are checked too, and named in the problem's errors."""

    name: Name
    provider_organisation_id: ProviderOrganisation
    tier: PreventionTier = Field(description="Tier of prevention.")
    accepted_sources: Sources
    min_age: Age
    max_age: Age
    capacity: Capacity | None = Field(default=None, description="Active enrolments at once; null for no limit.")
    active_from: Day
    active_to: Day | None = Field(default=None, description="Last day it runs; null while open-ended.")


def _not_nullable(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    branches = [branch for branch in schema.pop("anyOf") if branch != {"type": "null"}]
    schema.update(branches[0])


def _left_out() -> Any:
    """A term that may be left out but never set to null: None stands for "left out" (and an explicit
    null is refused below), so the document shows the term's own type alone, without null."""
    return Field(default=None, json_schema_extra=_not_nullable)


class ProgrammePatch(Strict):
    """Any of a programme's terms; those left out keep their value, and the result is checked as a whole.
    capacity and active_to may be set to null (no limit, open-ended)."""

    name: Name | None = _left_out()
    provider_organisation_id: ProviderOrganisation | None = _left_out()
    tier: PreventionTier | None = _left_out()
    accepted_sources: Sources | None = _left_out()
    min_age: Age | None = _left_out()
    max_age: Age | None = _left_out()
    capacity: Capacity | None = None
    active_from: Day | None = _left_out()
    active_to: Day | None = None

    @field_validator("name", "provider_organisation_id", "tier", "accepted_sources", "min_age", "max_age",
                     "active_from")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value

    def changes(self) -> dict[str, Any]:
        return {term: getattr(self, term) for term in self.model_fields_set}


class ProgrammeOut(BaseModel):
    id: uuid.UUID
    name: str
    provider_organisation_id: uuid.UUID | None = Field(
        description="The provider organisation that runs it; null only for a programme made before providers "
        "were organisations, until an administrator names one.")
    provider: str = Field(description="The provider organisation's name.")
    tier: PreventionTier
    accepted_sources: list[ReferralSource]
    min_age: int
    max_age: int
    capacity: int | None
    active_from: date
    active_to: date | None
    active_enrolments: int = Field(description="Places taken now.")
    waitlisted_enrolments: int = Field(description="Enrolments waiting for a place.")
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, p: Programme, counts: Counter[tuple[uuid.UUID, EnrolmentStatus]]) -> ProgrammeOut:
        return cls(
            id=p.id, name=p.name, provider_organisation_id=p.provider_organisation_id, provider=p.provider,
            tier=p.tier, accepted_sources=p.accepted_sources,
            min_age=p.min_age, max_age=p.max_age, capacity=p.capacity, active_from=p.active_from,
            active_to=p.active_to, active_enrolments=counts[(p.id, EnrolmentStatus.ACTIVE)],
            waitlisted_enrolments=counts[(p.id, EnrolmentStatus.WAITLISTED)], created_at=p.created_at,
            updated_at=p.updated_at,
        )


class ProgrammePage(BaseModel):
    items: list[ProgrammeOut]
    limit: int
    offset: int


class EnrolmentIn(Strict):
    """Enrol a young person whose referral the provider accepted."""

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    start_date: Day = Field(description="Not in the future, and a day the programme runs.")


class EnrolmentEndIn(Strict):
    """End an active enrolment, or take a waitlisted one off the list (declined_support or other)."""

    end_date: Day
    exit_reason: ExitReason
    note: str | None = Field(default=None, min_length=1, max_length=1000, pattern=NON_BLANK)


class EnrolmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    status: EnrolmentStatus = Field(
        description="awaiting_referral until the referral reaches this service, awaiting_acceptance until the "
        "provider accepts it, waitlisted while the programme is full; then active, ended or rejected."
    )
    start_date: date = Field(description="The day asked for while waiting; the day it started once active.")
    requested_at: datetime
    waitlisted_at: datetime | None
    waitlist_position: int | None = Field(default=None, description="1 for the next to start; null unless waitlisted.")
    started_at: datetime | None
    end_date: date | None
    exit_reason: ExitReason | None
    note: str | None
    rejection_reason: str | None

    @classmethod
    def of(cls, e: Enrolment, positions: dict[uuid.UUID, int] | None = None) -> EnrolmentOut:
        out = cls.model_validate(e)
        out.waitlist_position = (positions or {}).get(e.id)
        return out


class EnrolmentPage(BaseModel):
    items: list[EnrolmentOut]
    limit: int
    offset: int


class ContactIn(Strict):
    """A contact with the young person during an active enrolment."""

    contact_at: Moment = Field(description="With a time zone; not before start_date, not in the future.")
    kind: ContactKind
    duration_minutes: Minutes


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enrolment_id: uuid.UUID
    contact_at: datetime
    kind: ContactKind
    duration_minutes: int
    recorded_at: datetime

    @classmethod
    def of(cls, c: Contact) -> ContactOut:
        return cls.model_validate(c)


class ContactPage(BaseModel):
    items: list[ContactOut]
    limit: int
    offset: int
