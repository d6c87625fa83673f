"""What an operator does with a service's dead-letter queue on RabbitMQ: list, inspect, replay.

Browsing takes messages without acknowledging them and lets them go back when the channel
closes, so looking changes nothing. Replaying publishes a message, with confirms, to the
service's own queue with a fresh attempt count, and only then removes it from the dead letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from vru_shared.bus.rabbitmq_delivery import ATTEMPT_HEADER, copy_of, dead_letter_queue


@dataclass(frozen=True)
class DeadLetterMessage:
    message_id: str | None
    event_type: str | None
    attempts: int | None
    error: str | None
    routing_key: str | None
    correlation_id: str | None
    timestamp: datetime | None
    body: bytes

    @classmethod
    def of(cls, message: AbstractIncomingMessage) -> DeadLetterMessage:
        headers = message.headers or {}
        return cls(
            message_id=message.message_id,
            event_type=message.type,
            attempts=headers.get(ATTEMPT_HEADER),
            error=headers.get("x-vru-error"),
            routing_key=headers.get("x-vru-original-routing-key"),
            correlation_id=message.correlation_id,
            timestamp=message.timestamp,
            body=message.body,
        )


class DeadLetters:
    """The dead-letter queue of one service, under one bus prefix."""

    def __init__(self, url: str, *, prefix: str, service: str) -> None:
        self._url = url
        self.service_queue = f"{prefix}.{service}"
        self.queue = dead_letter_queue(self.service_queue)

    async def _browse(self, channel: AbstractChannel, limit: int) -> list[AbstractIncomingMessage]:
        queue = await channel.declare_queue(self.queue, passive=True)
        taken = []
        while len(taken) < limit:
            message = await queue.get(no_ack=False, fail=False, timeout=5)
            if message is None:
                break
            taken.append(message)
        return taken

    async def list(self, limit: int = 100) -> list[DeadLetterMessage]:
        connection = await aio_pika.connect(self._url)
        try:
            channel = await connection.channel()
            return [DeadLetterMessage.of(m) for m in await self._browse(channel, limit)]
        finally:
            # Closing without acks gives every browsed message back to the queue.
            await connection.close()

    async def replay(self, message_ids: set[str] | None = None, limit: int = 10_000) -> list[str]:
        """Send the chosen messages (all when None) back to the service; return their ids."""
        connection = await aio_pika.connect(self._url)
        replayed: list[str] = []
        try:
            channel = await connection.channel(publisher_confirms=True)
            for message in await self._browse(channel, limit):
                if message_ids is not None and message.message_id not in message_ids:
                    continue
                headers = dict(message.headers or {})
                headers[ATTEMPT_HEADER] = 1
                headers["x-vru-replayed"] = True
                await channel.default_exchange.publish(
                    copy_of(message, headers),
                    routing_key=self.service_queue,
                    mandatory=True,
                )
                await message.ack()
                replayed.append(message.message_id or "")
        finally:
            await connection.close()
        return replayed
