"""The referrals database: tables, and the imperative mapping that keeps the domain pure."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Index, Integer, MetaData, String, Table, Uuid, event
from sqlalchemy.orm import registry

from vru_shared.db import UtcDateTime, str_enum
from vru_shared.messaging import messaging_tables

from vru_referrals.domain.model import Referral, ReferralSource, ReferralStatus
from vru_referrals.domain.subjects import IdentifierType

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = messaging_tables(metadata)


referrals = Table(
    "referrals",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("programme_id", Uuid, nullable=False),
    Column("source", str_enum(ReferralSource), nullable=False),
    Column("referred_at", UtcDateTime(), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("identifier_type", str_enum(IdentifierType), nullable=False),
    Column("identifier", String(64), nullable=False),
    Column("subject_pseudonym", String(64), nullable=False),
    Column("pseudonym_key_version", Integer, nullable=False),
    Column("consent_given", Boolean, nullable=False),
    Column("consent_recorded_by", String(200), nullable=False),
    Column("consent_recorded_at", UtcDateTime(), nullable=False),
    Column("status", str_enum(ReferralStatus), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("enrolment_id", Uuid, nullable=True),
    Column("enrolled_at", UtcDateTime(), nullable=True),
    Index("ix_referrals_received_at", "received_at"),
    Index("ix_referrals_subject", "subject_pseudonym"),
    Index("ix_referrals_programme", "programme_id"),
)

_mapped = False


def start_mappers() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Referral, referrals)
    _mapped = True


@event.listens_for(Referral, "load")
def _fresh_event_list(referral: Referral, _context) -> None:
    # Loading bypasses __init__, so the list a new aggregate gets must be made here.
    referral.events = []
