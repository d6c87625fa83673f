"""Access tokens: the claims of the JWT a client gets (RFC 9068 profile)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vru_identity.domain.clients import ApiClient
from vru_identity.domain.organisations import Organisation

TOKEN_TYPE = "at+jwt"


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    audience: str
    ttl: timedelta


def access_token_claims(
    policy: TokenPolicy,
    client: ApiClient,
    organisation: Organisation,
    scopes: tuple[str, ...],
    now: datetime,
    token_id: uuid.UUID,
) -> dict[str, Any]:
    issued_at = int(now.timestamp())
    return {
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": client.client_id,
        "client_id": client.client_id,
        "org": str(organisation.id),
        "role": organisation.role.value,
        "scope": " ".join(scopes),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + int(policy.ttl.total_seconds()),
        "jti": str(token_id),
    }
