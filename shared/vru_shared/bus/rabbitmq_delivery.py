"""Delivery of one consumed RabbitMQ queue: read each message, hand it to the service's callback
(alone, or with what else the prefetch delivered), then ack it, or move it on when it fails.

A failed message is published to `<queue>.retry`, whose messages expire (after the retry delay
set on each message) back into the queue, with its attempt count raised; after the last attempt,
or when it cannot be read at all, it goes to `<queue>.dead-letter`. Either way the original is
acked only once the copy is confirmed, so a message is never lost between the two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aio_pika
import aiormq
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel

from vru_shared import logs
from vru_shared.bus.base import BatchCallback, DeliveryPolicy, MessageCallback
from vru_shared.correlation import correlation_id
from vru_shared.events import Envelope
from vru_shared.problems import database_unavailable

log = logs.get(__name__)

ATTEMPT_HEADER = "x-vru-attempt"


def retry_queue(queue: str) -> str:
    return f"{queue}.retry"


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dead-letter"


def copy_of(message: AbstractIncomingMessage, headers: dict, *, expiration: float | None = None) -> aio_pika.Message:
    """The message again, persistent, with new headers: to retry it, dead-letter it or replay it."""
    return aio_pika.Message(
        body=message.body,
        headers=headers,
        content_type=message.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        type=message.type,
        timestamp=message.timestamp,
        expiration=expiration,
    )


def _attempt(message: AbstractIncomingMessage) -> int:
    return int((message.headers or {}).get(ATTEMPT_HEADER, 1) or 1)


async def _ack(message: AbstractIncomingMessage) -> None:
    try:
        await message.ack()
    except (aiormq.exceptions.AMQPError, aio_pika.exceptions.ChannelInvalidStateError, RuntimeError) as exc:
        # The channel died under us (aio-pika #501): the broker will deliver the message
        # again and the inbox will absorb it, so this is not a failure to handle here.
        log.warning("ack lost with its channel; expecting a redelivery", message_id=message.message_id,
                    error=repr(exc))


class QueueDelivery:
    """Delivers the messages of one queue, consumed on its own channel, to one callback."""

    def __init__(
        self, channel: AbstractRobustChannel, queue: str, callback: MessageCallback, policy: DeliveryPolicy
    ) -> None:
        self.channel = channel
        self.queue = queue
        self.callback = callback
        self.policy = policy
        self._batch_callback = callback if isinstance(callback, BatchCallback) and policy.batch_limit > 1 else None
        self.batching = self._batch_callback is not None
        self._waiting: asyncio.Queue[tuple[AbstractIncomingMessage, asyncio.Future[None]]] = asyncio.Queue()

    def start_batch_takers(self) -> list[asyncio.Task[None]]:
        """The tasks that take batches off this queue (none unless batching); the caller owns them."""
        if not self.batching:
            return []
        return [
            asyncio.create_task(self._take_batches(), name=f"batches-{self.queue}-{n}")
            for n in range(self.policy.batch_takers)
        ]

    async def receive(self, message: AbstractIncomingMessage) -> None:
        """Deliver one message from the broker; returns once it is settled."""
        if self.batching:
            # Handed to the queue's batch takers; this task lasts until the message is
            # settled, so that closing waits for it as for any other delivery.
            settled = asyncio.get_running_loop().create_future()
            self._waiting.put_nowait((message, settled))
            await settled
        else:
            await self._deliver(message)

    async def _take_batches(self) -> None:
        """Handle whatever the prefetch has delivered so far in one go: one message when they come
        one at a time (no waiting for company, so no added latency), many when they queue up."""
        limit = self.policy.batch_limit
        waiting = self._waiting
        while True:
            batch = [await waiting.get()]
            while len(batch) < limit and not waiting.empty():
                batch.append(waiting.get_nowait())
            try:
                await self._deliver_batch([message for message, _ in batch])
            except Exception as exc:  # noqa: BLE001 - the taker must go on; as a message whose
                # handling raised used to, the unsettled ones wait unacknowledged for their channel
                # to close, and the broker then delivers them again.
                log.error("batch not settled; left unacknowledged", queue=self.queue, error=repr(exc))
            finally:
                for _, settled in batch:
                    if not settled.done():
                        settled.set_result(None)

    async def _deliver_batch(self, messages: Sequence[AbstractIncomingMessage]) -> None:
        assert self._batch_callback is not None
        readable: list[tuple[AbstractIncomingMessage, Envelope]] = []
        for message in messages:
            envelope = await self._read(message)
            if envelope is not None:
                readable.append((message, envelope))
        if len(readable) > 1:
            try:
                await self._batch_callback.handle_batch([envelope for _, envelope in readable])
            except Exception as exc:  # noqa: BLE001 - nothing was committed; each is tried alone
                log.info("batch failed; handling its messages one at a time", queue=self.queue,
                         size=len(readable), error=repr(exc)[:300])
            else:
                for message, _ in readable:
                    await _ack(message)
                return
        for message, envelope in readable:
            await self._handle(message, envelope)

    async def _read(self, message: AbstractIncomingMessage) -> Envelope | None:
        """The message's envelope, or None once an unreadable message is dead-lettered."""
        try:
            return Envelope.model_validate_json(message.body)
        except ValueError as exc:
            await self._settle(message, _attempt(message), f"unreadable: {exc}", final=True)
            return None

    async def _deliver(self, message: AbstractIncomingMessage) -> None:
        envelope = await self._read(message)
        if envelope is not None:
            await self._handle(message, envelope)

    async def _handle(self, message: AbstractIncomingMessage, envelope: Envelope) -> None:
        attempt = _attempt(message)
        token = correlation_id.set(envelope.correlationid)
        try:
            await self.callback(envelope)
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            # A database that is down for now says nothing about the message: retry without
            # using up an attempt, however long the outage, rather than dead-letter good events.
            transient = database_unavailable(exc)
            final = attempt >= self.policy.max_attempts and not transient
            await self._settle(message, attempt, repr(exc), final=final, counted=not transient)
            return
        finally:
            correlation_id.reset(token)
        await _ack(message)

    async def _settle(
        self,
        message: AbstractIncomingMessage,
        attempt: int,
        reason: str,
        *,
        final: bool,
        counted: bool = True,
    ) -> None:
        """Move a failed message on, to the retry queue or the dead-letter queue, then ack it."""
        queue = self.queue
        target = dead_letter_queue(queue) if final else retry_queue(queue)
        headers = dict(message.headers or {})
        headers[ATTEMPT_HEADER] = attempt if final or not counted else attempt + 1
        headers["x-vru-error"] = reason[:1000]
        headers["x-vru-original-routing-key"] = message.routing_key or ""
        copy = copy_of(message, headers, expiration=None if final else self.policy.retry_delay_ms / 1000)
        try:
            await self.channel.default_exchange.publish(copy, routing_key=target, mandatory=True)
        except Exception as exc:  # noqa: BLE001 - leave it to the broker to deliver again
            log.error("could not move failed message; it will be redelivered", queue=queue, error=repr(exc))
            try:
                await message.nack(requeue=True)
            except (aiormq.exceptions.AMQPError, aio_pika.exceptions.ChannelInvalidStateError, RuntimeError):
                pass
            return
        level = log.error if final else log.warning
        level("message dead-lettered" if final else "message failed; retrying later",
              queue=queue, message_id=message.message_id, attempt=attempt, error=reason[:300])
        await _ack(message)
