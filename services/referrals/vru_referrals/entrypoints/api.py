"""HTTP routes of the referrals service: referring a young person, and the provider's decisions.

Each route needs a token with its scope; a referral outside the caller's organisation is a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_referrals.domain.errors import IllegalTransition, InvalidReferral, NotEligible
from vru_referrals.domain.model import Referral, ReferralSource, ReferralStatus
from vru_referrals.entrypoints.deps import (
    ACCESS_RESPONSES,
    Decider,
    Lister,
    PseudonymKeysDep,
    Reader,
    Referrer,
    UowDep,
    Withdrawer,
)
from vru_referrals.entrypoints.requests import CloseIn, DeclineIn, ReferralIn, WithdrawIn
from vru_referrals.entrypoints.responses import ReferralOut, ReferralPage, ReferralSummary
from vru_referrals.entrypoints.routing import BodyPointerRoute
from vru_referrals.service_layer import handlers, queries
from vru_referrals.service_layer.commands import (
    AcceptReferral,
    CloseReferral,
    DeclineReferral,
    ListReferrals,
    WithdrawReferral,
)

router = APIRouter(prefix="/v1/referrals", tags=["referrals"], responses={**PROBLEM_RESPONSES, **ACCESS_RESPONSES},
                   route_class=BodyPointerRoute)


def invalid(exc: InvalidReferral) -> Problem:
    pointer = "/body/" + exc.field if exc.field else "/body"
    return Problem(422, f"The request is not valid: {pointer}: {exc.detail}", kind="validation-error",
                   title="Invalid request", errors=[InvalidParam(pointer=pointer, detail=exc.detail)])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReferralOut)
async def create_referral(
    caller: Referrer, body: Annotated[ReferralIn, Body()], uow: UowDep, keys: PseudonymKeysDep, response: Response
) -> ReferralOut:
    """Refer a young person to a programme (referrers)."""
    try:
        referral = await handlers.make_referral(body.to_command(), uow, keys, caller)
    except InvalidReferral as exc:
        raise invalid(exc) from exc
    except NotEligible as exc:
        raise Problem(422, exc.detail, kind=exc.kind, title="The programme does not take this referral",
                      errors=[InvalidParam(pointer=f"/body/{exc.field}", detail=exc.detail)]) from exc
    except handlers.UnknownProgramme as exc:
        detail = (f"programme {exc.programme_id} is not known to the referrals service. If it was created moments "
                  "ago, its details may still be on their way here: retry shortly.")
        raise Problem(422, detail, kind="unknown-programme", title="Unknown programme",
                      errors=[InvalidParam(pointer="/body/programme_id", detail=detail)]) from exc
    response.headers["Location"] = f"/v1/referrals/{referral.id}"
    return ReferralOut.of(referral)


@router.get("/{referral_id}", response_model=ReferralOut)
async def get_referral(referral_id: uuid.UUID, caller: Reader, uow: UowDep) -> ReferralOut:
    """Read one referral your organisation made or receives, with what the referrer sent."""
    try:
        referral = await queries.read_referral(referral_id, uow, caller)
    except handlers.ReferralNotFound as exc:
        raise Problem(404, f"no referral {referral_id}") from exc
    return ReferralOut.of(referral)


@router.get("", response_model=ReferralPage)
async def list_referrals(
    caller: Lister,
    uow: UowDep,
    source: ReferralSource | None = None,
    status: ReferralStatus | None = None,
    programme_id: uuid.UUID | None = None,
    possible_duplicate: Annotated[
        bool | None, Query(description="true: only referrals flagged as possible duplicates; false: only the others.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ReferralPage:
    """List the referrals your organisation made or receives, newest first, without identifying details."""
    query = ListReferrals(source=source, status=status, programme_id=programme_id,
                          possible_duplicate=possible_duplicate, limit=limit, offset=offset)
    found = await queries.list_referrals(query, uow, caller)
    return ReferralPage(items=[ReferralSummary.of(r) for r in found], limit=limit, offset=offset)


async def _transition(referral_id: uuid.UUID, run: Callable[[], Awaitable[Referral]]) -> ReferralOut:
    try:
        return ReferralOut.of(await run())
    except handlers.ReferralNotFound as exc:
        raise Problem(404, f"no referral {referral_id}") from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc), kind="illegal-transition", title="Not possible in the referral's status") from exc
    except InvalidReferral as exc:
        raise invalid(exc) from exc


@router.post("/{referral_id}/accept", response_model=ReferralOut)
async def accept_referral(referral_id: uuid.UUID, caller: Decider, uow: UowDep) -> ReferralOut:
    """Accept a received referral to your programme (providers)."""
    return await _transition(referral_id,
                             lambda: handlers.accept_referral(AcceptReferral(referral_id), uow, caller))


@router.post("/{referral_id}/decline", response_model=ReferralOut)
async def decline_referral(referral_id: uuid.UUID, caller: Decider, body: DeclineIn, uow: UowDep) -> ReferralOut:
    """Decline a received referral to your programme, with a coded reason (providers)."""
    cmd = DeclineReferral(referral_id, body.reason, body.note)
    return await _transition(referral_id, lambda: handlers.decline_referral(cmd, uow, caller))


@router.post("/{referral_id}/withdraw", response_model=ReferralOut)
async def withdraw_referral(referral_id: uuid.UUID, caller: Withdrawer, body: WithdrawIn,
                            uow: UowDep) -> ReferralOut:
    """Withdraw a received or accepted referral your organisation made, with a coded reason (referrers)."""
    cmd = WithdrawReferral(referral_id, body.reason, body.note)
    return await _transition(referral_id, lambda: handlers.withdraw_referral(cmd, uow, caller))


@router.post("/{referral_id}/close", response_model=ReferralOut)
async def close_referral(referral_id: uuid.UUID, caller: Decider, body: CloseIn, uow: UowDep) -> ReferralOut:
    """Close an accepted referral to your programme that will not become an enrolment (providers)."""
    cmd = CloseReferral(referral_id, body.reason, body.note)
    return await _transition(referral_id, lambda: handlers.close_referral(cmd, uow, caller))
