"""HTTP routes for programmes and their waitlists.

Anyone with programmes:read sees the programmes; administrators (programmes:write) create and
revise them. A waitlist is of young people, so only the programme's provider organisation (or
an administrator) sees it, and each read of it is audited.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.auth import Principal
from vru_shared.request_fields import Day
from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_interventions.domain.programmes import InvalidProgramme, PreventionTier, Programme
from vru_interventions.entrypoints.access import audit, audit_not_found, permit
from vru_interventions.entrypoints.deps import UowDep
from vru_interventions.entrypoints.schemas import (
    EnrolmentOut,
    EnrolmentPage,
    ProgrammeIn,
    ProgrammeOut,
    ProgrammePage,
    ProgrammePatch,
)
from vru_interventions.service_layer import handlers
from vru_interventions.service_layer.commands import CreateProgramme, ReviseProgramme
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork
from vru_interventions.service_layer.visibility import provided_programme

router = APIRouter(prefix="/v1/programmes", tags=["programmes"], responses=PROBLEM_RESPONSES)

ListsProgrammes = Annotated[Principal, Depends(
    permit("programmes:read", action=AuditAction.LIST, resource_type="programme"))]
ReadsProgramme = Annotated[Principal, Depends(
    permit("programmes:read", action=AuditAction.READ, resource_type="programme", id_param="programme_id"))]
CreatesProgramme = Annotated[Principal, Depends(
    permit("programmes:write", action=AuditAction.CREATE, resource_type="programme"))]
RevisesProgramme = Annotated[Principal, Depends(
    permit("programmes:write", action=AuditAction.UPDATE, resource_type="programme", id_param="programme_id"))]
# A provider reads its own programmes' waitlists; an administrator any.
ReadsWaitlist = Annotated[Principal, Depends(
    permit("enrolments:read", "admin", action=AuditAction.LIST, resource_type="waitlist", id_param="programme_id"))]


def _invalid(exc: InvalidProgramme) -> Problem:
    return Problem(
        422,
        f"The programme is not valid: {exc}",
        kind="invalid-programme",
        title="Programme not acceptable",
        errors=[InvalidParam(pointer=f"/body/{term}", detail=why) for term, why in exc.problems.items()],
    )


def _unknown_organisation(exc: handlers.UnknownOrganisation) -> Problem:
    detail = (f"{exc}: if it was registered moments ago, its registration is still on its way, so retry "
              "shortly; otherwise register it with the identity service first")
    return Problem(422, detail, kind="unknown-organisation", title="Unknown organisation",
                   errors=[InvalidParam(pointer="/body/provider_organisation_id", detail=str(exc))])


async def _out(uow: InterventionsUnitOfWork, programmes: list[Programme]) -> list[ProgrammeOut]:
    """The programmes with their places counted; `uow` must be open."""
    counts = await uow.enrolments.counts(p.id for p in programmes)
    return [ProgrammeOut.of(p, counts) for p in programmes]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProgrammeOut)
async def create_programme(body: ProgrammeIn, uow: UowDep, caller: CreatesProgramme,
                           response: Response) -> ProgrammeOut:
    """Create a programme run by a registered provider organisation (publishes interventions.programme.created.v1)."""
    try:
        programme = await handlers.create_programme(
            CreateProgramme(caller=caller, **body.model_dump(exclude={"accepted_sources"}),
                            accepted_sources=tuple(body.accepted_sources)),
            uow,
        )
    except handlers.UnknownOrganisation as exc:
        raise _unknown_organisation(exc) from exc
    except InvalidProgramme as exc:
        raise _invalid(exc) from exc
    except handlers.Conflict as exc:
        raise Problem(409, str(exc), kind="duplicate-programme") from exc
    response.headers["Location"] = f"/v1/programmes/{programme.id}"
    async with uow:
        return (await _out(uow, [programme]))[0]


@router.patch("/{programme_id}", response_model=ProgrammeOut)
async def revise_programme(programme_id: uuid.UUID, body: ProgrammePatch, uow: UowDep,
                           caller: RevisesProgramme) -> ProgrammeOut:
    """Change some terms, checked as a whole; publishes the whole programme; new places go to the waitlist."""
    try:
        programme = await handlers.revise_programme(ReviseProgramme(caller, programme_id, body.changes()), uow)
    except handlers.NotFound as exc:
        raise Problem(404, str(exc)) from exc
    except handlers.UnknownOrganisation as exc:
        raise _unknown_organisation(exc) from exc
    except InvalidProgramme as exc:
        raise _invalid(exc) from exc
    except handlers.Conflict as exc:
        raise Problem(409, str(exc), kind="duplicate-programme") from exc
    async with uow:
        return (await _out(uow, [programme]))[0]


@router.get("/{programme_id}", response_model=ProgrammeOut)
async def get_programme(programme_id: uuid.UUID, uow: UowDep, _caller: ReadsProgramme) -> ProgrammeOut:
    """Read one programme, with its places taken and its waitlist's length."""
    async with uow:
        programme = await uow.programmes.get(programme_id)
        if programme is None:
            raise Problem(404, f"no programme {programme_id}")
        return (await _out(uow, [programme]))[0]


@router.get("/{programme_id}/waitlist", response_model=EnrolmentPage)
async def get_waitlist(
    request: Request,
    programme_id: uuid.UUID,
    uow: UowDep,
    caller: ReadsWaitlist,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> EnrolmentPage:
    """The programme's waitlisted enrolments, next to start first (its provider organisation, or an administrator)."""
    try:
        async with uow:
            if caller.has("admin"):
                if await uow.programmes.get(programme_id) is None:
                    raise handlers.NotFound(f"no programme {programme_id}")
            else:
                await provided_programme(uow, programme_id, caller.organisation_id)
            waiting = await uow.enrolments.waitlist(programme_id, limit=limit, offset=offset)
    except handlers.NotFound as exc:
        await audit_not_found(request, caller, AuditAction.LIST, "waitlist", programme_id, exc)
        raise Problem(404, str(exc)) from exc
    await audit(request, caller, AuditEntry(AuditAction.LIST, "waitlist", str(programme_id), AuditOutcome.ALLOWED,
                                            f"{len(waiting)} items"))
    positions = {e.id: place for place, e in enumerate(waiting, start=offset + 1)}
    return EnrolmentPage(items=[EnrolmentOut.of(e, positions) for e in waiting], limit=limit, offset=offset)


@router.get("", response_model=ProgrammePage)
async def list_programmes(
    uow: UowDep,
    _caller: ListsProgrammes,
    tier: PreventionTier | None = None,
    provider: Annotated[str | None, Query(min_length=1, max_length=200,
                                          description="The provider organisation's name.")] = None,
    provider_organisation_id: uuid.UUID | None = None,
    active_on: Annotated[Day | None, Query(description="Only programmes running on this day.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ProgrammePage:
    """List programmes by name."""
    async with uow:
        found = await uow.programmes.list(tier=tier, provider=provider,
                                          provider_organisation_id=provider_organisation_id, active_on=active_on,
                                          limit=limit, offset=offset)
        items = await _out(uow, list(found))
    return ProgrammePage(items=items, limit=limit, offset=offset)
