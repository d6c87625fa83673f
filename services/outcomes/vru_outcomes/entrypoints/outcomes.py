"""HTTP routes for outcome records."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_outcomes.domain.model import InvalidOutcome, OutcomeDomain, Validation
from vru_outcomes.entrypoints.deps import OutcomeLister, OutcomeReader, OutcomeRecorder, UowDep
from vru_outcomes.entrypoints.schemas import (
    DOMAIN_TAGS,
    OutcomeIn,
    OutcomeOut,
    OutcomePage,
    ReoffendingOutcomeIn,
    WellbeingOutcomeIn,
)
from vru_outcomes.service_layer import recording
from vru_outcomes.service_layer.recording import EnrolmentNotFound


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


def _command(body: OutcomeIn) -> recording.RecordMeasurement | recording.RecordReoffence:
    if isinstance(body, ReoffendingOutcomeIn):
        return recording.RecordReoffence(
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
        return recording.RecordMeasurement(**measured, scale=body.scale, score=body.score)
    return recording.RecordMeasurement(**measured, status=body.status)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OutcomeOut,
    responses={202: {"model": OutcomeOut, "description": "Accepted before the enrolment reached this service"}},
)
async def record_outcome(
    body: Annotated[OutcomeIn, Body()], caller: OutcomeRecorder, uow: UowDep, response: Response
) -> OutcomeOut:
    """Record an outcome against one of your enrolments; 202 while the enrolment is on its way here."""
    try:
        record, known = await recording.record_outcome(_command(body), caller, uow)
    except EnrolmentNotFound as exc:
        raise _no_enrolment(body.enrolment_id) from exc
    except InvalidOutcome as exc:
        raise Problem(
            422,
            str(exc),
            kind="invalid-outcome",
            title="Outcome not acceptable",
            errors=[InvalidParam(pointer=f"/body/{exc.field}", detail=str(exc))],
        ) from exc
    response.headers["Location"] = f"/v1/outcomes/{record.id}"
    if record.validation is Validation.PENDING:
        response.status_code = status.HTTP_202_ACCEPTED
    return OutcomeOut.of(record, known)


def _no_enrolment(enrolment_id: uuid.UUID) -> Problem:
    return Problem(
        404,
        f"no enrolment {enrolment_id} on a programme your organisation provides",
        kind="unknown-enrolment",
        errors=[InvalidParam(pointer="/body/enrolment_id", detail="not an enrolment of your organisation")],
    )


@router.get("/{record_id}", response_model=OutcomeOut)
async def get_outcome(record_id: uuid.UUID, caller: OutcomeReader, uow: UowDep) -> OutcomeOut:
    """Read one of your organisation's outcome records."""
    found = await recording.read_outcome(record_id, caller, uow)
    if found is None:
        raise Problem(404, f"no outcome record {record_id}")
    return OutcomeOut.of(*found)


@router.get("", response_model=OutcomePage)
async def list_outcomes(
    caller: OutcomeLister,
    uow: UowDep,
    enrolment_id: uuid.UUID | None = None,
    domain: OutcomeDomain | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OutcomePage:
    """List your organisation's outcome records, newest first."""
    found = await recording.list_outcomes(
        caller, uow, enrolment_id=enrolment_id, domain=domain, limit=limit, offset=offset
    )
    return OutcomePage(items=[OutcomeOut.of(r, known) for r, known in found], limit=limit, offset=offset)
