"""Client identifiers and secrets: how they are made, and how a secret is kept without keeping it."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

CLIENT_ID_PREFIX = "vru_"
# Longer secrets are refused before any hashing: none we issue comes near this.
MAX_SECRET_LENGTH = 256


_CLIENT_ID = re.compile(rf"^{CLIENT_ID_PREFIX}[0-9a-f]{{24}}$")


def new_client_id() -> str:
    """A public, unguessable identifier; it names the client, it proves nothing."""
    return CLIENT_ID_PREFIX + secrets.token_hex(12)


def is_client_id(value: str) -> bool:
    """Whether a value has the shape of a client id; anything else (a secret pasted into the
    wrong field, say) is refused before it reaches a query, and so any query log."""
    return _CLIENT_ID.match(value) is not None


def new_client_secret() -> str:
    """256 random bits, shown once to the caller and never stored."""
    return secrets.token_urlsafe(32)


class SecretHasher:
    """Keeps a client secret as HMAC-SHA256 under a server-side pepper.

    A slow password hash (bcrypt, Argon2) exists to make guessing low-entropy, human-chosen
    passwords expensive. Our secrets are 256 random bits that we generate, so no guess can
    succeed however fast each one is; a keyed fast hash is enough, and it keeps the token
    endpoint cheap. The pepper (kept outside the database) means a stolen table alone does
    not even let anyone test candidate secrets offline.
    """

    def __init__(self, pepper: bytes) -> None:
        if len(pepper) < 32:
            raise ValueError("the pepper must have at least 32 bytes")
        self._pepper = pepper

    def hash(self, secret: str) -> str:
        return hmac.new(self._pepper, secret.encode(), hashlib.sha256).hexdigest()
