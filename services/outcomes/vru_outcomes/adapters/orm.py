"""The outcomes database: projections, outcome records and their mapping."""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, MetaData, String, Table, Uuid
from sqlalchemy.orm import registry

from vru_shared.db import UtcDateTime, str_enum
from vru_shared.messaging import messaging_tables

from vru_outcomes.domain.model import (
    CohortMember,
    EteStatus,
    MeasurementPoint,
    OutcomeDomain,
    OutcomeRecord,
    ProgrammeRecord,
)

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = messaging_tables(metadata)


programmes = Table(
    "programmes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("provider", String(200), nullable=False),
)

cohort = Table(
    "cohort",
    metadata,
    Column("enrolment_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False),
    Column("programme_id", Uuid, nullable=False),
    Column("referral_source", String(40), nullable=False),
    Column("subject_pseudonym", String(64), nullable=False),
    Column("age_band", String(20), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
    Column("exit_reason", String(40), nullable=True),
    Index("ix_cohort_programme", "programme_id"),
)

outcome_records = Table(
    "outcome_records",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("enrolment_id", Uuid, nullable=False),
    Column("domain", str_enum(OutcomeDomain), nullable=False),
    Column("point", str_enum(MeasurementPoint), nullable=False),
    Column("follow_up_months", Integer, nullable=True),
    Column("observed_on", Date, nullable=False),
    Column("ete_status", str_enum(EteStatus), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Index("ix_outcomes_enrolment_domain", "enrolment_id", "domain", "observed_on"),
)

_mapped = False


def start_mappers() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(ProgrammeRecord, programmes)
    mapper_registry.map_imperatively(CohortMember, cohort)
    mapper_registry.map_imperatively(OutcomeRecord, outcome_records)
    _mapped = True
