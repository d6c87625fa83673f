"""What callers ask the identity service to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from vru_identity.domain.clients import DEFAULT_GRACE
from vru_identity.domain.organisations import OrganisationRole


@dataclass(frozen=True)
class RegisterOrganisation:
    name: str
    role: OrganisationRole


@dataclass(frozen=True)
class DeactivateOrganisation:
    organisation_id: uuid.UUID


@dataclass(frozen=True)
class CreateClient:
    organisation_id: uuid.UUID
    name: str


@dataclass(frozen=True)
class RotateClientSecret:
    client_id: str
    grace: timedelta = DEFAULT_GRACE


@dataclass(frozen=True)
class RevokeClient:
    client_id: str


@dataclass(frozen=True)
class RotateSigningKey:
    # None: the authority's default delay before the new key signs.
    activation_delay: timedelta | None = None


@dataclass(frozen=True)
class RequestToken:
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None = None
