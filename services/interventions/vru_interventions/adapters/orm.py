"""The interventions database: tables, and the imperative mapping that keeps the domain pure."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    event,
)
from sqlalchemy.orm import registry

from vru_shared.audit import audit_table
from vru_shared.db import UtcDateTime, str_enum
from vru_shared.messaging import messaging_tables

from vru_interventions.domain.enrolments import Contact, ContactKind, Enrolment, EnrolmentStatus, ExitReason
from vru_interventions.domain.organisations import Organisation, OrganisationRole
from vru_interventions.domain.programmes import PreventionTier, Programme
from vru_interventions.domain.referrals import KnownReferral, ReferralStatus

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = messaging_tables(metadata)
audit_trail = audit_table(metadata)

organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Unknown while only the organisation's deactivation has arrived.
    Column("name", String(200), nullable=True),
    Column("role", str_enum(OrganisationRole), nullable=True),
    Column("active", Boolean, nullable=False),
)

programmes = Table(
    "programmes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    # Null only for a programme made before providers were organisations.
    Column("provider_organisation_id", Uuid, nullable=True),
    Column("provider", String(200), nullable=False),
    Column("tier", str_enum(PreventionTier), nullable=False),
    # A short list of referral source codes, in the contract's order.
    Column("accepted_sources", JSON, nullable=False),
    Column("min_age", Integer, nullable=False),
    Column("max_age", Integer, nullable=False),
    Column("capacity", Integer, nullable=True),
    Column("active_from", Date, nullable=False),
    Column("active_to", Date, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=True),
    Column("revision", Integer, nullable=False, server_default="1"),
    Index("ix_programmes_provider_organisation", "provider_organisation_id"),
)

known_referrals = Table(
    "known_referrals",
    metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("programme_id", Uuid, nullable=False),
    Column("status", str_enum(ReferralStatus), nullable=False),
    Column("subject_pseudonym", String(64), nullable=True),
    Column("referred_at", UtcDateTime(), nullable=True),
    Column("status_reason", String(200), nullable=True),
    # An erasure finds a young person's referrals by their pseudonym.
    Index("ix_known_referrals_subject", "subject_pseudonym"),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False),
    Column("programme_id", Uuid, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("status", str_enum(EnrolmentStatus), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("waitlisted_at", UtcDateTime(), nullable=True),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("end_date", Date, nullable=True),
    Column("exit_reason", str_enum(ExitReason), nullable=True),
    Column("note", String(1000), nullable=True),
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

contacts = Table(
    "contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("enrolment_id", Uuid, ForeignKey("enrolments.id"), nullable=False),
    Column("contact_at", UtcDateTime(), nullable=False),
    Column("kind", str_enum(ContactKind), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Index("ix_contacts_enrolment", "enrolment_id", "contact_at"),
)

def start_mappers() -> None:
    # The registry knows what it has mapped; mapping a class twice is an error.
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Organisation, organisations)
    mapper_registry.map_imperatively(Programme, programmes)
    mapper_registry.map_imperatively(KnownReferral, known_referrals)
    mapper_registry.map_imperatively(Enrolment, enrolments)
    mapper_registry.map_imperatively(Contact, contacts)


@event.listens_for(Programme, "load")
@event.listens_for(Enrolment, "load")
def _fresh_event_list(aggregate, _context) -> None:
    # Loading bypasses __init__, so the list a new aggregate gets must be made here.
    aggregate.events = []
