"""The identity database: tables, and the imperative mapping that keeps the domain pure."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, LargeBinary, MetaData, String, Table, Uuid, event
from sqlalchemy.orm import registry

from vru_shared.db import UtcDateTime, str_enum
from vru_shared.messaging import messaging_tables

from vru_identity.domain.clients import ApiClient
from vru_identity.domain.organisations import Organisation, OrganisationRole
from vru_identity.domain.signing_keys import SigningKey

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = messaging_tables(metadata)


organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    # Unique here, not on the name, so two spellings of one organisation cannot both exist.
    Column("name_key", String(200), nullable=False, unique=True),
    Column("role", str_enum(OrganisationRole), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("deactivated_at", UtcDateTime(), nullable=True),
    Index("ix_organisations_role", "role"),
)

api_clients = Table(
    "api_clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("name", String(200), nullable=False),
    # HMAC-SHA256 hex digests; the secrets themselves are never stored.
    Column("secret_hash", String(64), nullable=False),
    Column("previous_secret_hash", String(64), nullable=True),
    Column("previous_secret_expires_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("secret_rotated_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Index("ix_api_clients_organisation", "organisation_id"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("algorithm", String(20), nullable=False),
    # AES-256-GCM under a key derived from the key-encryption secret; never in clear.
    Column("private_key_encrypted", LargeBinary, nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("activated_at", UtcDateTime(), nullable=False),
    Column("retired_at", UtcDateTime(), nullable=True),
)

def start_mappers() -> None:
    # The registry knows what it has mapped; mapping a class twice is an error.
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Organisation, organisations)
    mapper_registry.map_imperatively(ApiClient, api_clients)
    mapper_registry.map_imperatively(SigningKey, signing_keys)


@event.listens_for(Organisation, "load")
def _fresh_event_list(organisation: Organisation, _context) -> None:
    # Loading bypasses __init__, so the list a new aggregate gets must be made here.
    organisation.events = []
