"""What every transport promises: confirmed publication, and at-least-once delivery per queue
with bounded, delayed retries and a dead-letter queue for what never succeeds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from vru_shared.events import Envelope

MessageCallback = Callable[[Envelope], Awaitable[None]]


class PublishFailed(RuntimeError):
    """The broker did not confirm a message; the caller keeps it and tries again."""


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 5
    retry_delay_ms: int = 1000
    prefetch: int = 32


@dataclass(frozen=True)
class DeadLetter:
    """A message an operator must look at, with the reason it was given up on."""

    queue: str
    body: bytes
    reason: str
    attempts: int


class Transport(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Return only once every envelope is confirmed; raise PublishFailed otherwise."""

    async def subscribe(self, service: str, event_types: Sequence[str], callback: MessageCallback) -> None:
        """Deliver each envelope of these types to the service's queue and on to the callback,
        acknowledging once the callback returns."""

    async def is_ready(self) -> bool: ...
