"""Idempotency-Key records: each says that a request with this key from this API client took
effect, what it was (its fingerprint) and, once it has answered, its answer.

The key is recorded by the unit of work in the transaction of the change it guards, so a crash
keeps both or neither; vru_shared.idempotency_http serves the header and keeps the answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, Table, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vru_shared import logs

log = logs.get(__name__)

TTL = timedelta(hours=24)
PURGE_INTERVAL_S = 3600


class KeyStatus(StrEnum):
    COMMITTED = "committed"  # the change is in; its answer is not stored (yet)
    COMPLETED = "completed"  # the answer is stored, and replayed to every retry
    WITHHELD = "withheld"  # the answer said Cache-Control: no-store (a secret, say), so it is not kept


@dataclass
class Attempt:
    """A keyed request being served; its first commit records its key."""

    client_id: str
    key: str
    fingerprint: str
    path: str
    recorded: bool = False
    # Set when the request has answered, for any task it started that outlives it.
    over: bool = False


_attempt: ContextVar[Attempt | None] = ContextVar("idempotent_attempt", default=None)


@contextmanager
def serving(attempt: Attempt) -> Iterator[Attempt]:
    """Make `attempt` the keyed request whose key the units of work committing inside record."""
    token = _attempt.set(attempt)
    try:
        yield attempt
    finally:
        attempt.over = True
        _attempt.reset(token)


class IdempotencyConflict(Exception):
    """A request with this key took effect first: this one's transaction was rolled back."""


def attempt_to_record() -> Attempt | None:
    """The keyed request whose key the unit of work committing now must record, if any."""
    attempt = _attempt.get()
    if attempt is None or attempt.recorded or attempt.over:
        return None
    return attempt


def same_key(table: Table, client_id: str, key: str) -> Any:
    return (table.c.client_id == client_id) & (table.c.key == key)


async def record(session: AsyncSession, table: Table, attempt: Attempt, now: datetime) -> None:
    """Add the key to the session's transaction, beside the change it guards.

    When a request with the key has taken effect first (PostgreSQL waits here for one still
    committing) the transaction is rolled back and IdempotencyConflict raised.
    """
    same = same_key(table, attempt.client_id, attempt.key)
    await session.execute(delete(table).where(same, table.c.expires_at <= now))
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    inserted = await session.execute(
        dialect.insert(table)
        .values(client_id=attempt.client_id, key=attempt.key, fingerprint=attempt.fingerprint,
                request_path=attempt.path, created_at=now, expires_at=now + TTL, status=KeyStatus.COMMITTED.value)
        .on_conflict_do_nothing(index_elements=[table.c.client_id, table.c.key])
    )
    if inserted.rowcount == 0:
        await session.rollback()
        raise IdempotencyConflict("a request with this Idempotency-Key has taken effect already")


async def find(sessions: async_sessionmaker[AsyncSession], table: Table, client_id: str, key: str) -> Row | None:
    """The unexpired record of a client's key, in a short transaction of its own."""
    async with sessions() as session, session.begin():
        found = await session.execute(
            select(table).where(same_key(table, client_id, key), table.c.expires_at > datetime.now(UTC)))
        return found.first()


async def forget_answers_about(session: AsyncSession, table: Table, resource_id: str) -> None:
    """Drop kept answers that concern a resource (by its id in the request path or Location), in the
    session's transaction: an erasure must not leave a young person's details in a kept answer."""
    await session.execute(delete(table).where(or_(
        table.c.request_path.contains(resource_id, autoescape=True),
        table.c.response_headers.contains(resource_id, autoescape=True),
    )))


async def purge_expired(sessions: async_sessionmaker[AsyncSession], table: Table, now: datetime) -> int:
    async with sessions() as session, session.begin():
        return (await session.execute(delete(table).where(table.c.expires_at <= now))).rowcount


async def purge_periodically(sessions: async_sessionmaker[AsyncSession], table: Table,
                             *, interval_s: float = PURGE_INTERVAL_S) -> None:
    """Forget expired keys now, then every `interval_s`; a failed purge is tried again next time."""
    while True:
        try:
            purged = await purge_expired(sessions, table, datetime.now(UTC))
            if purged:
                log.info("expired idempotency keys purged", purged=purged)
        except Exception as exc:  # noqa: BLE001 - the service goes on; expired keys are ignored anyway
            log.error("idempotency key purge failed", error=repr(exc))
        await asyncio.sleep(interval_s)
