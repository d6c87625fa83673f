"""Token signing keys and their rotation: a new key is published before it signs, and an old
one stays published until every token it signed has expired."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

ALGORITHM = "EdDSA"
# Verifiers may fetch the key set a little late, and clocks drift: a retired key stays
# published this much longer than the longest-lived token it can have signed.
PUBLICATION_MARGIN = timedelta(minutes=5)
DEFAULT_ACTIVATION_DELAY = timedelta(seconds=60)


class KeyState(StrEnum):
    PENDING = "pending"  # published, not signing yet
    ACTIVE = "active"  # signing
    RETIRED = "retired"  # no longer signing; published while its tokens may be alive


@dataclass(eq=False)
class SigningKey:
    kid: str
    algorithm: str
    # The private key, encrypted by the key vault; the domain never sees it in clear.
    private_key_encrypted: bytes
    public_jwk: dict[str, Any]
    created_at: datetime
    activated_at: datetime
    retired_at: datetime | None = None

    def state(self, now: datetime) -> KeyState:
        if self.retired_at is not None and self.retired_at <= now:
            return KeyState.RETIRED
        if self.activated_at > now:
            return KeyState.PENDING
        return KeyState.ACTIVE

    def is_published(self, now: datetime, token_ttl: timedelta) -> bool:
        return self.retired_at is None or self.retired_at > now - (token_ttl + PUBLICATION_MARGIN)


class Keyring:
    """All the signing keys, and which of them signs and which are published at a moment."""

    def __init__(self, keys: Iterable[SigningKey]) -> None:
        self.keys: Sequence[SigningKey] = sorted(keys, key=lambda k: (k.activated_at, k.created_at))

    def signing_key(self, now: datetime) -> SigningKey | None:
        active = [k for k in self.keys if k.state(now) is KeyState.ACTIVE]
        return active[-1] if active else None

    def published(self, now: datetime, token_ttl: timedelta) -> list[SigningKey]:
        return [k for k in self.keys if k.is_published(now, token_ttl)]

    def rotate_to(self, new: SigningKey) -> None:
        """Hand signing over to `new` when it activates; every key that would still sign then
        (the active one, or a pending one it overtakes) retires at that moment."""
        for key in self.keys:
            if key.retired_at is None or key.retired_at > new.activated_at:
                key.retired_at = new.activated_at
        self.keys = [*self.keys, new]
