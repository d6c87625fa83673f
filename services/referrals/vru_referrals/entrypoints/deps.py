"""FastAPI dependencies of the referrals API, among them who is calling and what they may do.

The shared `requires` answers 401 and 403; here every such refusal is also written to the
audit trail, with the record it was aimed at when the path names one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from vru_shared.access import authenticate, requires
from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.auth import Principal
from vru_shared.problems import MEDIA_TYPE, Problem, ProblemDetails
from vru_shared.service import runtime_of

from vru_referrals.domain.pseudonym_keys import PseudonymKeys
from vru_referrals.service_layer.erasure import SUBJECT
from vru_referrals.service_layer.handlers import REFERRAL
from vru_referrals.service_layer.pseudonym_keys import PSEUDONYM_KEYS
from vru_referrals.service_layer.queries import record_refusal
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork


def uow_of(request: Request) -> ReferralsUnitOfWork:
    uow = runtime_of(request).uow()
    assert isinstance(uow, ReferralsUnitOfWork)
    return uow


# Dependencies are coroutines: FastAPI runs a plain function in its thread pool, a hand-off
# that costs more than these functions themselves.
async def get_uow(request: Request) -> ReferralsUnitOfWork:
    return uow_of(request)


async def get_pseudonym_keys(request: Request) -> PseudonymKeys:
    return request.app.state.pseudonym_keys


def permitted(scope: str, action: AuditAction, resource_type: str = REFERRAL) -> Callable[..., Principal]:
    """A dependency admitting callers whose token carries `scope`, and auditing those it refuses."""
    check = requires(scope)

    async def dependency(request: Request) -> Principal:
        # The id as asked for, unchecked: it may be anything, so it is cut to the column's width.
        asked = request.path_params.get("referral_id")
        resource_id = str(asked)[:100] if asked is not None else None
        try:
            caller = await authenticate(request)
        except Problem as problem:
            if problem.status == 401:
                await record_refusal(uow_of(request), None, AuditEntry(
                    action, resource_type, resource_id, AuditOutcome.DENIED, "no valid access token"))
            raise
        try:
            return await check(caller)
        except Problem:
            await record_refusal(uow_of(request), caller, AuditEntry(
                action, resource_type, resource_id, AuditOutcome.DENIED, f"lacks the scope {scope}"))
            raise

    dependency.__name__ = f"permitted_{scope.replace(':', '_')}_{action.value}"
    return dependency


# For the OpenAPI document: what every route behind a token may answer besides its own problems.
ACCESS_RESPONSES: dict[int | str, dict] = {
    401: {"model": ProblemDetails, "content": {MEDIA_TYPE: {}}, "description": "No valid access token"},
    403: {"model": ProblemDetails, "content": {MEDIA_TYPE: {}}, "description": "The token lacks the scope needed"},
}


UowDep = Annotated[ReferralsUnitOfWork, Depends(get_uow)]
PseudonymKeysDep = Annotated[PseudonymKeys, Depends(get_pseudonym_keys)]

# Referrers make and withdraw referrals; providers decide them; both read what concerns them;
# administrators erase a young person, and operate the rotation of pseudonym keys.
Reader = Annotated[Principal, Depends(permitted("referrals:read", AuditAction.READ))]
Lister = Annotated[Principal, Depends(permitted("referrals:read", AuditAction.LIST))]
Referrer = Annotated[Principal, Depends(permitted("referrals:write", AuditAction.CREATE))]
Withdrawer = Annotated[Principal, Depends(permitted("referrals:write", AuditAction.UPDATE))]
Decider = Annotated[Principal, Depends(permitted("referrals:decide", AuditAction.UPDATE))]
Eraser = Annotated[Principal, Depends(permitted("subjects:erase", AuditAction.ERASE, SUBJECT))]
KeyReader = Annotated[Principal, Depends(permitted("admin", AuditAction.READ, PSEUDONYM_KEYS))]
KeyRotator = Annotated[Principal, Depends(permitted("admin", AuditAction.UPDATE, PSEUDONYM_KEYS))]
