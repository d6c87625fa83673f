"""Idempotent event handling: the handlers of a message run in one unit of work and each
(event, handler) pair is marked in the inbox in the same transaction, so a redelivered message
changes nothing.

Messages that queue up are handled together, in one unit of work (`handle_batch`): one
transaction, one inbox lookup and one inbox insert for them all, rather than one of each per
message. A batch commits wholly or not at all; when it fails the transport hands its messages
over again one at a time (`__call__`), so the one that cannot be handled is retried and
dead-lettered alone and none of the others is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from vru_shared import logs
from vru_shared.correlation import correlation_id
from vru_shared.events import Envelope, IntegrationEvent, decode
from vru_shared.unit_of_work import UnitOfWork

log = logs.get(__name__)

EventHandler = Callable[[Any, Any], Awaitable[None]]
Subscriptions = Mapping[type[IntegrationEvent], Sequence[EventHandler]]


def handler_name(handler: EventHandler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


class EventConsumer:
    """Turns envelopes off a queue into calls of the handlers subscribed to their type."""

    def __init__(self, subscriptions: Subscriptions, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._handlers = {
            event.event_type: [(handler, handler_name(handler)) for handler in handlers]
            for event, handlers in subscriptions.items()
        }
        self._uow_factory = uow_factory

    @property
    def event_types(self) -> list[str]:
        return sorted(self._handlers)

    async def __call__(self, envelope: Envelope) -> None:
        """Handle one message in a unit of work of its own."""
        await self._handle([envelope], alone=True)

    async def handle_batch(self, envelopes: Sequence[Envelope]) -> None:
        """Handle several messages in one unit of work: all of them, or (raising) none."""
        await self._handle(envelopes, alone=len(envelopes) == 1)

    async def _handle(self, envelopes: Sequence[Envelope], *, alone: bool) -> None:
        # Decoded first: a message no contract reads fails before anything is tried.
        work = [(envelope, decode(envelope)) for envelope in envelopes]
        work = [(envelope, event) for envelope, event in work if self._handlers.get(envelope.type)]
        if not work:
            return
        async with self._uow_factory() as uow:
            uow.lock_without_waiting = not alone
            done = await uow.handled_among([envelope for envelope, _ in work])
            for envelope, event in work:
                await self._run_handlers(uow, envelope, event, done)
            try:
                await uow.commit()
            except IntegrityError:
                # A concurrent delivery of the same message won an inbox row. Alone, that is
                # success if it won them all; in a batch, the messages are tried alone next.
                await uow.rollback()
                if alone and self._pairs(work) <= await uow.handled_among([envelope for envelope, _ in work]):
                    log.info("concurrent duplicate absorbed", event_id=str(envelopes[0].id))
                    return
                raise
        # One line per unit of work, not per message: under load a batch logs once, and the line
        # still names every event and the request each came from, so a correlation id can be
        # followed through the consumers.
        if len(work) == 1:
            log.info("event handled", event_id=str(work[0][0].id), event_type=work[0][0].type)
        else:
            log.info("event handled", count=len(work), event_ids=[str(e.id) for e, _ in work],
                     correlation_ids=sorted({e.correlationid for e, _ in work}))

    async def _run_handlers(
        self, uow: UnitOfWork, envelope: Envelope, event: IntegrationEvent, done: set[tuple[str, str]]
    ) -> None:
        event_id = str(envelope.id)
        token = correlation_id.set(envelope.correlationid)
        try:
            for handler, name in self._handlers[envelope.type]:
                if (event_id, name) in done:
                    log.info("duplicate delivery absorbed", event_id=event_id, handler=name)
                    continue
                await handler(event, uow)
                uow.mark_handled(envelope, name)
                # The same message twice in one batch is handled once.
                done.add((event_id, name))
            # What this message caused carries its correlation id, whatever comes after it.
            uow.seal_events()
        finally:
            correlation_id.reset(token)

    def _pairs(self, work: Sequence[tuple[Envelope, IntegrationEvent]]) -> set[tuple[str, str]]:
        return {(str(envelope.id), name) for envelope, _ in work for _, name in self._handlers[envelope.type]}
