"""What every transport promises: confirmed publication, and at-least-once delivery per queue
with bounded, delayed retries and a dead-letter queue for what never succeeds."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from vru_shared.events import Envelope

MessageCallback = Callable[[Envelope], Awaitable[None]]


@runtime_checkable
class BatchCallback(Protocol):
    """A callback that can also take several envelopes at once (the event consumer does).

    `handle_batch` handles them all or, raising, none of them: the transport then gives each
    to the callback alone, so one that cannot be handled is retried or dead-lettered by itself.
    """

    async def __call__(self, envelope: Envelope) -> None: ...

    async def handle_batch(self, envelopes: Sequence[Envelope]) -> None: ...


class PublishFailed(RuntimeError):
    """The broker did not confirm a message; the caller keeps it and tries again."""


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 5
    retry_delay_ms: int = 1000
    prefetch: int = 32
    # Batches of one queue handled at once, each in its own transaction. One: two or four takers
    # got smaller batches, cost more CPU per event and were no faster in our measurements, and one
    # taker holds one connection of the pool, leaving the rest to requests.
    batch_takers: int = 1
    # The most messages handled in one transaction; None shares the prefetch among the takers
    # and one more batch, so that the broker delivers the next while these are handled.
    max_batch: int | None = None

    @property
    def batch_limit(self) -> int:
        if self.max_batch is not None:
            return max(1, self.max_batch)
        return max(1, self.prefetch // (self.batch_takers + 1))


@dataclass(frozen=True)
class StoredEvent:
    """An envelope as the outbox keeps it: its JSON text is published as it is, not parsed again."""

    id: str
    type: str
    body: bytes
    correlation_id: str | None = None
    time: datetime | None = None

    @classmethod
    def of(cls, event_id: str, event_type: str, text: str) -> StoredEvent:
        # json.loads costs a fraction of re-validating the envelope with pydantic; the
        # correlation id and time only decorate the message for operators.
        fields = json.loads(text)
        stamp = fields.get("time")
        return cls(
            id=event_id,
            type=event_type,
            body=text.encode(),
            correlation_id=fields.get("correlationid"),
            time=datetime.fromisoformat(stamp) if isinstance(stamp, str) else None,
        )

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> StoredEvent:
        return cls(
            id=str(envelope.id),
            type=envelope.type,
            body=envelope.model_dump_json().encode(),
            correlation_id=envelope.correlationid,
            time=envelope.time,
        )


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

    async def publish_stored(self, events: Sequence[StoredEvent]) -> None:
        """As `publish`, for envelopes already serialised (the outbox relay's)."""

    async def subscribe(self, service: str, event_types: Sequence[str], callback: MessageCallback) -> None:
        """Deliver each envelope of these types to the service's queue and on to the callback,
        acknowledging once the callback returns. A BatchCallback may be given several at once."""

    async def is_ready(self) -> bool: ...
