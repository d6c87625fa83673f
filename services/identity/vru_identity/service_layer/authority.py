"""The authority: what the identity handlers need beyond a unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vru_shared.settings import Settings

from vru_identity.adapters.crypto import KeyVault, client_secret_pepper
from vru_identity.domain.credentials import SecretHasher
from vru_identity.domain.signing_keys import DEFAULT_ACTIVATION_DELAY
from vru_identity.domain.tokens import TokenPolicy


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Authority:
    """The token policy, the keys derived from the key-encryption secret, and the clock (which
    tests replace to move through grace periods and key rotations)."""

    policy: TokenPolicy
    vault: KeyVault
    hasher: SecretHasher
    activation_delay: timedelta = DEFAULT_ACTIVATION_DELAY
    clock: Callable[[], datetime] = utc_now

    @classmethod
    def from_settings(cls, settings: Settings) -> Authority:
        # Fails closed in full mode when VRU_IDENTITY_KEY_ENCRYPTION_KEY is missing.
        secret = settings.key_encryption_secret()
        return cls(
            policy=TokenPolicy(
                issuer=settings.token_issuer,
                audience=settings.token_audience,
                ttl=timedelta(seconds=settings.token_ttl_s),
            ),
            vault=KeyVault(secret),
            hasher=SecretHasher(client_secret_pepper(secret)),
        )
