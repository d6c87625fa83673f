"""The token handler: OAuth2 client credentials (RFC 6749 4.4) in, a signed access token out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from vru_identity.adapters.crypto import sign
from vru_identity.domain import credentials
from vru_identity.domain.scopes import grant
from vru_identity.domain.tokens import access_token_claims
from vru_identity.service_layer.authority import Authority
from vru_identity.service_layer.commands import RequestToken
from vru_identity.service_layer.signing import current_keyring
from vru_identity.service_layer.unit_of_work import IdentityUnitOfWork


class InvalidClient(Exception):
    """Client authentication failed. Deliberately one reason for all causes (unknown client,
    wrong or expired secret, revoked client, deactivated organisation): callers learn nothing."""


class NoSigningKey(RuntimeError):
    """No key signs now; start-up creates one, so this means the database was tampered with."""


@dataclass(frozen=True)
class IssuedToken:
    access_token: str = field(repr=False)
    expires_in: int
    scope: str


async def issue_token(cmd: RequestToken, uow: IdentityUnitOfWork, authority: Authority) -> IssuedToken:
    if not credentials.is_client_id(cmd.client_id) or len(cmd.client_secret) > credentials.MAX_SECRET_LENGTH:
        raise InvalidClient("not credentials this service issues")
    now = authority.clock()
    presented = authority.hasher.hash(cmd.client_secret)
    async with uow:
        client = await uow.clients.get(cmd.client_id)
        organisation = await uow.organisations.get(client.organisation_id) if client is not None else None
        keyring = await current_keyring(uow, authority, now)
    if client is None or organisation is None or not client.accepts(presented, now) or not organisation.active:
        raise InvalidClient("client authentication failed")
    scopes = grant(organisation.role, cmd.scope)
    key = keyring.signing_key(now)
    if key is None:
        raise NoSigningKey("no signing key is active")
    claims = access_token_claims(authority.policy, client, organisation, scopes, now, uuid.uuid4())
    return IssuedToken(
        access_token=sign(claims, key, authority.vault),
        expires_in=int(authority.policy.ttl.total_seconds()),
        scope=claims["scope"],
    )
