"""Events published by the identity service: the organisations the platform knows.

Other services keep a projection of organisations from these to name the referrer or provider
behind an access token's `org` claim. Organisations are never deleted, only deactivated.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from vru_shared.events import IntegrationEvent, contract

OrganisationRole = Literal["referrer", "provider", "vru", "administrator"]


@contract
class OrganisationRegistered(IntegrationEvent):
    event_type: ClassVar[str] = "identity.organisation.registered.v1"

    organisation_id: uuid.UUID
    name: str
    role: OrganisationRole


@contract
class OrganisationDeactivated(IntegrationEvent):
    event_type: ClassVar[str] = "identity.organisation.deactivated.v1"

    organisation_id: uuid.UUID
    deactivated_at: datetime
