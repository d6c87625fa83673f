"""HTTP routes for outcome records."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_outcomes.domain.model import InvalidOutcome, OutcomeDomain
from vru_outcomes.entrypoints.deps import UowDep
from vru_outcomes.entrypoints.schemas import (
    DOMAIN_TAGS,
    OutcomeIn,
    OutcomeOut,
    OutcomePage,
    ReoffendingOutcomeIn,
    WellbeingOutcomeIn,
)
from vru_outcomes.service_layer import handlers


# A missing or unknown tag is an error of the body as a whole to pydantic; to the client, of `domain`.
_TAG_ERRORS = {"union_tag_invalid", "union_tag_not_found"}


class _UntaggedErrors(APIRoute):
    """Report a field of a tagged body as /body/<field>: pydantic puts the union's tag in between,
    which is no part of the document the client sent."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def untagged(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError as exc:
                errors = []
                for error in exc.errors():
                    loc = tuple(error.get("loc", ()))
                    if len(loc) > 2 and loc[0] == "body" and loc[1] in DOMAIN_TAGS:
                        error = {**error, "loc": (loc[0], *loc[2:])}
                    elif loc == ("body",) and error.get("type") in _TAG_ERRORS:
                        error = {**error, "loc": ("body", "domain")}
                    errors.append(error)
                raise RequestValidationError(errors, body=exc.body) from exc

        return untagged


router = APIRouter(
    prefix="/v1/outcomes", tags=["outcomes"], responses=PROBLEM_RESPONSES, route_class=_UntaggedErrors
)


def _command(body: OutcomeIn) -> handlers.RecordMeasurement | handlers.RecordReoffence:
    if isinstance(body, ReoffendingOutcomeIn):
        return handlers.RecordReoffence(
            body.enrolment_id, body.offence_date, body.proven_date, body.disposal, body.offence_category
        )
    measured = dict(
        enrolment_id=body.enrolment_id,
        domain=OutcomeDomain(body.domain),
        point=body.point,
        follow_up_months=body.follow_up_months,
        observed_on=body.observed_on,
    )
    if isinstance(body, WellbeingOutcomeIn):
        return handlers.RecordMeasurement(**measured, scale=body.scale, score=body.score)
    return handlers.RecordMeasurement(**measured, status=body.status)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OutcomeOut,
    responses={202: {"model": OutcomeOut, "description": "Accepted before the enrolment reached this service"}},
)
async def record_outcome(body: Annotated[OutcomeIn, Body()], uow: UowDep, response: Response) -> OutcomeOut:
    """Record an outcome against an enrolment; 202 while the enrolment is still on its way here."""
    try:
        record, known = await handlers.record_outcome(_command(body), uow)
    except InvalidOutcome as exc:
        raise Problem(
            422,
            str(exc),
            kind="invalid-outcome",
            title="Outcome not acceptable",
            errors=[InvalidParam(pointer=f"/body/{exc.field}", detail=str(exc))],
        ) from exc
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
    domain: OutcomeDomain | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OutcomePage:
    """List outcome records, newest first."""
    async with uow:
        found = await uow.outcomes.list(enrolment_id=enrolment_id, domain=domain, limit=limit, offset=offset)
        known = await uow.cohort.known([r.enrolment_id for r in found])
    return OutcomePage(items=[OutcomeOut.of(r, r.enrolment_id in known) for r in found], limit=limit, offset=offset)
