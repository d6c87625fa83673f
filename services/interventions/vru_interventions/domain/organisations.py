"""The organisations this service has heard of from the identity service: who may run programmes.

Identity publishes a registration and, later perhaps, a deactivation. They may arrive in either
order, so an organisation first heard of through its deactivation is kept as inactive, and its
name and role are filled in when the registration comes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class OrganisationRole(StrEnum):
    REFERRER = "referrer"
    PROVIDER = "provider"
    VRU = "vru"
    ADMINISTRATOR = "administrator"


@dataclass(eq=False)
class Organisation:
    id: uuid.UUID
    # Known once OrganisationRegistered has arrived.
    name: str | None
    role: OrganisationRole | None
    active: bool = True

    @classmethod
    def registered(cls, *, organisation_id: uuid.UUID, name: str, role: OrganisationRole | str) -> Organisation:
        return cls(id=organisation_id, name=name, role=OrganisationRole(role))

    @classmethod
    def heard_of_deactivation(cls, organisation_id: uuid.UUID) -> Organisation:
        """An organisation first heard of through its deactivation; who it is follows with its registration."""
        return cls(id=organisation_id, name=None, role=None, active=False)

    def details_arrived(self, *, name: str, role: OrganisationRole | str) -> None:
        # A deactivation already heard of stays: organisations are never reactivated.
        self.name = name
        self.role = OrganisationRole(role)

    def deactivate(self) -> None:
        self.active = False

    def why_it_cannot_run_programmes(self) -> str | None:
        """None when the organisation may run a programme; else why not, for the caller who named it."""
        if not self.active:
            return "the organisation has been deactivated"
        if self.role is not OrganisationRole.PROVIDER:
            return f"the organisation is a {self.role} organisation, not a provider"
        return None
