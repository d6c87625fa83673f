"""The audit trail: who read or changed which record of personal data, when, and with what
outcome, including every attempt that was refused. Each service keeps its own trail beside
its data; rows are only ever added (PostgreSQL refuses UPDATE and DELETE on the table)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, MetaData, String, Table, Uuid, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared import correlation
from vru_shared.auth import Principal
from vru_shared.db import UtcDateTime, str_enum


class AuditAction(StrEnum):
    READ = "read"
    LIST = "list"
    CREATE = "create"
    UPDATE = "update"
    ERASE = "erase"


class AuditOutcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    NOT_FOUND = "not_found"


def audit_table(metadata: MetaData) -> Table:
    """Declare the trail on a service's metadata, so its migrations own it."""
    table = Table(
        "audit_trail",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("occurred_at", UtcDateTime(), nullable=False),
        Column("client_id", String(100), nullable=True),
        Column("organisation_id", Uuid, nullable=True),
        Column("role", String(40), nullable=True),
        Column("action", str_enum(AuditAction), nullable=False),
        Column("resource_type", String(60), nullable=False),
        Column("resource_id", String(100), nullable=True),
        Column("outcome", str_enum(AuditOutcome), nullable=False),
        Column("correlation_id", String(128), nullable=True),
        Column("detail", String(300), nullable=True),
    )
    Index("ix_audit_trail_time", table.c.occurred_at)
    Index("ix_audit_trail_resource", table.c.resource_type, table.c.resource_id)
    Index("ix_audit_trail_organisation", table.c.organisation_id, table.c.occurred_at)
    return table


# For a service's migration, one statement at a time (asyncpg runs one per execute):
# PostgreSQL then refuses to change or delete what was recorded.
APPEND_ONLY_STATEMENTS = (
    """CREATE OR REPLACE FUNCTION audit_trail_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_trail_append_only BEFORE UPDATE OR DELETE ON audit_trail
    FOR EACH ROW EXECUTE FUNCTION audit_trail_is_append_only()""",
)
DROP_APPEND_ONLY_STATEMENTS = (
    "DROP TRIGGER IF EXISTS audit_trail_append_only ON audit_trail",
    "DROP FUNCTION IF EXISTS audit_trail_is_append_only()",
)


@dataclass(frozen=True)
class AuditEntry:
    action: AuditAction
    resource_type: str
    resource_id: str | None
    outcome: AuditOutcome
    detail: str | None = None


def audit_row(entry: AuditEntry, caller: Principal | None, now: datetime | None = None) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "occurred_at": now or datetime.now(UTC),
        "client_id": caller.client_id if caller else None,
        "organisation_id": caller.organisation_id if caller else None,
        "role": caller.role.value if caller else None,
        "action": entry.action,
        "resource_type": entry.resource_type,
        "resource_id": entry.resource_id,
        "outcome": entry.outcome,
        "correlation_id": correlation.correlation_id.get(),
        "detail": entry.detail[:300] if entry.detail else None,
    }


async def record(session: AsyncSession, table: Table, caller: Principal | None, *entries: AuditEntry) -> None:
    """Add entries in the session's transaction: a change and its audit row commit together."""
    if entries:
        await session.execute(insert(table), [audit_row(entry, caller) for entry in entries])


@dataclass(frozen=True)
class AuditQuery:
    organisation_id: uuid.UUID | None = None
    client_id: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    action: AuditAction | None = None
    outcome: AuditOutcome | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


async def search(session: AsyncSession, table: Table, query: AuditQuery) -> list[dict[str, object]]:
    """Entries matching the query, newest first."""
    statement = select(table).order_by(table.c.occurred_at.desc(), table.c.id).limit(query.limit).offset(query.offset)
    for column, value in (
        (table.c.organisation_id, query.organisation_id),
        (table.c.client_id, query.client_id),
        (table.c.resource_type, query.resource_type),
        (table.c.resource_id, query.resource_id),
        (table.c.action, query.action),
        (table.c.outcome, query.outcome),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if query.since is not None:
        statement = statement.where(table.c.occurred_at >= query.since)
    if query.until is not None:
        statement = statement.where(table.c.occurred_at < query.until)
    return [dict(row._mapping) for row in (await session.execute(statement)).all()]
