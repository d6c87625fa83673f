"""The referrals database: tables, and the imperative mapping that keeps the domain pure."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    event,
)
from sqlalchemy.orm import registry

from vru_shared.audit import audit_table
from vru_shared.db import UtcDateTime, str_enum
from vru_shared.messaging import messaging_tables

from vru_referrals.adapters.value_json import SourceDetailsDocument, ValueDocument
from vru_referrals.domain.identifiers import Identifier, IdentifierType
from vru_referrals.domain.model import LawfulBasis, Referral, ReferralSource, ReferralStatus
from vru_referrals.domain.people import ContactDetails, EthnicityCoding, Sex
from vru_referrals.domain.programmes import Programme
from vru_referrals.domain.subjects import ErasureReason, Subject, SubjectIdentifier

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = messaging_tables(metadata)
audit_trail = audit_table(metadata)

CODE = 40


subjects = Table(
    "subjects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("pseudonym", String(64), nullable=False, unique=True),
    Column("pseudonym_key_version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Set when another subject turned out to be the same person and absorbed this one.
    Column("merged_into", Uuid, ForeignKey("subjects.id", name="fk_subjects_merged_into"), nullable=True),
    Column("erased_at", UtcDateTime(), nullable=True),
    Column("erasure_reason", str_enum(ErasureReason), nullable=True),
    Index("ix_subjects_merged_into", "merged_into"),
)

# Identifier pseudonym -> subject. The raw identifiers live only on the referral rows. Each
# pseudonym is under the key version recorded beside it; after a rotation, links move to the
# current key as their people are seen again (domain.pseudonym_keys).
subject_identifiers = Table(
    "subject_identifiers",
    metadata,
    Column("pseudonym", String(64), primary_key=True),
    Column("subject_id", Uuid, ForeignKey("subjects.id", name="fk_subject_identifiers_subject"), nullable=False),
    Column("identifier_type", str_enum(IdentifierType), nullable=False),
    Column("pseudonym_key_version", Integer, nullable=False),
    Column("linked_at", UtcDateTime(), nullable=False),
    Index("ix_subject_identifiers_subject", "subject_id"),
)

programmes = Table(
    "programmes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("provider", String(200), nullable=False),
    Column("tier", String(CODE), nullable=False),
    Column("accepted_sources", ValueDocument(tuple[str, ...]), nullable=False),
    Column("min_age", Integer, nullable=False),
    Column("max_age", Integer, nullable=False),
    Column("capacity", Integer, nullable=True),
    Column("active_from", Date, nullable=False),
    Column("active_to", Date, nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("provider_organisation_id", Uuid, nullable=True),
    Column("revision", Integer, nullable=False, server_default="0"),
    Index("ix_programmes_provider_organisation", "provider_organisation_id"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("programme_id", Uuid, nullable=False),
    Column("source", str_enum(ReferralSource), nullable=False),
    Column("source_details", SourceDetailsDocument(), nullable=False),
    Column("referred_at", UtcDateTime(), nullable=False),
    Column("index_event_at", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    # Identifying columns are null once the young person's details are erased.
    Column("given_name", String(100), nullable=True),
    Column("family_name", String(100), nullable=True),
    Column("date_of_birth", Date, nullable=True),
    Column("sex", str_enum(Sex), nullable=False),
    Column("ethnicity_coding", str_enum(EthnicityCoding), nullable=True),
    Column("ethnicity_code_given", String(CODE), nullable=True),
    Column("ethnicity", String(CODE), nullable=True),
    Column("ethnicity_group", String(CODE), nullable=False),
    Column("contact", ValueDocument(ContactDetails), nullable=True),
    Column("postcode_district", String(8), nullable=True),
    # The identifiers as the referrer sent them, for the provider to see; nowhere else.
    Column("identifiers", ValueDocument(tuple[Identifier, ...]), nullable=False),
    Column("subject_id", Uuid, ForeignKey("subjects.id", name="fk_referrals_subject"), nullable=False),
    Column("subject_pseudonym", String(64), nullable=False),
    Column("pseudonym_key_version", Integer, nullable=False),
    Column("risk_factors", ValueDocument(tuple[str, ...]), nullable=False),
    Column("lawful_basis", str_enum(LawfulBasis), nullable=False),
    Column("consent_recorded_by", String(200), nullable=True),
    Column("consent_recorded_at", UtcDateTime(), nullable=True),
    Column("lawful_basis_justification", Text, nullable=True),
    Column("status", str_enum(ReferralStatus), nullable=False),
    Column("possible_duplicate_of", Uuid, nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("decision_reason", String(CODE), nullable=True),
    Column("decision_note", Text, nullable=True),
    Column("withdrawn_at", UtcDateTime(), nullable=True),
    Column("withdrawal_reason", String(CODE), nullable=True),
    Column("withdrawal_note", Text, nullable=True),
    Column("enrolment_id", Uuid, nullable=True),
    Column("enrolled_at", UtcDateTime(), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("closure_reason", String(CODE), nullable=True),
    Column("closure_note", Text, nullable=True),
    Column("referring_organisation_id", Uuid, nullable=True),
    Column("referring_client_id", String(100), nullable=True),
    Column("erased_at", UtcDateTime(), nullable=True),
    Column("retained_age_band", String(20), nullable=True),
    Index("ix_referrals_received_at", "received_at"),
    Index("ix_referrals_referring_organisation", "referring_organisation_id"),
    Index("ix_referrals_subject_programme", "subject_id", "programme_id"),
    Index("ix_referrals_programme", "programme_id"),
    Index("ix_referrals_status", "status"),
)

def start_mappers() -> None:
    # The registry knows what it has mapped; mapping a class twice is an error.
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Referral, referrals)
    mapper_registry.map_imperatively(Subject, subjects)
    mapper_registry.map_imperatively(SubjectIdentifier, subject_identifiers)
    mapper_registry.map_imperatively(Programme, programmes)


@event.listens_for(Referral, "load")
@event.listens_for(Subject, "load")
def _fresh_event_list(aggregate: Referral | Subject, _context) -> None:
    # Loading bypasses __init__, so the list a new aggregate gets must be made here.
    aggregate.events = []
