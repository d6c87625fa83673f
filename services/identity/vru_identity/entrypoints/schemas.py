"""The identity API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vru_shared.request_fields import NON_BLANK, number, whole_number

from vru_identity.domain.clients import ApiClient
from vru_identity.domain.organisations import Organisation, OrganisationRole
from vru_identity.domain.scopes import SCOPES_BY_ROLE
from vru_identity.domain.signing_keys import KeyState, SigningKey


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


GraceHours = number(ge=0, le=720)
ActivationDelay = whole_number(ge=0, le=86_400)


class OrganisationIn(Strict):
    """An organisation to register."""

    name: str = Field(min_length=1, max_length=200, pattern=NON_BLANK,
                      description="Unique, ignoring case and spacing.")
    role: OrganisationRole = Field(description="Decides the scopes its clients' tokens get.")


class OrganisationOut(BaseModel):
    id: uuid.UUID
    name: str
    role: OrganisationRole
    active: bool
    created_at: datetime
    deactivated_at: datetime | None
    scopes: list[str] = Field(description="What tokens of this organisation's clients may grant.")

    @classmethod
    def of(cls, o: Organisation) -> OrganisationOut:
        return cls(
            id=o.id,
            name=o.name,
            role=o.role,
            active=o.active,
            created_at=o.created_at,
            deactivated_at=o.deactivated_at,
            scopes=list(SCOPES_BY_ROLE[o.role]),
        )


class OrganisationPage(BaseModel):
    items: list[OrganisationOut]
    limit: int
    offset: int


class ClientIn(Strict):
    """An API client to create for the organisation."""

    name: str = Field(min_length=1, max_length=200, pattern=NON_BLANK, description="What system uses it.")


class ClientOut(BaseModel):
    """A client as it is listed: never its secret, nor anything derived from it."""

    client_id: str
    organisation_id: uuid.UUID
    name: str
    created_at: datetime
    secret_rotated_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="Until when the secret replaced by the last rotation still works."
    )
    revoked_at: datetime | None

    @classmethod
    def of(cls, c: ApiClient) -> ClientOut:
        return cls(
            client_id=c.client_id,
            organisation_id=c.organisation_id,
            name=c.name,
            created_at=c.created_at,
            secret_rotated_at=c.secret_rotated_at,
            previous_secret_expires_at=c.previous_secret_expires_at,
            revoked_at=c.revoked_at,
        )


class ClientWithSecret(ClientOut):
    """A client with its new secret: shown this once, stored only as a keyed hash."""

    client_secret: str

    @classmethod
    def issued(cls, c: ApiClient, secret: str) -> ClientWithSecret:
        return cls(**ClientOut.of(c).model_dump(), client_secret=secret)


class ClientList(BaseModel):
    items: list[ClientOut]


class RotateSecretIn(Strict):
    grace_hours: GraceHours = Field(
        default=24, description="How long the replaced secret keeps working (0: stops at once)."
    )


class RotateSigningKeyIn(Strict):
    activation_delay_s: ActivationDelay | None = Field(
        default=None,
        description="Seconds between publishing the new key and signing with it (default 60).",
    )


class SigningKeyOut(BaseModel):
    kid: str
    algorithm: str
    state: KeyState
    created_at: datetime
    activated_at: datetime
    retired_at: datetime | None

    @classmethod
    def of(cls, k: SigningKey, now: datetime) -> SigningKeyOut:
        return cls(
            kid=k.kid,
            algorithm=k.algorithm,
            state=k.state(now),
            created_at=k.created_at,
            activated_at=k.activated_at,
            retired_at=k.retired_at,
        )


class SigningKeyList(BaseModel):
    items: list[SigningKeyOut]


class TokenOut(BaseModel):
    """RFC 6749 5.1: the access token answer."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    scope: str


class TokenError(BaseModel):
    """RFC 6749 5.2: the error answer of the token endpoint."""

    error: Literal[
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
        "invalid_scope",
    ]
    error_description: str | None = None


class JsonWebKey(BaseModel):
    model_config = ConfigDict(extra="allow")

    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]
