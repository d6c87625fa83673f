"""The async engine and session factory of one service's own database."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, event
from sqlalchemy.types import TypeDecorator
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    if is_sqlite(url):
        # Bound values (names, dates of birth) must never reach an error message or a log.
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            # Take the write lock at BEGIN: SQLite then runs one transaction at a time, which
            # is what the embedded mode needs and spares it the read-then-write races.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # WAL lets the relay read while a request writes; foreign keys are off by default.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(connection):  # pragma: no cover - trivial
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # A fixed pool: overflow connections are closed as soon as they are returned, so a busy
    # service would connect and disconnect all the time. No ping before each checkout either (a
    # round trip per transaction): a connection lost with a restarted server is detected on use,
    # invalidates the whole pool, and the request gets the retryable 503 of problems.py.
    return create_async_engine(url, pool_size=pool_size, max_overflow=0, hide_parameters=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class UtcDateTime(TypeDecorator):
    """A timestamp that is always stored and returned in UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(kind: type[StrEnum]) -> Enum:
    """A Python string enum stored as its values in a plain string column, portable and readable."""
    return Enum(kind, native_enum=False, values_callable=lambda members: [m.value for m in members], length=40)
