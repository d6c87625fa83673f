"""The platform's public API as the loader uses it: bounded concurrency, the gateway's rate limit
honoured (bounded), bounded waits for what is on its way, and strict status checks."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx


Bearer = Callable[[], Awaitable[str]]


class DemoLoadError(RuntimeError):
    """The platform answered a demo request in a way the loader cannot go on from."""


@dataclass(frozen=True)
class Patience:
    """How much the loader asks of the platform at once, and how long it waits for it; all bounded."""

    concurrency: int = 16
    # Something on its way (an organisation's registration, a programme, an acceptance) is asked
    # for again after this, then after doubling delays up to the longest.
    retry_delay_s: float = 0.1
    longest_retry_delay_s: float = 1.0
    organisation_known_within_s: float = 30.0
    programme_known_within_s: float = 30.0
    active_within_s: float = 30.0
    # The gateway limits requests per client and says, with Retry-After, when to come back.
    rate_limited_retries: int = 10
    longest_rate_limit_wait_s: float = 60.0

    async def tries(self, within_s: float) -> AsyncIterator[int]:
        """Yield the number of each try: the first at once, the next after growing delays, until
        `within_s` has passed. The caller breaks out once it has what it waited for."""
        deadline, delay = time.monotonic() + within_s, self.retry_delay_s
        attempt = 0
        yield attempt
        while time.monotonic() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.longest_retry_delay_s)
            attempt += 1
            yield attempt

    def rate_limit_wait(self, response: httpx.Response) -> float:
        """The seconds a 429 answer asks to wait (RFC 9110 delay-seconds), within reason."""
        try:
            return min(max(float(response.headers.get("Retry-After", "")), 0.0), self.longest_rate_limit_wait_s)
        except ValueError:
            return 5.0


def problem_kind(response: httpx.Response) -> str:
    """The last segment of an RFC 9457 problem's type, e.g. "unknown-programme"; "" for anything else."""
    try:
        document = response.json()
    except ValueError:
        return ""
    return str(document.get("type", "")).rsplit("/", 1)[-1] if isinstance(document, dict) else ""


class Gateway:
    """The gateway's API: at most `patience.concurrency` requests in flight, across every client."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, patience: Patience) -> None:
        self.client, self.base, self.patience = client, base_url.rstrip("/"), patience
        self._gate = asyncio.Semaphore(patience.concurrency)

    async def send(self, method: str, path: str, *, json: Any = None, form: Mapping[str, str] | None = None,
                   headers: Mapping[str, str] | None = None, bearer: Bearer | None = None) -> httpx.Response:
        """One request; over the rate limit, wait as long as the gateway says and try again (bounded).

        `bearer` gives the access token to send, asked for only once the request's turn has come,
        so a token never waits in the queue. Token requests themselves pass no bearer and do not
        queue: there is at most one at a time per client, and they are what the queue waits for."""
        attempt = 0
        while True:
            # The wait happens outside the gate: one client over its limit holds up no other.
            async with self._gate if bearer is not None else contextlib.nullcontext():
                sent = {**(headers or {}), **({"Authorization": f"Bearer {await bearer()}"} if bearer else {})}
                try:
                    response = await self.client.request(method, f"{self.base}{path}", json=json, data=form,
                                                         headers=sent)
                except httpx.TransportError as exc:
                    raise DemoLoadError(f"{method} {path}: no answer from the platform at {self.base} "
                                        f"({type(exc).__name__}: {exc}); is it running?") from exc
            if response.status_code != 429 or attempt >= self.patience.rate_limited_retries:
                return response
            attempt += 1
            await asyncio.sleep(self.patience.rate_limit_wait(response))


def check(response: httpx.Response, expect: tuple[int, ...], who: str) -> Any:
    """The answer's JSON document when its status is one expected; else a DemoLoadError saying so."""
    if response.status_code not in expect:
        request = response.request
        raise DemoLoadError(f"{request.method} {request.url.path} answered {response.status_code}, expected "
                            f"{' or '.join(map(str, expect))} (acting as {who}): {response.text[:500]}")
    return response.json()
