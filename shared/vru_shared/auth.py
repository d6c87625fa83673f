"""Who is calling: access tokens (RFC 9068 JWTs signed by the identity service) verified in
every service and at the gateway, so identity can never be asserted by a caller who reaches a
service directly. Keys come from the identity service's JWKS, cached and refreshed on an
unknown key id, so signing keys rotate without downtime."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
import jwt
from cachetools import TLRUCache
from jwt import PyJWK

from vru_shared import logs

log = logs.get(__name__)


class Role(StrEnum):
    REFERRER = "referrer"
    PROVIDER = "provider"
    VRU = "vru"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Principal:
    """The API client behind a request, and the organisation it acts for."""

    client_id: str
    organisation_id: uuid.UUID
    role: Role
    scopes: frozenset[str]
    token_id: str

    def has(self, scope: str) -> bool:
        return scope in self.scopes


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed by a key we trust."""


class KeysUnavailable(Exception):
    """No signing keys could be fetched; nothing can be verified."""


Fetch = Callable[[], Awaitable[dict[str, Any]]]


def http_jwks(url: str, *, timeout_s: float = 3.0) -> Fetch:
    """Fetch a JWKS document over HTTP."""

    async def fetch() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            answer = await client.get(url)
            answer.raise_for_status()
            return answer.json()

    return fetch


class KeySet:
    """The identity service's public keys, cached; an unknown key id triggers a refresh."""

    def __init__(self, fetch: Fetch, *, max_age_s: float = 300.0, min_refresh_interval_s: float = 5.0) -> None:
        self._fetch = fetch
        self._max_age_s = max_age_s
        self._min_refresh_interval_s = min_refresh_interval_s
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> PyJWK:
        now = time.monotonic()
        if kid in self._keys and now - self._fetched_at < self._max_age_s:
            return self._keys[kid]
        async with self._lock:
            # A flood of tokens with made-up key ids must not become a flood of fetches.
            if now - self._fetched_at >= self._min_refresh_interval_s or not self._keys:
                await self._refresh()
        try:
            return self._keys[kid]
        except KeyError:
            raise InvalidToken(f"unknown signing key {kid!r}") from None

    async def _refresh(self) -> None:
        try:
            document = await self._fetch()
        except Exception as exc:  # noqa: BLE001 - any failure to fetch is the same to callers
            if not self._keys:
                raise KeysUnavailable(f"cannot fetch signing keys: {exc!r}") from exc
            log.warning("could not refresh signing keys; keeping the ones cached", error=repr(exc))
            return
        keys = {}
        for jwk in document.get("keys", []):
            if "kid" in jwk:
                keys[jwk["kid"]] = PyJWK.from_dict(jwk)
        self._keys = keys
        self._fetched_at = time.monotonic()


class TokenVerifier:
    """Verifies access tokens, remembering the ones it has verified until they expire.

    A client presents the same token on every call for its lifetime, and checking an EdDSA
    signature costs more than the rest of a small request; a remembered token is the exact
    string that was verified, so nothing is taken on trust. (A retired signing key is not a
    revocation: tokens it signed were valid until their exp whether remembered or not.)"""

    def __init__(
        self,
        keys: KeySet,
        *,
        issuer: str,
        audience: str,
        leeway_s: int = 5,
        remembered: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway_s = leeway_s
        # token -> (principal, expiry in epoch seconds); forgotten at expiry, least used first when full.
        self._verified: TLRUCache[str, tuple[Principal, float]] = TLRUCache(
            maxsize=remembered, ttu=lambda _token, entry, _now: entry[1], timer=clock
        )

    async def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            return remembered[0]
        principal, expires_at = await self._verify(token)
        self._verified[token] = (principal, expires_at)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("the token is not a JWT") from exc
        if header.get("typ") != "at+jwt" or header.get("alg") != "EdDSA" or not header.get("kid"):
            raise InvalidToken("the token is not an access token of this platform")
        key = await self._keys.key(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["EdDSA"],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway_s,
                options={"require": ["exp", "iat", "nbf", "sub", "jti", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the token is not valid: {exc}") from exc
        try:
            principal = Principal(
                client_id=str(claims["client_id"]),
                organisation_id=uuid.UUID(str(claims["org"])),
                role=Role(claims["role"]),
                scopes=frozenset(str(claims.get("scope", "")).split()),
                token_id=str(claims["jti"]),
            )
            # Remembered no longer than decode() would accept it: expiry plus the same leeway.
            return principal, float(claims["exp"]) + self._leeway_s
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("the token lacks the platform's claims") from exc
