"""API clients: the credentials one organisation's system uses to get access tokens."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from vru_identity.domain.errors import IllegalTransition, InvalidInput

# How long the secret a rotation replaces keeps working, so the caller can roll it out.
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(days=30)
MAX_NAME_LENGTH = 200

# Compared against when a slot is empty, so a check costs the same whatever the client holds.
_NO_HASH = "0" * 64


@dataclass(eq=False)
class ApiClient:
    client_id: str
    organisation_id: uuid.UUID
    name: str
    secret_hash: str
    created_at: datetime
    secret_rotated_at: datetime | None = None
    previous_secret_hash: str | None = None
    previous_secret_expires_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls, *, client_id: str, organisation_id: uuid.UUID, name: str, secret_hash: str, now: datetime
    ) -> ApiClient:
        display = " ".join(name.split())
        if not display:
            raise InvalidInput("a client needs a name")
        if len(display) > MAX_NAME_LENGTH:
            raise InvalidInput(f"a client's name has at most {MAX_NAME_LENGTH} characters")
        return cls(
            client_id=client_id, organisation_id=organisation_id, name=display, secret_hash=secret_hash, created_at=now
        )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def rotate_secret(self, new_hash: str, now: datetime, grace: timedelta = DEFAULT_GRACE) -> None:
        """Take a new secret; the current one keeps working for `grace`, an older one stops now."""
        if self.revoked:
            raise IllegalTransition(f"client {self.client_id} is revoked")
        if not timedelta(0) <= grace <= MAX_GRACE:
            raise InvalidInput(f"the grace period must be between 0 and {MAX_GRACE.days} days")
        self.previous_secret_hash = self.secret_hash
        self.previous_secret_expires_at = now + grace
        self.secret_hash = new_hash
        self.secret_rotated_at = now

    def revoke(self, now: datetime) -> None:
        """Stop the client at once. Tokens it already holds stay valid until they expire."""
        if self.revoked:
            raise IllegalTransition(f"client {self.client_id} is already revoked")
        self.revoked_at = now
        self.previous_secret_hash = None
        self.previous_secret_expires_at = None

    def accepts(self, presented_hash: str, now: datetime) -> bool:
        """Whether a presented secret (as hashed) is this client's, compared in constant time."""
        current = hmac.compare_digest(presented_hash, self.secret_hash)
        in_grace = self.previous_secret_expires_at is not None and now < self.previous_secret_expires_at
        previous = hmac.compare_digest(presented_hash, self.previous_secret_hash or _NO_HASH)
        return not self.revoked and (current or (previous and in_grace))
