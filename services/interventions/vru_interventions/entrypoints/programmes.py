"""HTTP routes for programmes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from vru_shared.problems import PROBLEM_RESPONSES, Problem

from vru_interventions.entrypoints.deps import UowDep
from vru_interventions.entrypoints.schemas import ProgrammeIn, ProgrammeOut, ProgrammePage
from vru_interventions.service_layer import handlers

router = APIRouter(prefix="/v1/programmes", tags=["programmes"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProgrammeOut)
async def create_programme(body: ProgrammeIn, uow: UowDep, response: Response) -> ProgrammeOut:
    """Create a programme."""
    try:
        programme = await handlers.create_programme(handlers.CreateProgramme(body.name, body.provider), uow)
    except handlers.Conflict as exc:
        raise Problem(409, str(exc), kind="duplicate-programme") from exc
    response.headers["Location"] = f"/v1/programmes/{programme.id}"
    return ProgrammeOut.of(programme)


@router.get("/{programme_id}", response_model=ProgrammeOut)
async def get_programme(programme_id: uuid.UUID, uow: UowDep) -> ProgrammeOut:
    """Read one programme."""
    async with uow:
        programme = await uow.programmes.get(programme_id)
    if programme is None:
        raise Problem(404, f"no programme {programme_id}")
    return ProgrammeOut.of(programme)


@router.get("", response_model=ProgrammePage)
async def list_programmes(
    uow: UowDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ProgrammePage:
    """List programmes by name."""
    async with uow:
        found = await uow.programmes.list(limit=limit, offset=offset)
    return ProgrammePage(items=[ProgrammeOut.of(p) for p in found], limit=limit, offset=offset)
