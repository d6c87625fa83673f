"""Who may call which route: the scope each needs, with every refusal written to the audit trail,
and the trail's entries for reads, which change nothing else.

Audit entries name the record asked for: the id in the path when there is one (an enrolment,
or the programme of a waitlist), else the record created; a list is one entry with its count.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from vru_shared.access import Caller, requires
from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome, record
from vru_shared.auth import Principal
from vru_shared.problems import Problem
from vru_shared.service import runtime_of

from vru_interventions.adapters import orm
from vru_interventions.service_layer.errors import NotFound

RESOURCE_ID_LENGTH = 100


async def audit(request: Request, caller: Principal | None, *entries: AuditEntry) -> None:
    """Record entries in a short transaction of their own, before the answer goes out."""
    async with runtime_of(request).sessions() as session, session.begin():
        await record(session, orm.audit_trail, caller, *entries)


async def audit_not_found(
    request: Request, caller: Principal, action: AuditAction, resource_type: str, resource_id: object,
    exc: NotFound,
) -> None:
    """A record the caller may not see is audited as not found, like one that does not exist;
    the detail, for administrators only, says which it was."""
    why = "another organisation's" if exc.elsewhere else "no such record"
    await audit(request, caller, AuditEntry(action, resource_type, str(resource_id), AuditOutcome.NOT_FOUND, why))


def permit(
    *scopes: str, action: AuditAction, resource_type: str, id_param: str | None = None
) -> Callable[[Request, Principal], Awaitable[Principal]]:
    """A dependency that admits callers whose token carries any of `scopes` (the first is the one a
    refusal names) and audits the refusal of any other, with the id the path asked for."""

    async def check(request: Request, caller: Caller) -> Principal:
        if any(caller.has(scope) for scope in scopes[1:]):
            return caller
        try:
            return await requires(scopes[0])(caller)
        except Problem:
            asked = request.path_params.get(id_param) if id_param else None
            await audit(request, caller, AuditEntry(
                action, resource_type, str(asked)[:RESOURCE_ID_LENGTH] if asked is not None else None,
                AuditOutcome.DENIED, f"lacks the scope {' or '.join(scopes)}",
            ))
            raise

    check.__name__ = f"permit_{'_or_'.join(scope.replace(':', '_') for scope in scopes)}"
    return check
