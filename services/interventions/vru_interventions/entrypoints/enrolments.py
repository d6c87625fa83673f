"""HTTP routes for enrolments and their contacts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_interventions.domain.enrolments import Enrolment, EnrolmentStatus, IllegalTransition, InvalidEnrolment
from vru_interventions.entrypoints.deps import UowDep
from vru_interventions.entrypoints.schemas import (
    ContactIn,
    ContactOut,
    ContactPage,
    EnrolmentEndIn,
    EnrolmentIn,
    EnrolmentOut,
    EnrolmentPage,
)
from vru_interventions.service_layer import handlers
from vru_interventions.service_layer.commands import EndEnrolment, Enrol, RecordContact
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork

router = APIRouter(prefix="/v1/enrolments", tags=["enrolments"], responses=PROBLEM_RESPONSES)

_STILL_ON_ITS_WAY = (EnrolmentStatus.AWAITING_REFERRAL, EnrolmentStatus.AWAITING_ACCEPTANCE)


def _invalid(exc: InvalidEnrolment, what: str) -> Problem:
    errors = [InvalidParam(pointer=f"/body/{exc.term}", detail=str(exc))] if exc.term else None
    return Problem(422, str(exc), kind=f"invalid-{what}", title=f"{what.capitalize()} not acceptable",
                   errors=errors)


async def _out(uow: InterventionsUnitOfWork, enrolment: Enrolment) -> EnrolmentOut:
    async with uow:
        positions = await uow.enrolments.waitlist_positions([enrolment])
    return EnrolmentOut.of(enrolment, positions)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EnrolmentOut,
    responses={202: {"model": EnrolmentOut, "description": "Accepted; moves on when the referral's events arrive"}},
)
async def enrol(body: EnrolmentIn, uow: UowDep, response: Response) -> EnrolmentOut:
    """Enrol from an accepted referral: 201 active or waitlisted; 202 while the referral's events are on their way."""
    try:
        enrolment = await handlers.enrol(Enrol(body.referral_id, body.programme_id, body.start_date), uow)
    except handlers.NotFound as exc:
        raise Problem(422, str(exc), kind="unknown-programme", title="Unknown programme",
                      errors=[InvalidParam(pointer="/body/programme_id", detail=str(exc))]) from exc
    except handlers.Conflict as exc:
        raise Problem(409, str(exc), kind="already-enrolled") from exc
    except InvalidEnrolment as exc:
        raise _invalid(exc, "enrolment") from exc
    response.headers["Location"] = f"/v1/enrolments/{enrolment.id}"
    if enrolment.status in _STILL_ON_ITS_WAY:
        response.status_code = status.HTTP_202_ACCEPTED
    return await _out(uow, enrolment)


@router.post("/{enrolment_id}/end", response_model=EnrolmentOut)
async def end_enrolment(enrolment_id: uuid.UUID, body: EnrolmentEndIn, uow: UowDep) -> EnrolmentOut:
    """End an active enrolment (the next on the waitlist starts), or a waitlisted one that never started."""
    try:
        enrolment = await handlers.end_enrolment(
            EndEnrolment(enrolment_id, body.end_date, body.exit_reason, body.note), uow
        )
    except handlers.NotFound as exc:
        raise Problem(404, str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="illegal-transition") from exc
    except InvalidEnrolment as exc:
        raise _invalid(exc, "enrolment") from exc
    return EnrolmentOut.of(enrolment)


@router.post("/{enrolment_id}/contacts", status_code=status.HTTP_201_CREATED, response_model=ContactOut)
async def record_contact(enrolment_id: uuid.UUID, body: ContactIn, uow: UowDep, response: Response) -> ContactOut:
    """Record a contact with the young person on an active enrolment."""
    try:
        contact = await handlers.record_contact(
            RecordContact(enrolment_id, body.contact_at, body.kind, body.duration_minutes), uow
        )
    except handlers.NotFound as exc:
        raise Problem(404, str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="illegal-transition") from exc
    except InvalidEnrolment as exc:
        raise _invalid(exc, "contact") from exc
    response.headers["Location"] = f"/v1/enrolments/{enrolment_id}/contacts"
    return ContactOut.of(contact)


@router.get("/{enrolment_id}/contacts", response_model=ContactPage)
async def list_contacts(
    enrolment_id: uuid.UUID,
    uow: UowDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ContactPage:
    """List an enrolment's contacts, earliest first."""
    async with uow:
        if await uow.enrolments.get(enrolment_id) is None:
            raise Problem(404, f"no enrolment {enrolment_id}")
        found = await uow.contacts.for_enrolment(enrolment_id, limit=limit, offset=offset)
    return ContactPage(items=[ContactOut.of(c) for c in found], limit=limit, offset=offset)


@router.get("/{enrolment_id}", response_model=EnrolmentOut)
async def get_enrolment(enrolment_id: uuid.UUID, uow: UowDep) -> EnrolmentOut:
    """Read one enrolment; a waitlisted one shows its place in the queue."""
    async with uow:
        enrolment = await uow.enrolments.get(enrolment_id)
        if enrolment is None:
            raise Problem(404, f"no enrolment {enrolment_id}")
        positions = await uow.enrolments.waitlist_positions([enrolment])
    return EnrolmentOut.of(enrolment, positions)


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
        positions = await uow.enrolments.waitlist_positions(found)
    return EnrolmentPage(items=[EnrolmentOut.of(e, positions) for e in found], limit=limit, offset=offset)
