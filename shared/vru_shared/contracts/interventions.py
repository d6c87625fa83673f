"""Events published by the interventions service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from vru_shared.contracts.referrals import ReferralSource
from vru_shared.events import IntegrationEvent, contract

PreventionTier = Literal["primary", "secondary", "tertiary"]


class _ProgrammeState(IntegrationEvent):
    """The whole of a programme as it now stands: who runs it and whom it accepts."""

    programme_id: uuid.UUID
    name: str
    # The provider organisation that runs the programme: it alone sees the programme's records.
    provider_organisation_id: uuid.UUID
    provider: str
    tier: PreventionTier
    accepted_sources: list[ReferralSource]
    min_age: int
    max_age: int
    capacity: int | None
    active_from: date
    active_to: date | None
    # 1 when created, one more with each change: a consumer keeps the highest it has applied and
    # ignores an older state that arrives late (a retried message overtaken by the next change).
    # 0 from a publisher that did not yet count them, applied as before, in arrival order.
    revision: int = Field(default=0, ge=0)

    def supersedes(self, kept_revision: int) -> bool:
        """Whether this state should replace one of `kept_revision` kept by a consumer: it is newer,
        or it carries no revision (0) and so is applied in arrival order."""
        return self.revision == 0 or self.revision > kept_revision


@contract
class ProgrammeCreated(_ProgrammeState):
    event_type: ClassVar[str] = "interventions.programme.created.v1"


@contract
class ProgrammeUpdated(_ProgrammeState):
    event_type: ClassVar[str] = "interventions.programme.updated.v1"


@contract
class EnrolmentStarted(IntegrationEvent):
    event_type: ClassVar[str] = "interventions.enrolment.started.v1"

    enrolment_id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    subject_pseudonym: str
    start_date: date
    started_at: datetime


@contract
class ContactRecorded(IntegrationEvent):
    event_type: ClassVar[str] = "interventions.contact.recorded.v1"

    contact_id: uuid.UUID
    enrolment_id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    contact_at: datetime
    kind: str
    duration_minutes: int


@contract
class EnrolmentEnded(IntegrationEvent):
    event_type: ClassVar[str] = "interventions.enrolment.ended.v1"

    enrolment_id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    end_date: date
    exit_reason: str
