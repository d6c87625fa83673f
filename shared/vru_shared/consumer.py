"""Idempotent event handling: each (event, handler) pair runs in its own unit of work and is
marked in the inbox in the same transaction, so a redelivered message changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from vru_shared import logs
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
        self._handlers = {event.event_type: list(handlers) for event, handlers in subscriptions.items()}
        self._uow_factory = uow_factory

    @property
    def event_types(self) -> list[str]:
        return sorted(self._handlers)

    async def __call__(self, envelope: Envelope) -> None:
        event = decode(envelope)
        for handler in self._handlers.get(envelope.type, ()):
            await self._run_once(handler, event, envelope)

    async def _run_once(self, handler: EventHandler, event: IntegrationEvent, envelope: Envelope) -> None:
        name = handler_name(handler)
        async with self._uow_factory() as uow:
            if await uow.already_handled(envelope, name):
                log.info("duplicate delivery absorbed", event_id=str(envelope.id), handler=name)
                return
            await handler(event, uow)
            uow.mark_handled(envelope, name)
            try:
                await uow.commit()
            except IntegrityError:
                # A concurrent delivery of the same message won the inbox row; that is success.
                await uow.rollback()
                if await uow.already_handled(envelope, name):
                    log.info("concurrent duplicate absorbed", event_id=str(envelope.id), handler=name)
                    return
                raise
        log.info("event handled", event_id=str(envelope.id), event_type=envelope.type, handler=name)
