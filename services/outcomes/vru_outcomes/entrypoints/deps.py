"""FastAPI dependencies of the outcomes API: the unit of work, and callers admitted by scope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from vru_shared.access import Caller, requires
from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.auth import Principal
from vru_shared.problems import Problem
from vru_shared.service import runtime_of

from vru_outcomes.adapters.metric_answers import MetricAnswers
from vru_outcomes.service_layer.recording import OUTCOME_RECORD, audit_refusal
from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork

METRIC = "metric"


def uow_of(request: Request) -> OutcomesUnitOfWork:
    uow = runtime_of(request).uow()
    assert isinstance(uow, OutcomesUnitOfWork)
    return uow


# A coroutine: FastAPI would run a plain function in its thread pool, which costs more than it does.
async def get_uow(request: Request) -> OutcomesUnitOfWork:
    return uow_of(request)


async def get_metric_answers(request: Request) -> MetricAnswers:
    return request.app.state.metric_answers


def permitted(
    scope: str, action: AuditAction, resource_type: str, *, resource_param: str | None = None
) -> Callable[..., Awaitable[Principal]]:
    """Admit callers whose token carries `scope`; audit a refusal, naming the record asked for.

    A request without a valid token is refused (401) before this runs and is not audited: with
    no identity to record, an anonymous caller could otherwise grow the trail at will."""
    check = requires(scope)

    async def admitted(request: Request, caller: Caller) -> Principal:
        try:
            return await check(caller)
        except Problem:
            asked = request.path_params.get(resource_param) if resource_param else None
            entry = AuditEntry(action, resource_type, str(asked)[:100] if asked is not None else None,
                               AuditOutcome.DENIED, f"the token lacks the scope {scope}")
            await audit_refusal(caller, entry, uow_of(request))
            raise

    admitted.__name__ = f"permitted_{scope.replace(':', '_')}"
    return admitted


UowDep = Annotated[OutcomesUnitOfWork, Depends(get_uow)]
AnswersDep = Annotated[MetricAnswers, Depends(get_metric_answers)]
OutcomeRecorder = Annotated[Principal, Depends(permitted("outcomes:write", AuditAction.CREATE, OUTCOME_RECORD))]
OutcomeReader = Annotated[
    Principal, Depends(permitted("outcomes:read", AuditAction.READ, OUTCOME_RECORD, resource_param="record_id"))
]
OutcomeLister = Annotated[Principal, Depends(permitted("outcomes:read", AuditAction.LIST, OUTCOME_RECORD))]
CatalogueReader = Annotated[Principal, Depends(permitted("metrics:read", AuditAction.LIST, METRIC))]
MetricReader = Annotated[
    Principal, Depends(permitted("metrics:read", AuditAction.READ, METRIC, resource_param="metric_id"))
]
