"""The RabbitMQ transport (aio-pika): a topic exchange, a quorum queue per consuming service,
publisher confirms, manual acks, delayed retries and a dead-letter queue.

Topology, declared at start-up, every name under a prefix (`vru` by default):
- `<prefix>.events` (topic, durable) with an alternate exchange, so a message that routes
  nowhere is kept in the queue `<prefix>.unrouted` rather than dropped;
- `<prefix>.<service>` (quorum) bound by each event type the service handles;
- `<prefix>.<service>.retry` (quorum) whose messages expire after the retry delay (set on each
  message) back into the service's queue;
- `<prefix>.<service>.dead-letter` (quorum) for what failed every attempt or could not be read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
    AbstractRobustQueue,
)
from pamqp.commands import Basic

from vru_shared import logs
from vru_shared.bus.base import BatchCallback, DeliveryPolicy, MessageCallback, PublishFailed, StoredEvent
from vru_shared.correlation import correlation_id
from vru_shared.events import Envelope
from vru_shared.problems import database_unavailable

log = logs.get(__name__)

ATTEMPT_HEADER = "x-vru-attempt"
QUORUM = {"x-queue-type": "quorum"}
CONTENT_TYPE = "application/cloudevents+json"


def retry_queue(queue: str) -> str:
    return f"{queue}.retry"


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dead-letter"


class RabbitMqTransport:
    def __init__(self, url: str, *, prefix: str = "vru", policy: DeliveryPolicy | None = None) -> None:
        self._url = url
        self.prefix = prefix
        self._exchange_name = f"{prefix}.events"
        self.policy = policy or DeliveryPolicy()
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None
        # Strong references: aio-pika restores only the channels, queues and consumers that
        # are still alive after a reconnection (aio-pika #231, #536).
        self._consumers: dict[str, tuple[AbstractRobustChannel, AbstractRobustQueue, str]] = {}
        self._subscriptions: dict[str, tuple[tuple[str, ...], MessageCallback]] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        # The batch takers of each queue whose callback is a BatchCallback (see _take_batches).
        self._workers: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url, client_properties={"connection_name": "vru"})
        self._publish_channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await self._declare_exchange(self._publish_channel)
        for queue, (event_types, callback) in self._subscriptions.items():
            await self._start_consumer(queue, event_types, callback)

    async def _declare_exchange(self, channel: AbstractRobustChannel) -> AbstractRobustExchange:
        unrouted = f"{self.prefix}.unrouted"
        alternate = await channel.declare_exchange(unrouted, aio_pika.ExchangeType.FANOUT, durable=True)
        parking = await channel.declare_queue(unrouted, durable=True, arguments=QUORUM)
        await parking.bind(alternate)
        return await channel.declare_exchange(
            self._exchange_name,
            aio_pika.ExchangeType.TOPIC,
            durable=True,
            arguments={"alternate-exchange": unrouted},
        )

    async def close(self) -> None:
        for _channel, queue, tag in self._consumers.values():
            try:
                await queue.cancel(tag)
            except Exception as exc:  # noqa: BLE001 - the connection may already be gone
                log.info("consumer already gone at close", queue=queue.name, error=repr(exc))
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=10)
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._consumers.clear()

    async def is_ready(self) -> bool:
        return (
            self._connection is not None
            and not self._connection.is_closed
            and self._publish_channel is not None
            and not self._publish_channel.is_closed
        )

    def _message(self, event: StoredEvent) -> aio_pika.Message:
        return aio_pika.Message(
            body=event.body,
            content_type=CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=event.id,
            correlation_id=event.correlation_id,
            type=event.type,
            timestamp=event.time,
            headers={ATTEMPT_HEADER: 1},
        )

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        await self.publish_stored([StoredEvent.from_envelope(e) for e in envelopes])

    async def publish_stored(self, events: Sequence[StoredEvent]) -> None:
        if self._exchange is None:
            raise PublishFailed("not connected to the broker")
        exchange = self._exchange
        # Gathered, so the broker confirms the batch in one go rather than one round trip each.
        results = await asyncio.gather(
            *(exchange.publish(self._message(e), routing_key=e.type, mandatory=True) for e in events),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException) or not isinstance(r, Basic.Ack)]
        if failures:
            raise PublishFailed(f"{len(failures)} of {len(events)} messages unconfirmed: {failures[0]!r}")

    def queue_name(self, service: str) -> str:
        return f"{self.prefix}.{service}"

    async def subscribe(self, service: str, event_types: Sequence[str], callback: MessageCallback) -> None:
        queue = self.queue_name(service)
        if queue in self._subscriptions:
            raise ValueError(f"queue {queue} already has a consumer")
        self._subscriptions[queue] = (tuple(event_types), callback)
        if self._connection is not None:
            await self._start_consumer(queue, tuple(event_types), callback)

    async def _start_consumer(self, queue: str, event_types: Sequence[str], callback: MessageCallback) -> None:
        assert self._connection is not None
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=self.policy.prefetch)
        exchange = await self._declare_exchange(channel)
        main = await channel.declare_queue(queue, durable=True, arguments=QUORUM)
        for event_type in event_types:
            await main.bind(exchange, routing_key=event_type)
        await channel.declare_queue(
            retry_queue(queue),
            durable=True,
            arguments={
                **QUORUM,
                # The delay rides on each message (its expiration), not on the queue, so it can
                # be changed without redeclaring the queue (which RabbitMQ would refuse).
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queue,
                # Quorum queues can dead-letter at least once, so no retry is lost in transit.
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
        await channel.declare_queue(dead_letter_queue(queue), durable=True, arguments=QUORUM)

        batching = isinstance(callback, BatchCallback) and self.policy.batch_limit > 1
        waiting: asyncio.Queue[tuple[AbstractIncomingMessage, asyncio.Future[None]]] = asyncio.Queue()
        if batching:
            self._workers.extend(
                asyncio.create_task(self._take_batches(channel, queue, waiting, callback), name=f"batches-{queue}-{n}")
                for n in range(self.policy.batch_takers)
            )

        async def on_message(message: AbstractIncomingMessage) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.add(task)
            try:
                if batching:
                    # Handed to the queue's batch takers; this task lasts until the message is
                    # settled, so that closing waits for it as for any other delivery.
                    settled = asyncio.get_running_loop().create_future()
                    waiting.put_nowait((message, settled))
                    await settled
                else:
                    await self._deliver(channel, queue, message, callback)
            finally:
                if task is not None:
                    self._in_flight.discard(task)

        tag = await main.consume(on_message, no_ack=False)
        self._consumers[queue] = (channel, main, tag)
        log.info("consuming", queue=queue, event_types=list(event_types), batch_limit=self.policy.batch_limit
                 if batching else 1)

    async def _take_batches(
        self,
        channel: AbstractRobustChannel,
        queue: str,
        waiting: asyncio.Queue[tuple[AbstractIncomingMessage, asyncio.Future[None]]],
        callback: BatchCallback,
    ) -> None:
        """Handle whatever the prefetch has delivered so far in one go: one message when they come
        one at a time (no waiting for company, so no added latency), many when they queue up."""
        limit = self.policy.batch_limit
        while True:
            batch = [await waiting.get()]
            while len(batch) < limit and not waiting.empty():
                batch.append(waiting.get_nowait())
            try:
                await self._deliver_batch(channel, queue, [message for message, _ in batch], callback)
            except Exception as exc:  # noqa: BLE001 - the taker must go on; as a message whose
                # handling raised used to, the unsettled ones wait unacknowledged for their channel
                # to close, and the broker then delivers them again.
                log.error("batch not settled; left unacknowledged", queue=queue, error=repr(exc))
            finally:
                for _, settled in batch:
                    if not settled.done():
                        settled.set_result(None)

    async def _deliver_batch(
        self,
        channel: AbstractRobustChannel,
        queue: str,
        messages: Sequence[AbstractIncomingMessage],
        callback: BatchCallback,
    ) -> None:
        readable: list[tuple[AbstractIncomingMessage, Envelope]] = []
        for message in messages:
            envelope = await self._read(channel, queue, message)
            if envelope is not None:
                readable.append((message, envelope))
        if len(readable) > 1:
            try:
                await callback.handle_batch([envelope for _, envelope in readable])
            except Exception as exc:  # noqa: BLE001 - nothing was committed; each is tried alone
                log.info("batch failed; handling its messages one at a time", queue=queue, size=len(readable),
                         error=repr(exc)[:300])
            else:
                for message, _ in readable:
                    await self._ack(message)
                return
        for message, envelope in readable:
            await self._handle(channel, queue, message, envelope, callback)

    @staticmethod
    def _attempt(message: AbstractIncomingMessage) -> int:
        return int((message.headers or {}).get(ATTEMPT_HEADER, 1) or 1)

    async def _read(
        self, channel: AbstractRobustChannel, queue: str, message: AbstractIncomingMessage
    ) -> Envelope | None:
        """The message's envelope, or None once an unreadable message is dead-lettered."""
        try:
            return Envelope.model_validate_json(message.body)
        except ValueError as exc:
            await self._settle(channel, queue, message, self._attempt(message), f"unreadable: {exc}", final=True)
            return None

    async def _deliver(
        self,
        channel: AbstractRobustChannel,
        queue: str,
        message: AbstractIncomingMessage,
        callback: MessageCallback,
    ) -> None:
        envelope = await self._read(channel, queue, message)
        if envelope is not None:
            await self._handle(channel, queue, message, envelope, callback)

    async def _handle(
        self,
        channel: AbstractRobustChannel,
        queue: str,
        message: AbstractIncomingMessage,
        envelope: Envelope,
        callback: MessageCallback,
    ) -> None:
        attempt = self._attempt(message)
        token = correlation_id.set(envelope.correlationid)
        try:
            await callback(envelope)
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            # A database that is down for now says nothing about the message: retry without
            # using up an attempt, however long the outage, rather than dead-letter good events.
            transient = database_unavailable(exc)
            final = attempt >= self.policy.max_attempts and not transient
            await self._settle(channel, queue, message, attempt, repr(exc), final=final, counted=not transient)
            return
        finally:
            correlation_id.reset(token)
        await self._ack(message)

    async def _settle(
        self,
        channel: AbstractRobustChannel,
        queue: str,
        message: AbstractIncomingMessage,
        attempt: int,
        reason: str,
        *,
        final: bool,
        counted: bool = True,
    ) -> None:
        """Move a failed message on, to the retry queue or the dead-letter queue, then ack it."""
        target = dead_letter_queue(queue) if final else retry_queue(queue)
        headers = dict(message.headers or {})
        headers[ATTEMPT_HEADER] = attempt if final or not counted else attempt + 1
        headers["x-vru-error"] = reason[:1000]
        headers["x-vru-original-routing-key"] = message.routing_key or ""
        copy = aio_pika.Message(
            body=message.body,
            headers=headers,
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            type=message.type,
            timestamp=message.timestamp,
            expiration=None if final else self.policy.retry_delay_ms / 1000,
        )
        try:
            await channel.default_exchange.publish(copy, routing_key=target, mandatory=True)
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
        await self._ack(message)

    async def _ack(self, message: AbstractIncomingMessage) -> None:
        try:
            await message.ack()
        except (aiormq.exceptions.AMQPError, aio_pika.exceptions.ChannelInvalidStateError, RuntimeError) as exc:
            # The channel died under us (aio-pika #501): the broker will deliver the message
            # again and the inbox will absorb it, so this is not a failure to handle here.
            log.warning("ack lost with its channel; expecting a redelivery", message_id=message.message_id,
                        error=repr(exc))
