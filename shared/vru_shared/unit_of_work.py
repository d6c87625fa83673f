"""One transaction for one command or message: the change, its outbox rows, its inbox mark, and the
Idempotency-Key of the request that asked for it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol, Self

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vru_shared import correlation, idempotency
from vru_shared.events import Envelope, IntegrationEvent
from vru_shared.messaging import MessagingTables


class RecordsEvents(Protocol):
    events: list[IntegrationEvent]


class UnitOfWork:
    """Base of each service's unit of work; subclasses add their repositories in `start`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        source: str,
        on_outbox_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._tables = tables
        self._source = source
        self._on_outbox_commit = on_outbox_commit
        self._emitted: list[IntegrationEvent] = []
        self._handled: list[tuple[Envelope, str]] = []

    def start(self, session: AsyncSession) -> None:
        """Create the repositories over the session."""

    def aggregates(self) -> Iterable[RecordsEvents]:
        """The aggregates the repositories loaded or added, whose events must be published."""
        return ()

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._emitted = []
        self._handled = []
        self.start(self.session)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        # Closing rolls back whatever was not committed and detaches the objects unexpired,
        # so a handler can still read what it loaded after the unit of work ends.
        self._emitted.clear()
        self._handled.clear()
        await self.session.close()

    async def serialise_on(self, key: str) -> None:
        """Hold a lock on `key` until this unit of work ends, so two that touch one thing queue.

        PostgreSQL takes a transaction-scoped advisory lock; SQLite needs nothing more, since
        its transactions begin immediate and so run one at a time.
        """
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})

    def emit(self, event: IntegrationEvent) -> None:
        """Publish an event when, and only if, this unit of work commits."""
        self._emitted.append(event)

    async def already_handled(self, envelope: Envelope, handler: str) -> bool:
        inbox = self._tables.inbox
        found = await self.session.execute(
            select(inbox.c.event_id).where(inbox.c.event_id == str(envelope.id), inbox.c.handler == handler)
        )
        return found.first() is not None

    def mark_handled(self, envelope: Envelope, handler: str) -> None:
        self._handled.append((envelope, handler))

    async def commit(self) -> None:
        events = list(self._emitted)
        for aggregate in self.aggregates():
            events.extend(aggregate.events)
            aggregate.events.clear()
        self._emitted.clear()
        now = datetime.now(UTC)
        if events:
            corr = correlation.current()
            envelopes = [Envelope.wrap(e, source=self._source, correlation_id=corr) for e in events]
            await self.session.execute(
                insert(self._tables.outbox),
                [
                    {
                        "event_id": str(env.id),
                        "event_type": env.type,
                        "envelope": env.model_dump_json(),
                        "created_at": now,
                    }
                    for env in envelopes
                ],
            )
        if self._handled:
            await self.session.execute(
                insert(self._tables.inbox),
                [
                    {"event_id": str(env.id), "handler": name, "event_type": env.type, "handled_at": now}
                    for env, name in self._handled
                ],
            )
            self._handled.clear()
        keyed = idempotency.attempt_to_record()
        if keyed is not None:
            await idempotency.record(self.session, self._tables.idempotency_keys, keyed, now)
        await self.session.commit()
        if keyed is not None:
            keyed.recorded = True
        if events and self._on_outbox_commit is not None:
            self._on_outbox_commit()

    async def rollback(self) -> None:
        self._emitted.clear()
        self._handled.clear()
        await self.session.rollback()
