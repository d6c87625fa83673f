"""An in-process transport with the broker's semantics, for the embedded mode and unit tests.

Messages cross it as bytes, as they would cross the broker, so a contract that does not
survive serialisation fails here too. It keeps nothing across a restart: the embedded mode
is for quick starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from vru_shared import logs
from vru_shared.bus.base import DeadLetter, DeliveryPolicy, MessageCallback, StoredEvent
from vru_shared.correlation import correlation_id
from vru_shared.events import Envelope
from vru_shared.problems import database_unavailable

log = logs.get(__name__)


@dataclass
class _Queue:
    name: str
    event_types: frozenset[str]
    callback: MessageCallback
    messages: asyncio.Queue[tuple[bytes, int]] = field(default_factory=asyncio.Queue)
    in_flight: int = 0


class InProcessTransport:
    def __init__(self, policy: DeliveryPolicy | None = None) -> None:
        self.policy = policy or DeliveryPolicy()
        self._queues: dict[str, _Queue] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self.dead_letters: list[DeadLetter] = []
        self.unrouted: list[bytes] = []
        self._started = False

    async def start(self) -> None:
        self._started = True
        for queue in self._queues.values():
            self._spawn(queue)

    async def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()
        self._started = False

    async def is_ready(self) -> bool:
        return self._started

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        await self.publish_stored([StoredEvent.from_envelope(e) for e in envelopes])

    async def publish_stored(self, events: Sequence[StoredEvent]) -> None:
        for event in events:
            targets = [q for q in self._queues.values() if event.type in q.event_types]
            if not targets:
                # The broker's alternate exchange keeps what routes nowhere; so does this.
                self.unrouted.append(event.body)
            for queue in targets:
                queue.messages.put_nowait((event.body, 1))

    async def subscribe(self, service: str, event_types: Sequence[str], callback: MessageCallback) -> None:
        if service in self._queues:
            raise ValueError(f"queue {service} already has a consumer")
        q = _Queue(service, frozenset(event_types), callback)
        self._queues[service] = q
        if self._started:
            self._spawn(q)

    def _spawn(self, queue: _Queue) -> None:
        self._workers.append(asyncio.create_task(self._consume(queue), name=f"consume-{queue.name}"))

    async def _consume(self, queue: _Queue) -> None:
        while True:
            body, attempt = await queue.messages.get()
            queue.in_flight += 1
            try:
                await self._deliver(queue, body, attempt)
            finally:
                queue.in_flight -= 1
                queue.messages.task_done()

    async def _deliver(self, queue: _Queue, body: bytes, attempt: int) -> None:
        try:
            envelope = Envelope.model_validate_json(body)
        except ValueError as exc:
            self.dead_letters.append(DeadLetter(queue.name, body, f"unreadable: {exc}", attempt))
            log.error("message dead-lettered", queue=queue.name, reason="unreadable")
            return
        token = correlation_id.set(envelope.correlationid)
        try:
            await queue.callback(envelope)
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            # As on the broker: an unavailable database does not use up an attempt.
            transient = database_unavailable(exc)
            if attempt >= self.policy.max_attempts and not transient:
                self.dead_letters.append(DeadLetter(queue.name, body, repr(exc), attempt))
                log.error("message dead-lettered", queue=queue.name, event_id=str(envelope.id),
                          event_type=envelope.type, attempts=attempt, error=repr(exc))
                return
            log.warning("message failed; retrying later", queue=queue.name, event_id=str(envelope.id),
                        attempt=attempt, error=repr(exc))
            loop = asyncio.get_running_loop()
            delay = self.policy.retry_delay_ms / 1000

            def _requeue() -> None:
                self._timers.discard(timer)
                queue.messages.put_nowait((body, attempt if transient else attempt + 1))

            timer = loop.call_later(delay, _requeue)
            self._timers.add(timer)
        finally:
            correlation_id.reset(token)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queue is empty and idle with no retry pending (tests use this)."""
        async def _idle() -> None:
            # Polled: idleness is a state of several queues and timers, not one event to wait on.
            while self._timers or any(q.messages.qsize() or q.in_flight for q in self._queues.values()):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await asyncio.wait_for(_idle(), timeout)
