"""HTTP routes for enrolments."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from vru_shared.problems import PROBLEM_RESPONSES, Problem

from vru_interventions.domain.model import EnrolmentStatus, IllegalTransition, InvalidEnrolment
from vru_interventions.entrypoints.deps import UowDep
from vru_interventions.entrypoints.schemas import EnrolmentEndIn, EnrolmentIn, EnrolmentOut, EnrolmentPage
from vru_interventions.service_layer import handlers

router = APIRouter(prefix="/v1/enrolments", tags=["enrolments"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EnrolmentOut,
    responses={202: {"model": EnrolmentOut, "description": "Accepted; starts when the referral arrives"}},
)
async def enrol(body: EnrolmentIn, uow: UowDep, response: Response) -> EnrolmentOut:
    """Enrol a referred young person; 202 while the referral is still on its way here."""
    try:
        enrolment = await handlers.enrol(handlers.Enrol(body.referral_id, body.programme_id, body.start_date), uow)
    except handlers.NotFound as exc:
        raise Problem(422, str(exc), kind="unknown-programme", title="Unknown programme") from exc
    except handlers.Conflict as exc:
        raise Problem(409, str(exc), kind="already-enrolled") from exc
    except InvalidEnrolment as exc:
        raise Problem(422, str(exc), kind="invalid-enrolment", title="Enrolment not acceptable") from exc
    response.headers["Location"] = f"/v1/enrolments/{enrolment.id}"
    if enrolment.status is EnrolmentStatus.AWAITING_REFERRAL:
        response.status_code = status.HTTP_202_ACCEPTED
    return EnrolmentOut.of(enrolment)


@router.post("/{enrolment_id}/end", response_model=EnrolmentOut)
async def end_enrolment(enrolment_id: uuid.UUID, body: EnrolmentEndIn, uow: UowDep) -> EnrolmentOut:
    """End an active enrolment with a coded exit reason."""
    try:
        enrolment = await handlers.end_enrolment(
            handlers.EndEnrolment(enrolment_id, body.end_date, body.exit_reason), uow
        )
    except handlers.NotFound as exc:
        raise Problem(404, str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="illegal-transition") from exc
    except InvalidEnrolment as exc:
        raise Problem(422, str(exc), kind="invalid-enrolment", title="Enrolment not acceptable") from exc
    return EnrolmentOut.of(enrolment)


@router.get("/{enrolment_id}", response_model=EnrolmentOut)
async def get_enrolment(enrolment_id: uuid.UUID, uow: UowDep) -> EnrolmentOut:
    """Read one enrolment."""
    async with uow:
        enrolment = await uow.enrolments.get(enrolment_id)
    if enrolment is None:
        raise Problem(404, f"no enrolment {enrolment_id}")
    return EnrolmentOut.of(enrolment)


@router.get("", response_model=EnrolmentPage)
async def list_enrolments(
    uow: UowDep,
    programme_id: uuid.UUID | None = None,
    status: EnrolmentStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> EnrolmentPage:
    """List enrolments, newest first."""
    async with uow:
        found = await uow.enrolments.list(programme_id=programme_id, status=status, limit=limit, offset=offset)
    return EnrolmentPage(items=[EnrolmentOut.of(e) for e in found], limit=limit, offset=offset)
