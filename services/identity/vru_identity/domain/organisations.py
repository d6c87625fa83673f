"""Organisations: who the platform's callers are, and the role that decides what they may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from vru_shared.contracts.identity import OrganisationDeactivated, OrganisationRegistered
from vru_shared.events import IntegrationEvent

from vru_identity.domain.errors import IllegalTransition, InvalidInput

MAX_NAME_LENGTH = 200


class OrganisationRole(StrEnum):
    REFERRER = "referrer"
    PROVIDER = "provider"
    VRU = "vru"
    ADMINISTRATOR = "administrator"


def name_key(name: str) -> str:
    """What makes two names the same organisation: case and spacing do not."""
    return " ".join(name.split()).casefold()


@dataclass(eq=False)
class Organisation:
    id: uuid.UUID
    name: str
    name_key: str
    role: OrganisationRole
    active: bool
    created_at: datetime
    deactivated_at: datetime | None = None
    events: list[IntegrationEvent] = field(default_factory=list, repr=False)

    @classmethod
    def register(cls, *, organisation_id: uuid.UUID, name: str, role: OrganisationRole, now: datetime) -> Organisation:
        display = " ".join(name.split())
        if not display:
            raise InvalidInput("an organisation needs a name")
        if len(display) > MAX_NAME_LENGTH:
            raise InvalidInput(f"an organisation's name has at most {MAX_NAME_LENGTH} characters")
        organisation = cls(
            id=organisation_id, name=display, name_key=name_key(display), role=role, active=True, created_at=now
        )
        organisation.events.append(
            OrganisationRegistered(organisation_id=organisation_id, name=display, role=role.value)
        )
        return organisation

    def deactivate(self, now: datetime) -> None:
        """Stop the organisation: its clients get no more tokens; tokens already issued run out."""
        if not self.active:
            raise IllegalTransition(f"organisation {self.id} is already deactivated")
        self.active = False
        self.deactivated_at = now
        self.events.append(OrganisationDeactivated(organisation_id=self.id, deactivated_at=now))
