"""HTTP routes for outcome records."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from vru_shared.problems import PROBLEM_RESPONSES, Problem

from vru_outcomes.domain.model import EteStatus, InvalidOutcome, MeasurementPoint, OutcomeDomain, OutcomeRecord
from vru_outcomes.entrypoints.deps import UowDep
from vru_outcomes.service_layer import handlers

router = APIRouter(prefix="/v1/outcomes", tags=["outcomes"], responses=PROBLEM_RESPONSES)


class EteOutcomeIn(BaseModel):
    """An education, employment or training status observed for an enrolled young person."""

    model_config = ConfigDict(extra="forbid")

    enrolment_id: uuid.UUID
    domain: Literal["ete"]
    point: MeasurementPoint
    follow_up_months: int | None = Field(default=None, ge=1, le=60)
    observed_on: date
    status: EteStatus


class OutcomeOut(BaseModel):
    id: uuid.UUID
    enrolment_id: uuid.UUID
    domain: OutcomeDomain
    point: MeasurementPoint
    follow_up_months: int | None
    observed_on: date
    status: EteStatus
    recorded_at: datetime
    enrolment_known: bool = Field(description="False while the enrolment's event is still on its way here.")

    @classmethod
    def of(cls, r: OutcomeRecord, enrolment_known: bool) -> OutcomeOut:
        return cls(
            id=r.id,
            enrolment_id=r.enrolment_id,
            domain=r.domain,
            point=r.point,
            follow_up_months=r.follow_up_months,
            observed_on=r.observed_on,
            status=r.ete_status,
            recorded_at=r.recorded_at,
            enrolment_known=enrolment_known,
        )


class OutcomePage(BaseModel):
    items: list[OutcomeOut]
    limit: int
    offset: int


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OutcomeOut,
    responses={202: {"model": OutcomeOut, "description": "Accepted before the enrolment reached this service"}},
)
async def record_outcome(body: EteOutcomeIn, uow: UowDep, response: Response) -> OutcomeOut:
    """Record an outcome against an enrolment."""
    cmd = handlers.RecordEteOutcome(body.enrolment_id, body.point, body.follow_up_months, body.observed_on, body.status)
    try:
        record, known = await handlers.record_ete_outcome(cmd, uow)
    except InvalidOutcome as exc:
        raise Problem(422, str(exc), kind="invalid-outcome", title="Outcome not acceptable") from exc
    response.headers["Location"] = f"/v1/outcomes/{record.id}"
    if not known:
        response.status_code = status.HTTP_202_ACCEPTED
    return OutcomeOut.of(record, known)


@router.get("/{record_id}", response_model=OutcomeOut)
async def get_outcome(record_id: uuid.UUID, uow: UowDep) -> OutcomeOut:
    """Read one outcome record."""
    async with uow:
        record = await uow.outcomes.get(record_id)
        known = record is not None and await uow.cohort.get(record.enrolment_id) is not None
    if record is None:
        raise Problem(404, f"no outcome record {record_id}")
    return OutcomeOut.of(record, known)


@router.get("", response_model=OutcomePage)
async def list_outcomes(
    uow: UowDep,
    enrolment_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OutcomePage:
    """List outcome records, newest first."""
    async with uow:
        found = await uow.outcomes.list(enrolment_id=enrolment_id, limit=limit, offset=offset)
        known = {r.enrolment_id for r in found if await uow.cohort.get(r.enrolment_id) is not None}
    return OutcomePage(items=[OutcomeOut.of(r, r.enrolment_id in known) for r in found], limit=limit, offset=offset)
