"""The interventions database: tables, and the imperative mapping that keeps the domain pure."""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, MetaData, String, Table, Uuid, event
from sqlalchemy.orm import registry

from vru_shared.db import UtcDateTime, str_enum
from vru_shared.messaging import messaging_tables

from vru_interventions.domain.model import Enrolment, EnrolmentStatus, ExitReason, KnownReferral, Programme

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = messaging_tables(metadata)


programmes = Table(
    "programmes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("provider", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

known_referrals = Table(
    "known_referrals",
    metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("programme_id", Uuid, nullable=False),
    Column("source", String(40), nullable=False),
    Column("subject_pseudonym", String(64), nullable=False),
    Column("age_band", String(20), nullable=False),
    Column("referred_at", UtcDateTime(), nullable=False),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False),
    Column("programme_id", Uuid, nullable=False),
    Column("programme_name", String(200), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("status", str_enum(EnrolmentStatus), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("end_date", Date, nullable=True),
    Column("exit_reason", str_enum(ExitReason), nullable=True),
    Column("rejection_reason", String(200), nullable=True),
    Index("ix_enrolments_programme", "programme_id"),
)
# One live enrolment per referral: a second is a conflict; a rejected one leaves room to retry.
Index(
    "uq_enrolments_live_referral",
    enrolments.c.referral_id,
    unique=True,
    postgresql_where=enrolments.c.status != EnrolmentStatus.REJECTED.value,
    sqlite_where=enrolments.c.status != EnrolmentStatus.REJECTED.value,
)

_mapped = False


def start_mappers() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Programme, programmes)
    mapper_registry.map_imperatively(KnownReferral, known_referrals)
    mapper_registry.map_imperatively(Enrolment, enrolments)
    _mapped = True


@event.listens_for(Programme, "load")
@event.listens_for(Enrolment, "load")
def _fresh_event_list(aggregate, _context) -> None:
    # Loading bypasses __init__, so the list a new aggregate gets must be made here.
    aggregate.events = []
