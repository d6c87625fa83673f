"""The RabbitMQ transport (aio-pika): a topic exchange, a quorum queue per consuming service,
publisher confirms, manual acks, delayed retries and a dead-letter queue.

Topology, declared at start-up, every name under a prefix (`vru` by default):
- `<prefix>.events` (topic, durable) with an alternate exchange, so a message that routes
  nowhere is kept in the queue `<prefix>.unrouted` rather than dropped;
- `<prefix>.<service>` (quorum) bound by each event type the service handles;
- `<prefix>.<service>.retry` (quorum) whose messages expire after the retry delay (set on each
  message) back into the service's queue;
- `<prefix>.<service>.dead-letter` (quorum) for what failed every attempt or could not be read.

What happens to each message a queue delivers (batches, retries, dead letters, acks) is in
`rabbitmq_delivery`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aio_pika
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
    AbstractRobustQueue,
)
from pamqp.commands import Basic

from vru_shared import logs
from vru_shared.bus.base import DeliveryPolicy, MessageCallback, PublishFailed, StoredEvent
from vru_shared.bus.rabbitmq_delivery import ATTEMPT_HEADER, QueueDelivery, dead_letter_queue, retry_queue
from vru_shared.events import Envelope

log = logs.get(__name__)

QUORUM = {"x-queue-type": "quorum"}
CONTENT_TYPE = "application/cloudevents+json"

# Also imported from here (by dead_letters and tests): the names the delivery module settles by.
__all__ = ["ATTEMPT_HEADER", "RabbitMqTransport", "dead_letter_queue", "retry_queue"]


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
        # The batch takers of each queue whose callback is a BatchCallback (see QueueDelivery).
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

        delivery = QueueDelivery(channel, queue, callback, self.policy)
        self._workers.extend(delivery.start_batch_takers())

        async def on_message(message: AbstractIncomingMessage) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.add(task)
            try:
                await delivery.receive(message)
            finally:
                if task is not None:
                    self._in_flight.discard(task)

        tag = await main.consume(on_message, no_ack=False)
        self._consumers[queue] = (channel, main, tag)
        log.info("consuming", queue=queue, event_types=list(event_types), batch_limit=self.policy.batch_limit
                 if delivery.batching else 1)
