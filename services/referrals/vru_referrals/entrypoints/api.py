"""HTTP routes of the referrals service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_referrals.domain.model import InvalidReferral, ReferralSource, ReferralStatus
from vru_referrals.domain.subjects import InvalidIdentifier
from vru_referrals.entrypoints.deps import PseudonymKeyDep, UowDep
from vru_referrals.entrypoints.schemas import ReferralIn, ReferralOut, ReferralPage
from vru_referrals.service_layer import handlers
from vru_referrals.service_layer.commands import MakeReferral

router = APIRouter(prefix="/v1/referrals", tags=["referrals"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReferralOut)
async def create_referral(body: ReferralIn, uow: UowDep, key: PseudonymKeyDep, response: Response) -> ReferralOut:
    """Refer a young person to a programme."""
    cmd = MakeReferral(
        programme_id=body.programme_id,
        source=body.source,
        referred_at=body.referred_at,
        date_of_birth=body.subject.date_of_birth,
        identifier_type=body.subject.identifier.type,
        identifier=body.subject.identifier.value,
        consent_given=body.consent.given,
        consent_recorded_by=body.consent.recorded_by,
        consent_recorded_at=body.consent.recorded_at,
    )
    try:
        referral = await handlers.make_referral(cmd, uow, key)
    except InvalidIdentifier as exc:
        raise Problem(422, str(exc), kind="validation-error", title="Invalid request",
                      errors=[InvalidParam(pointer="/body/subject/identifier/value", detail=str(exc))]) from exc
    except InvalidReferral as exc:
        raise Problem(422, str(exc), kind="invalid-referral", title="Referral not acceptable") from exc
    response.headers["Location"] = f"/v1/referrals/{referral.id}"
    return ReferralOut.of(referral)


@router.get("/{referral_id}", response_model=ReferralOut)
async def get_referral(referral_id: uuid.UUID, uow: UowDep) -> ReferralOut:
    """Read one referral."""
    async with uow:
        referral = await uow.referrals.get(referral_id)
    if referral is None:
        raise Problem(404, f"no referral {referral_id}")
    return ReferralOut.of(referral)


@router.get("", response_model=ReferralPage)
async def list_referrals(
    uow: UowDep,
    source: ReferralSource | None = None,
    status: ReferralStatus | None = None,
    programme_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ReferralPage:
    """List referrals, newest first."""
    async with uow:
        found = await uow.referrals.list(
            source=source, status=status, programme_id=programme_id, limit=limit, offset=offset
        )
    return ReferralPage(items=[ReferralOut.of(r) for r in found], limit=limit, offset=offset)
