"""The outbox, inbox and idempotency-key tables every service keeps beside its own."""

from __future__ import annotations

from dataclasses import dataclass

from vru_shared.db import UtcDateTime
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    idempotency_keys: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    """Declare the outbox, inbox and idempotency keys on a service's metadata, so its migrations own them."""
    outbox = Table(
        "outbox",
        metadata,
        # The position orders publication; SQLite only autoincrements a plain INTEGER key.
        Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("envelope", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime(), nullable=True),
    )
    # The relay scans only what is still to publish; a partial index keeps that scan small.
    Index(
        "ix_outbox_unpublished",
        outbox.c.position,
        postgresql_where=outbox.c.published_at.is_(None),
        sqlite_where=outbox.c.published_at.is_(None),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("handler", String(200), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("handled_at", UtcDateTime(), nullable=False),
    )
    # One row per API client and Idempotency-Key (vru_shared.idempotency): written in the
    # transaction of the change it guards, its response added once the request has answered.
    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("client_id", String(100), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("request_path", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("expires_at", UtcDateTime(), nullable=False),
        Column("status", String(20), nullable=False),
        Column("response_status", Integer, nullable=True),
        Column("response_headers", Text, nullable=True),
        Column("response_body", LargeBinary, nullable=True),
    )
    Index("ix_idempotency_keys_expiry", idempotency_keys.c.expires_at)
    return MessagingTables(outbox=outbox, inbox=inbox, idempotency_keys=idempotency_keys)
