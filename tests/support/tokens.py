"""Signed access tokens for tests: a throwaway Ed25519 key, tokens for any role and organisation,
and a verifier that trusts that key, to put on a service app as `app.state.token_verifier`."""

from __future__ import annotations

import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from vru_identity.domain.organisations import OrganisationRole
from vru_identity.domain.scopes import SCOPES_BY_ROLE
from vru_shared.auth import KeySet, TokenVerifier

ISSUER, AUDIENCE = "vru-platform", "vru-api"


class TestIssuer:
    """Stands in for the identity service: same token format, same scopes per role."""

    __test__ = False  # not a test class, despite its name

    def __init__(self) -> None:
        self._key = Ed25519PrivateKey.generate()
        self.kid = f"test-{uuid.uuid4().hex[:8]}"
        jwk = json.loads(OKPAlgorithm.to_jwk(self._key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}

    def verifier(self) -> TokenVerifier:
        async def fetch() -> dict:
            return self.jwks

        return TokenVerifier(KeySet(fetch), issuer=ISSUER, audience=AUDIENCE)

    def token(self, role: str, organisation_id: uuid.UUID, *, scopes: list[str] | None = None,
              client_id: str | None = None, ttl_s: int = 300) -> str:
        now = int(time.time())
        granted = scopes if scopes is not None else list(SCOPES_BY_ROLE[OrganisationRole(role)])
        client = client_id or f"vru_{uuid.uuid4().hex[:24]}"
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": client, "client_id": client, "org": str(organisation_id),
                  "role": role, "scope": " ".join(granted), "iat": now, "nbf": now, "exp": now + ttl_s,
                  "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid, "typ": "at+jwt"})

    def headers(self, role: str, organisation_id: uuid.UUID, **kwargs) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, organisation_id, **kwargs)}"}
