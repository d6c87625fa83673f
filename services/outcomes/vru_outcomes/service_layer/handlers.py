"""Handlers: one command or event in, one unit of work committed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted, ProgrammeCreated

from vru_outcomes.domain.model import CohortMember, EteStatus, MeasurementPoint, OutcomeRecord, ProgrammeRecord
from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork


@dataclass(frozen=True)
class RecordEteOutcome:
    enrolment_id: uuid.UUID
    point: MeasurementPoint
    follow_up_months: int | None
    observed_on: date
    status: EteStatus


async def record_ete_outcome(cmd: RecordEteOutcome, uow: OutcomesUnitOfWork) -> tuple[OutcomeRecord, bool]:
    """Record an ETE outcome; say whether its enrolment is already in the cohort."""
    async with uow:
        member = await uow.cohort.get(cmd.enrolment_id)
        record = OutcomeRecord.record_ete(
            enrolment_id=cmd.enrolment_id,
            point=cmd.point,
            follow_up_months=cmd.follow_up_months,
            observed_on=cmd.observed_on,
            status=cmd.status,
            member=member,
        )
        uow.outcomes.add(record)
        await uow.commit()
    return record, member is not None


async def remember_programme(event: ProgrammeCreated, uow: OutcomesUnitOfWork) -> None:
    programme = await uow.programmes.get(event.programme_id)
    if programme is None:
        uow.programmes.add(ProgrammeRecord(id=event.programme_id, name=event.name, provider=event.provider))
    else:
        programme.name, programme.provider = event.name, event.provider


async def join_cohort(event: EnrolmentStarted, uow: OutcomesUnitOfWork) -> None:
    """An enrolment started: its young person joins the programme's cohort."""
    if await uow.programmes.get(event.programme_id) is None:
        # The programme's own event may still be on its way; its name travels with this one.
        uow.programmes.add(ProgrammeRecord(id=event.programme_id, name=event.programme_name, provider=""))
    if await uow.cohort.get(event.enrolment_id) is None:
        uow.cohort.add(
            CohortMember(
                enrolment_id=event.enrolment_id,
                referral_id=event.referral_id,
                programme_id=event.programme_id,
                referral_source=event.referral_source,
                subject_pseudonym=event.subject_pseudonym,
                age_band=event.age_band,
                start_date=event.start_date,
            )
        )


async def leave_cohort(event: EnrolmentEnded, uow: OutcomesUnitOfWork) -> None:
    member = await uow.cohort.get(event.enrolment_id)
    if member is None:
        # Ended before we saw it start: fail so the bus retries after the start arrives.
        raise LookupError(f"enrolment {event.enrolment_id} ended before it was seen to start")
    member.ended(event.end_date, event.exit_reason)


SUBSCRIPTIONS = {
    ProgrammeCreated: [remember_programme],
    EnrolmentStarted: [join_cohort],
    EnrolmentEnded: [leave_cohort],
}
