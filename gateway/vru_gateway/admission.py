"""Who may come in, and how often: per-client rate limits keyed by the verified API client (or,
without a valid token, by the caller's address), decided before anything is proxied."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.responses import Response
from starlette.types import Scope

from vru_shared.auth import InvalidToken, KeysUnavailable, TokenVerifier
from vru_shared.problems import problem_response
from vru_shared.settings import Settings


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class Admission:
    def __init__(self, settings: Settings, verifier: TokenVerifier) -> None:
        self._verifier = verifier
        # A sliding window counter: two counters per client, where a moving window keeps a
        # timestamp per request and walked them all on every hit (a fifth of the gateway's CPU
        # under load). It weighs the previous window's count, so a burst at the boundary of
        # two windows cannot pass twice the limit.
        self._limiter = SlidingWindowCounterRateLimiter(storage_from_string(settings.rate_limit_storage))
        self._per_client = parse(settings.rate_limit)
        self._anonymous = parse(settings.rate_limit_anonymous)

    async def _identity(self, scope: Scope) -> tuple[str, bool]:
        token = _bearer(scope)
        if token is not None:
            try:
                principal = await self._verifier.verify(token)
            except (InvalidToken, KeysUnavailable):
                # The service refuses the token itself; here it only decides which limit applies.
                pass
            else:
                return f"client:{principal.client_id}", True
        client = scope.get("client")
        return f"address:{client[0] if client else 'unknown'}", False

    async def refuse(self, scope: Scope) -> Response | None:
        """A 429 problem when the caller has used up its limit; None to let it through."""
        key, known = await self._identity(scope)
        limit = self._per_client if known else self._anonymous
        if await self._limiter.hit(limit, key):
            return None
        stats = await self._limiter.get_window_stats(limit, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return problem_response(
            429,
            f"rate limit of {limit} exceeded; retry after {retry_after} s",
            kind="rate-limited",
            title="Too Many Requests",
            instance=scope["path"],
            headers={"Retry-After": str(retry_after)},
        )
