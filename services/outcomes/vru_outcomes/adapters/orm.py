"""The outcomes database: projections, outcome records and their mapping."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import registry

from vru_shared.audit import audit_table
from vru_shared.db import UtcDateTime, str_enum
from vru_shared.messaging import messaging_tables

from vru_outcomes.domain.model import (
    Disposal,
    MeasurementPoint,
    OffenceCategory,
    OutcomeDomain,
    OutcomeRecord,
    Validation,
    WellbeingScale,
)
from vru_outcomes.domain.projections import CohortMember, Erasure, ProgrammeRecord, ReferralRecord, ReferralStatus

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = messaging_tables(metadata)
audit_trail = audit_table(metadata)


programmes = Table(
    "programmes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("provider", String(200), nullable=False),
    Column("tier", String(20), nullable=True),
    Column("provider_organisation_id", Uuid, nullable=True),
    Column("revision", Integer, nullable=False, server_default="0"),
    Index("ix_programmes_provider_organisation", "provider_organisation_id"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("programme_id", Uuid, nullable=False),
    Column("status", str_enum(ReferralStatus), nullable=False),
    # Coarse attributes; empty until the referral's own event arrives.
    Column("source", String(40), nullable=True),
    Column("age_band", String(20), nullable=True),
    Column("sex", String(20), nullable=True),
    Column("ethnicity", String(60), nullable=True),
    Column("ethnicity_group", String(20), nullable=True),
    Column("postcode_district", String(8), nullable=True),
    Column("referred_at", UtcDateTime(), nullable=True),
    Column("referred_on", Date, nullable=True),
    Column("index_event_at", UtcDateTime(), nullable=True),
    Column("received_at", UtcDateTime(), nullable=True),
    Column("accepted_at", UtcDateTime(), nullable=True),
    Column("declined_at", UtcDateTime(), nullable=True),
    Column("decline_reason", String(60), nullable=True),
    Column("withdrawn_at", UtcDateTime(), nullable=True),
    Column("withdraw_reason", String(60), nullable=True),
    Column("enrolled_at", UtcDateTime(), nullable=True),
    Column("enrolment_id", Uuid, nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("close_reason", String(60), nullable=True),
    # Facts for the metrics, kept as the referral changes (ReferralRecord.retime).
    Column("hours_index_to_referral", Float, nullable=True),
    Column("hours_referral_to_decision", Float, nullable=True),
    Column("hours_referral_to_first_contact", Float, nullable=True),
    Index("ix_referrals_referred_on", "referred_on"),
    Index("ix_referrals_programme", "programme_id"),
)

cohort = Table(
    "cohort",
    metadata,
    Column("enrolment_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False),
    Column("programme_id", Uuid, nullable=False),
    Column("subject_pseudonym", String(64), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("end_date", Date, nullable=True),
    Column("exit_reason", String(40), nullable=True),
    Column("first_contact_at", UtcDateTime(), nullable=True),
    Column("follow_up_end", Date, nullable=True),
    Column("waiting_end", Date, nullable=True),
    # Facts for the metrics, worked out again from the member's outcome records whenever those
    # change, in the same transaction (adapters.metric_facts); never set through the ORM.
    Column("ete_latest", String(40), nullable=True),
    # Whether a NEET baseline followed by a later ETE record ended out of NEET; None: not NEET then.
    Column("ete_from_neet", Boolean, nullable=True),
    Column("accommodation_latest", String(40), nullable=True),
    # The earliest proof of an offence that counts as a proven reoffence (any as_of on or after it
    # sees the member as a reoffender); None: none.
    Column("first_reoffence_proven_on", Date, nullable=True),
    Index("ix_cohort_programme", "programme_id"),
    Index("ix_cohort_first_reoffence", "first_reoffence_proven_on"),
    Index("ix_cohort_start_date", "start_date"),
    Index("ix_cohort_end_date", "end_date"),
    Index("ix_cohort_referral", "referral_id"),
    Index("ix_cohort_subject", "subject_pseudonym"),
)

outcome_records = Table(
    "outcome_records",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("enrolment_id", Uuid, nullable=False),
    Column("domain", str_enum(OutcomeDomain), nullable=False),
    # None for reoffending records, which their offence and proof dates place.
    Column("point", str_enum(MeasurementPoint), nullable=True),
    Column("follow_up_months", Integer, nullable=True),
    Column("observed_on", Date, nullable=False),
    # The status of an ETE, accommodation or substance misuse record; each domain has its own list.
    Column("status", String(40), nullable=True),
    Column("scale", str_enum(WellbeingScale), nullable=True),
    Column("score", Integer, nullable=True),
    Column("offence_date", Date, nullable=True),
    Column("proven_date", Date, nullable=True),
    Column("disposal", str_enum(Disposal), nullable=True),
    Column("offence_category", str_enum(OffenceCategory), nullable=True),
    Column("validation", str_enum(Validation), nullable=False, server_default=Validation.VALID.value),
    Column("invalid_reason", String(300), nullable=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_by_organisation_id", Uuid, nullable=True),
    Index("ix_outcomes_enrolment_domain", "enrolment_id", "domain", "observed_on"),
    Index("ix_outcomes_recorded_by", "recorded_by_organisation_id", "recorded_at"),
)

# Additive counts of the proportion metrics per programme, month (of the cohort rule's date) and
# value of at most one low-cardinality dimension ("" and value None: all of them): a cache of the
# facts, made exact before each read by recomputing the keys marked dirty (adapters.metric_summary).
metric_summary = Table(
    "metric_summary",
    metadata,
    Column("population", String(20), nullable=False),
    Column("programme_id", Uuid, nullable=False),
    Column("month", Date, nullable=False),
    Column("dimension", String(20), nullable=False),
    # None: the members whose value is not known (or every member, when dimension is "").
    Column("value", String(60), nullable=True),
    Column("members", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("enrolled", Integer, nullable=False),
    Column("completed", Integer, nullable=False),
    Column("ethnicity_stated", Integer, nullable=False),
    Column("ete_known", Integer, nullable=False),
    Column("ete_in", Integer, nullable=False),
    Column("neet_followed", Integer, nullable=False),
    Column("neet_progressed", Integer, nullable=False),
    Column("accommodation_known", Integer, nullable=False),
    Column("accommodation_suitable", Integer, nullable=False),
    # Proven reoffending (population "reoffending"): the members with a first proven reoffence,
    # and the last of those proofs and of the members' waiting periods. An as_of on or after the
    # last proof counts them all; a key with a later proof is counted from the facts.
    Column("reoffenders", Integer, nullable=False, server_default="0"),
    Column("last_proven_on", Date, nullable=True),
    Column("last_waiting_end", Date, nullable=True),
    # The recount that wrote the row (metric_summary_generation): a key's facts changed since an
    # answer was worked out exactly when some row of its range has a later generation, or fewer rows.
    Column("generation", BigInteger, nullable=False, server_default="0"),
    Index("ix_metric_summary_key", "population", "dimension", "month", "programme_id"),
)

# One row: the last generation given to a recount of the summary. Never reused, even when the rows
# that carried it are gone, so a generation seen once names one recount for good.
metric_summary_generation = Table(
    "metric_summary_generation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

# Keys of the summary that a change made stale, marked in the change's transaction: one row per
# key, whose version each further change bumps, so that a read which recomputed the key removes
# its mark only if no change came after what it saw.
metric_summary_dirty = Table(
    "metric_summary_dirty",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("population", String(20), nullable=False),
    Column("programme_id", Uuid, nullable=False),
    Column("month", Date, nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
    UniqueConstraint("population", "programme_id", "month", name="uq_metric_summary_dirty_key"),
)

# Subjects whose data was erased, by a digest of their pseudonym, so that an enrolment of theirs
# arriving after the erasure is stored without it.
erasures = Table(
    "erasures",
    metadata,
    Column("subject_digest", String(64), primary_key=True),
    Column("erased_at", UtcDateTime(), nullable=False),
    Column("reason", String(20), nullable=False),
)

COHORT_FACTS = ("ete_latest", "ete_from_neet", "accommodation_latest", "first_reoffence_proven_on")


def start_mappers() -> None:
    # The registry knows what it has mapped; mapping a class twice is an error.
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(ProgrammeRecord, programmes)
    mapper_registry.map_imperatively(ReferralRecord, referrals)
    mapper_registry.map_imperatively(CohortMember, cohort, exclude_properties=COHORT_FACTS)
    mapper_registry.map_imperatively(OutcomeRecord, outcome_records)
    mapper_registry.map_imperatively(Erasure, erasures)
