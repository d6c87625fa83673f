"""Handlers for the token signing keys: the first key, rotation, and the published key set."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from vru_identity.adapters.crypto import new_signing_key
from vru_identity.domain.errors import InvalidInput
from vru_identity.domain.signing_keys import PUBLICATION_MARGIN, Keyring, SigningKey
from vru_identity.service_layer.authority import Authority
from vru_identity.service_layer.commands import RotateSigningKey
from vru_identity.service_layer.unit_of_work import IdentityUnitOfWork

MAX_ACTIVATION_DELAY = timedelta(days=1)
# Two processes of the service starting or rotating together must not both add a key.
_KEYS_LOCK = "identity-signing-keys"


async def current_keyring(uow: IdentityUnitOfWork, authority: Authority, now: datetime) -> Keyring:
    # Keys retired long enough ago that none of their tokens can be alive play no part.
    cutoff = now - authority.policy.ttl - PUBLICATION_MARGIN
    return Keyring(await uow.signing_keys.not_retired_before(cutoff))


async def ensure_signing_key(uow: IdentityUnitOfWork, authority: Authority) -> SigningKey:
    """The key that signs now; on a new database, a first one, which signs at once since no
    verifier can have cached an older key set."""
    async with uow:
        await uow.serialise_on(_KEYS_LOCK)
        now = authority.clock()
        keyring = await current_keyring(uow, authority, now)
        key = keyring.signing_key(now)
        if key is not None:
            return key
        key = new_signing_key(authority.vault, now=now, activates_at=now)
        keyring.rotate_to(key)
        uow.signing_keys.add(key)
        await uow.commit()
    return key


async def rotate_signing_key(cmd: RotateSigningKey, uow: IdentityUnitOfWork, authority: Authority) -> SigningKey:
    """Publish a new key now; it starts signing (and the current key retires) after the delay,
    by which time verifiers that cache the key set have fetched it."""
    delay = authority.activation_delay if cmd.activation_delay is None else cmd.activation_delay
    if not timedelta(0) <= delay <= MAX_ACTIVATION_DELAY:
        raise InvalidInput(f"the activation delay must be between 0 and {int(MAX_ACTIVATION_DELAY.total_seconds())} s")
    async with uow:
        await uow.serialise_on(_KEYS_LOCK)
        now = authority.clock()
        keyring = await current_keyring(uow, authority, now)
        if keyring.signing_key(now) is None:
            # Nothing signs yet, so no verifier holds a key set to refresh: sign at once.
            delay = timedelta(0)
        key = new_signing_key(authority.vault, now=now, activates_at=now + delay)
        keyring.rotate_to(key)
        uow.signing_keys.add(key)
        await uow.commit()
    return key


async def jwks_document(uow: IdentityUnitOfWork, authority: Authority) -> dict[str, Any]:
    """The JWK Set (RFC 7517) of the published keys; a verifier inside this service can read
    it directly instead of over HTTP."""
    return {"keys": [key.public_jwk for key in await published_keys(uow, authority)]}


async def published_keys(uow: IdentityUnitOfWork, authority: Authority) -> list[SigningKey]:
    """Every key a verifier may meet: pending, active, and retired while its tokens live."""
    async with uow:
        now = authority.clock()
        keyring = await current_keyring(uow, authority, now)
    return keyring.published(now, authority.policy.ttl)
