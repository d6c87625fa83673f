"""Outcome records through the API: recorded, read and listed by the provider of the enrolment's
programme only, each read and change audited, and every refusal too.

Outcome records are personal data (what happened to one young person), so all three use cases
write an audit entry in the transaction of what they do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.auth import Principal

from vru_outcomes.adapters import metric_facts
from vru_outcomes.domain.model import (
    AccommodationStatus,
    Disposal,
    EteStatus,
    MeasurementPoint,
    OffenceCategory,
    OutcomeDomain,
    OutcomeRecord,
    SubstanceMisuseStatus,
    WellbeingScale,
)
from vru_outcomes.domain.projections import CohortMember
from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork

OUTCOME_RECORD = "outcome_record"
ENROLMENT = "enrolment"


@dataclass(frozen=True)
class RecordMeasurement:
    """An observation at a measurement point, in any domain but reoffending."""

    enrolment_id: uuid.UUID
    domain: OutcomeDomain
    point: MeasurementPoint
    follow_up_months: int | None
    observed_on: date
    status: str | None = None
    scale: WellbeingScale | None = None
    score: int | None = None


@dataclass(frozen=True)
class RecordReoffence:
    enrolment_id: uuid.UUID
    offence_date: date
    proven_date: date
    disposal: Disposal
    offence_category: OffenceCategory


class EnrolmentNotFound(LookupError):
    """The enrolment is another organisation's: to the caller, as if it did not exist."""


_STATUSES = {
    OutcomeDomain.ETE: (OutcomeRecord.record_ete, EteStatus),
    OutcomeDomain.ACCOMMODATION: (OutcomeRecord.record_accommodation, AccommodationStatus),
    OutcomeDomain.SUBSTANCE_MISUSE: (OutcomeRecord.record_substance_misuse, SubstanceMisuseStatus),
}


def _new_record(
    cmd: RecordMeasurement | RecordReoffence, checked_against: CohortMember | None, recorded_by: uuid.UUID
) -> OutcomeRecord:
    if isinstance(cmd, RecordReoffence):
        return OutcomeRecord.record_reoffence(
            enrolment_id=cmd.enrolment_id,
            offence_date=cmd.offence_date,
            proven_date=cmd.proven_date,
            disposal=cmd.disposal,
            offence_category=cmd.offence_category,
            member=checked_against,
            recorded_by=recorded_by,
        )
    measured = dict(
        enrolment_id=cmd.enrolment_id,
        point=cmd.point,
        follow_up_months=cmd.follow_up_months,
        observed_on=cmd.observed_on,
        member=checked_against,
        recorded_by=recorded_by,
    )
    if cmd.domain is OutcomeDomain.WELLBEING:
        assert cmd.scale is not None and cmd.score is not None
        return OutcomeRecord.record_wellbeing(scale=cmd.scale, score=cmd.score, **measured)
    factory, statuses = _STATUSES[cmd.domain]
    return factory(status=statuses(cmd.status), **measured)


async def record_outcome(
    cmd: RecordMeasurement | RecordReoffence, caller: Principal, uow: OutcomesUnitOfWork
) -> tuple[OutcomeRecord, bool]:
    """Record an outcome; say whether its enrolment is already in the cohort.

    Raises EnrolmentNotFound, having audited the refusal, when the enrolment is known to be on
    another organisation's programme."""
    async with uow:
        member = await uow.cohort.get(cmd.enrolment_id)
        provider = await uow.programmes.provider_of(member.programme_id) if member is not None else None
        if provider is not None and provider != caller.organisation_id:
            await uow.audit(caller, AuditEntry(AuditAction.CREATE, ENROLMENT, str(cmd.enrolment_id),
                                               AuditOutcome.NOT_FOUND, "outcome record refused"))
            await uow.commit()
            raise EnrolmentNotFound(cmd.enrolment_id)
        # Until the programme's provider is known, the record waits, pending, like one whose
        # enrolment is not known: both are checked when the missing event arrives.
        record = _new_record(cmd, member if provider is not None else None, caller.organisation_id)
        uow.outcomes.add(record)
        if member is not None:
            await metric_facts.refresh(uow.session, [member.enrolment_id])
            uow.marks.members([member.enrolment_id])
        await uow.audit(caller, AuditEntry(AuditAction.CREATE, OUTCOME_RECORD, str(record.id), AuditOutcome.ALLOWED,
                                           f"{record.domain.value}, {record.validation.value}"))
        await uow.commit()
    return record, member is not None


async def read_outcome(record_id: uuid.UUID, caller: Principal, uow: OutcomesUnitOfWork
                       ) -> tuple[OutcomeRecord, bool] | None:
    """The record and whether its enrolment is known, if the caller's organisation sees it."""
    async with uow:
        found = await uow.outcomes.seen_by(caller.organisation_id, record_id)
        outcome = AuditOutcome.ALLOWED if found is not None else AuditOutcome.NOT_FOUND
        await uow.audit(caller, AuditEntry(AuditAction.READ, OUTCOME_RECORD, str(record_id), outcome))
        await uow.commit()
    return found


async def list_outcomes(
    caller: Principal,
    uow: OutcomesUnitOfWork,
    *,
    enrolment_id: uuid.UUID | None,
    domain: OutcomeDomain | None,
    limit: int,
    offset: int,
) -> list[tuple[OutcomeRecord, bool]]:
    """The caller's organisation's records, newest first, each with whether its enrolment is known."""
    async with uow:
        found = await uow.outcomes.list_seen_by(
            caller.organisation_id, enrolment_id=enrolment_id, domain=domain, limit=limit, offset=offset
        )
        asked = ", ".join(f"{k}={v}" for k, v in (("enrolment_id", enrolment_id), ("domain", domain)) if v)
        await uow.audit(caller, AuditEntry(AuditAction.LIST, OUTCOME_RECORD, None, AuditOutcome.ALLOWED,
                                           f"{len(found)} items" + (f" ({asked})" if asked else "")))
        await uow.commit()
    return found


async def audit_refusal(caller: Principal | None, entry: AuditEntry, uow: OutcomesUnitOfWork) -> None:
    """Keep a refused request in the trail, in a transaction of its own."""
    async with uow:
        await uow.audit(caller, entry)
        await uow.commit()
