"""HTTP route of subject erasure: administrators erase a young person on their request."""

from __future__ import annotations

from fastapi import APIRouter

from vru_shared.problems import PROBLEM_RESPONSES, Problem

from vru_referrals.domain.errors import InvalidReferral
from vru_referrals.entrypoints.api import invalid
from vru_referrals.entrypoints.deps import ACCESS_RESPONSES, Eraser, PseudonymKeysDep, UowDep
from vru_referrals.entrypoints.requests import SubjectErasureIn
from vru_referrals.entrypoints.responses import SubjectErasureOut
from vru_referrals.entrypoints.routing import BodyPointerRoute
from vru_referrals.service_layer.erasure import SubjectNotFound, erase_subject

router = APIRouter(prefix="/v1/referrals/subject-erasures", tags=["referrals"],
                   responses={**PROBLEM_RESPONSES, **ACCESS_RESPONSES}, route_class=BodyPointerRoute)


@router.post("", response_model=SubjectErasureOut)
async def erase_a_subject(caller: Eraser, body: SubjectErasureIn, uow: UowDep, keys: PseudonymKeysDep
                          ) -> SubjectErasureOut:
    """Erase a young person's identifying details from every referral of theirs (administrators)."""
    try:
        erasure = await erase_subject(body.to_command(), uow, keys, caller)
    except InvalidReferral as exc:
        raise invalid(exc) from exc
    except SubjectNotFound as exc:
        raise Problem(404, "no young person has this identifier: none was referred with it, or their details "
                           "were erased already") from exc
    return SubjectErasureOut(referrals_erased=erasure.referrals_erased, erased_at=erasure.erased_at)
