"""The outbox relay: publishes committed outbox rows, in order, with confirms, then marks them.

Several relays may run against one database: rows are claimed with SKIP LOCKED, so none is
lost and none waits on another. While the broker is away the relay keeps trying, backing off.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vru_shared import logs
from vru_shared.bus.base import StoredEvent, Transport
from vru_shared.messaging import MessagingTables

log = logs.get(__name__)


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        transport: Transport,
        *,
        batch_size: int = 200,
        poll_interval_s: float = 0.5,
        max_backoff_s: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._outbox = tables.outbox
        self._transport = transport
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._max_backoff_s = max_backoff_s
        self._wake = asyncio.Event()
        self._stopping = False
        self.last_error: str | None = None

    def notify(self) -> None:
        """Something was committed to the outbox: publish it now rather than at the next poll."""
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch; return how many rows it published."""
        outbox = self._outbox
        async with self._sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(outbox.c.position, outbox.c.event_id, outbox.c.event_type, outbox.c.envelope)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.position)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            # The stored text is what was validated when it was written: publish it as it is.
            await self._transport.publish_stored([StoredEvent.of(r.event_id, r.event_type, r.envelope) for r in rows])
            await session.execute(
                update(outbox)
                .where(outbox.c.position.in_([r.position for r in rows]))
                .values(published_at=datetime.now(UTC))
            )
        return len(rows)

    async def run(self) -> None:
        backoff = 0.1
        while not self._stopping:
            self._wake.clear()
            try:
                published = await self.publish_pending()
                self.last_error = None
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the relay must outlive broker and db outages
                self.last_error = repr(exc)
                log.warning("outbox relay could not publish; will retry", error=repr(exc), retry_in_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff_s)
                continue
            if published == self._batch_size:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
            except TimeoutError:
                pass

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
