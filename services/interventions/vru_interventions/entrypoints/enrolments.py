"""HTTP routes for enrolments and their contacts.

Only the provider organisation that runs an enrolment's programme sees or changes it: to every
other organisation it answers 404, as if it did not exist. Each read, list, change and refusal
is audited.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.auth import Principal
from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_interventions.domain.enrolments import Enrolment, EnrolmentStatus, IllegalTransition, InvalidEnrolment
from vru_interventions.entrypoints.access import audit, audit_not_found, permit
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
from vru_interventions.service_layer.visibility import provided_enrolment

router = APIRouter(prefix="/v1/enrolments", tags=["enrolments"], responses=PROBLEM_RESPONSES)

ListsEnrolments = Annotated[Principal, Depends(
    permit("enrolments:read", action=AuditAction.LIST, resource_type="enrolment"))]
ReadsEnrolment = Annotated[Principal, Depends(
    permit("enrolments:read", action=AuditAction.READ, resource_type="enrolment", id_param="enrolment_id"))]
Enrols = Annotated[Principal, Depends(
    permit("enrolments:write", action=AuditAction.CREATE, resource_type="enrolment"))]
ChangesEnrolment = Annotated[Principal, Depends(
    permit("enrolments:write", action=AuditAction.UPDATE, resource_type="enrolment", id_param="enrolment_id"))]
RecordsContact = Annotated[Principal, Depends(
    permit("enrolments:write", action=AuditAction.CREATE, resource_type="enrolment", id_param="enrolment_id"))]
ListsContacts = Annotated[Principal, Depends(
    permit("enrolments:read", action=AuditAction.LIST, resource_type="enrolment", id_param="enrolment_id"))]

_STILL_ON_ITS_WAY = (EnrolmentStatus.AWAITING_REFERRAL, EnrolmentStatus.AWAITING_ACCEPTANCE)


def _invalid(exc: InvalidEnrolment, what: str) -> Problem:
    errors = [InvalidParam(pointer=f"/body/{exc.term}", detail=str(exc))] if exc.term else None
    return Problem(422, str(exc), kind=f"invalid-{what}", title=f"{what.capitalize()} not acceptable",
                   errors=errors)


async def _out(uow: InterventionsUnitOfWork, enrolment: Enrolment) -> EnrolmentOut:
    async with uow:
        positions = await uow.enrolments.waitlist_positions([enrolment])
    return EnrolmentOut.of(enrolment, positions)


def _allowed(action: AuditAction, enrolment_id: uuid.UUID | None, detail: str | None = None) -> AuditEntry:
    return AuditEntry(action, "enrolment", str(enrolment_id) if enrolment_id else None, AuditOutcome.ALLOWED, detail)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EnrolmentOut,
    responses={202: {"model": EnrolmentOut, "description": "Accepted; moves on when the referral's events arrive"}},
)
async def enrol(request: Request, body: EnrolmentIn, uow: UowDep, caller: Enrols, response: Response) -> EnrolmentOut:
    """Enrol from an accepted referral: 201 active or waitlisted; 202 while the referral's events are on their way."""
    # Another organisation's programme answers exactly as an unknown one does.
    try:
        enrolment = await handlers.enrol(Enrol(caller, body.referral_id, body.programme_id, body.start_date), uow)
    except handlers.NotFound as exc:
        await audit_not_found(request, caller, AuditAction.CREATE, "programme", body.programme_id, exc)
        raise Problem(404, str(exc), kind="unknown-programme", title="Unknown programme",
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
async def end_enrolment(request: Request, enrolment_id: uuid.UUID, body: EnrolmentEndIn, uow: UowDep,
                        caller: ChangesEnrolment) -> EnrolmentOut:
    """End an active enrolment (the next on the waitlist starts), or a waitlisted one that never started."""
    try:
        enrolment = await handlers.end_enrolment(
            EndEnrolment(caller, enrolment_id, body.end_date, body.exit_reason, body.note), uow
        )
    except handlers.NotFound as exc:
        await audit_not_found(request, caller, AuditAction.UPDATE, "enrolment", enrolment_id, exc)
        raise Problem(404, str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="illegal-transition") from exc
    except InvalidEnrolment as exc:
        raise _invalid(exc, "enrolment") from exc
    return EnrolmentOut.of(enrolment)


@router.post("/{enrolment_id}/contacts", status_code=status.HTTP_201_CREATED, response_model=ContactOut)
async def record_contact(request: Request, enrolment_id: uuid.UUID, body: ContactIn, uow: UowDep,
                         caller: RecordsContact, response: Response) -> ContactOut:
    """Record a contact with the young person on an active enrolment."""
    try:
        contact = await handlers.record_contact(
            RecordContact(caller, enrolment_id, body.contact_at, body.kind, body.duration_minutes), uow
        )
    except handlers.NotFound as exc:
        await audit_not_found(request, caller, AuditAction.CREATE, "enrolment", enrolment_id, exc)
        raise Problem(404, str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="illegal-transition") from exc
    except InvalidEnrolment as exc:
        raise _invalid(exc, "contact") from exc
    response.headers["Location"] = f"/v1/enrolments/{enrolment_id}/contacts"
    return ContactOut.of(contact)


@router.get("/{enrolment_id}/contacts", response_model=ContactPage)
async def list_contacts(
    request: Request,
    enrolment_id: uuid.UUID,
    uow: UowDep,
    caller: ListsContacts,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ContactPage:
    """List an enrolment's contacts, earliest first."""
    try:
        async with uow:
            await provided_enrolment(uow, enrolment_id, caller.organisation_id)
            found = await uow.contacts.for_enrolment(enrolment_id, limit=limit, offset=offset)
    except handlers.NotFound as exc:
        await audit_not_found(request, caller, AuditAction.LIST, "enrolment", enrolment_id, exc)
        raise Problem(404, str(exc)) from exc
    await audit(request, caller, _allowed(AuditAction.LIST, enrolment_id, f"contacts: {len(found)} items"))
    return ContactPage(items=[ContactOut.of(c) for c in found], limit=limit, offset=offset)


@router.get("/{enrolment_id}", response_model=EnrolmentOut)
async def get_enrolment(request: Request, enrolment_id: uuid.UUID, uow: UowDep, caller: ReadsEnrolment) -> EnrolmentOut:
    """Read one enrolment; a waitlisted one shows its place in the queue."""
    try:
        async with uow:
            enrolment = await provided_enrolment(uow, enrolment_id, caller.organisation_id)
            positions = await uow.enrolments.waitlist_positions([enrolment])
    except handlers.NotFound as exc:
        await audit_not_found(request, caller, AuditAction.READ, "enrolment", enrolment_id, exc)
        raise Problem(404, str(exc)) from exc
    await audit(request, caller, _allowed(AuditAction.READ, enrolment_id))
    return EnrolmentOut.of(enrolment, positions)


@router.get("", response_model=EnrolmentPage)
async def list_enrolments(
    request: Request,
    uow: UowDep,
    caller: ListsEnrolments,
    programme_id: uuid.UUID | None = None,
    status: EnrolmentStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> EnrolmentPage:
    """List the enrolments on the caller's organisation's programmes, newest first."""
    async with uow:
        found = await uow.enrolments.list(provider_organisation_id=caller.organisation_id, programme_id=programme_id,
                                          status=status, limit=limit, offset=offset)
        positions = await uow.enrolments.waitlist_positions(found)
    await audit(request, caller, _allowed(AuditAction.LIST, None, f"{len(found)} items"))
    return EnrolmentPage(items=[EnrolmentOut.of(e, positions) for e in found], limit=limit, offset=offset)
