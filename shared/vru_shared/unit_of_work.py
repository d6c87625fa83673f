"""One transaction for one command or message: the change, its outbox rows, its inbox mark, and the
Idempotency-Key of the request that asked for it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, Self

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vru_shared import correlation, idempotency
from vru_shared.events import Envelope, IntegrationEvent
from vru_shared.messaging import MessagingTables


class RecordsEvents(Protocol):
    events: list[IntegrationEvent]


class LockBusy(RuntimeError):
    """A unit of work that may not wait for locks found one held (see `serialise_on`)."""


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
        # Events already gathered with the correlation id they were raised under (`seal_events`).
        self._sealed: list[tuple[IntegrationEvent, str]] = []
        # Set by the event consumer for a batch of messages (see `serialise_on`).
        self.lock_without_waiting = False

    def start(self, session: AsyncSession) -> None:
        """Create the repositories over the session."""

    def aggregates(self) -> Iterable[RecordsEvents]:
        """The aggregates the repositories loaded or added, whose events must be published."""
        return ()

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._emitted = []
        self._handled = []
        self._sealed = []
        self.start(self.session)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        # Closing rolls back whatever was not committed and detaches the objects unexpired,
        # so a handler can still read what it loaded after the unit of work ends.
        self._emitted.clear()
        self._handled.clear()
        self._sealed.clear()
        await self.session.close()

    async def serialise_on(self, key: str) -> None:
        """Hold a lock on `key` until this unit of work ends, so two that touch one thing queue.

        PostgreSQL takes a transaction-scoped advisory lock; SQLite needs nothing more, since
        its transactions begin immediate and so run one at a time.
        """
        if self.session.bind.dialect.name != "postgresql":
            return
        if not self.lock_without_waiting:
            await self.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})
            return
        # A batch of messages holds each lock it takes until it commits, in no set order: were it
        # to wait, it could wait in a circle with a request. It gives up instead, and its messages
        # are handled one at a time, waiting as usual.
        taken = await self.session.execute(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})
        if not taken.scalar_one():
            raise LockBusy(key)

    def emit(self, event: IntegrationEvent) -> None:
        """Publish an event when, and only if, this unit of work commits."""
        self._emitted.append(event)

    async def handled_among(self, envelopes: Sequence[Envelope]) -> set[tuple[str, str]]:
        """The (event id, handler) pairs of these envelopes already in the inbox: one query for a batch."""
        if not envelopes:
            return set()
        inbox = self._tables.inbox
        found = await self.session.execute(
            select(inbox.c.event_id, inbox.c.handler).where(inbox.c.event_id.in_({str(e.id) for e in envelopes}))
        )
        return {(row.event_id, row.handler) for row in found}

    def mark_handled(self, envelope: Envelope, handler: str) -> None:
        self._handled.append((envelope, handler))

    def seal_events(self) -> None:
        """Take the events raised so far under the correlation id now in force.

        A batch of messages runs in one unit of work, each message under its own correlation
        id; sealing after each keeps every event it caused traceable to it.
        """
        events = self._take_events()
        if events:
            corr = correlation.current()
            self._sealed.extend((event, corr) for event in events)

    def _take_events(self) -> list[IntegrationEvent]:
        events = list(self._emitted)
        for aggregate in self.aggregates():
            events.extend(aggregate.events)
            aggregate.events.clear()
        self._emitted.clear()
        return events

    async def commit(self) -> None:
        self.seal_events()
        sealed, self._sealed = self._sealed, []
        now = datetime.now(UTC)
        envelopes = [Envelope.wrap(e, source=self._source, correlation_id=corr) for e, corr in sealed]
        outbox_rows = [
            {"event_id": str(env.id), "event_type": env.type, "envelope": env.model_dump_json(), "created_at": now}
            for env in envelopes
        ]
        inbox_rows = [
            {"event_id": str(env.id), "handler": name, "event_type": env.type, "handled_at": now}
            for env, name in self._handled
        ]
        self._handled.clear()
        await self.write_messages(outbox_rows, inbox_rows)
        keyed = idempotency.attempt_to_record()
        if keyed is not None:
            await idempotency.record(self.session, self._tables.idempotency_keys, keyed, now)
        await self.session.commit()
        if keyed is not None:
            keyed.recorded = True
        if sealed and self._on_outbox_commit is not None:
            self._on_outbox_commit()

    async def write_messages(self, outbox_rows: list[dict[str, Any]], inbox_rows: list[dict[str, Any]]) -> None:
        """Insert this commit's outbox and inbox rows (either may be empty). A subclass may send them
        with rows of its own: each statement is a round trip."""
        if outbox_rows:
            await self.session.execute(insert(self._tables.outbox), outbox_rows)
        if inbox_rows:
            await self.session.execute(insert(self._tables.inbox), inbox_rows)

    async def rollback(self) -> None:
        self._emitted.clear()
        self._handled.clear()
        self._sealed.clear()
        await self.session.rollback()
