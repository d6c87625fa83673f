"""The administrators' view of a service's audit trail: GET /v1/audit/<service>."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import Table

from vru_shared.access import requires
from vru_shared.audit import AuditAction, AuditOutcome, AuditQuery, search
from vru_shared.auth import Principal
from vru_shared.request_fields import Moment
from vru_shared.problems import PROBLEM_RESPONSES


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    occurred_at: datetime
    client_id: str | None
    organisation_id: uuid.UUID | None
    role: str | None
    action: AuditAction
    resource_type: str
    resource_id: str | None
    outcome: AuditOutcome
    correlation_id: str | None
    detail: str | None


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    limit: int
    offset: int


def audit_router(service: str, table: Table) -> APIRouter:
    router = APIRouter(prefix=f"/v1/audit/{service}", tags=["audit"], responses=PROBLEM_RESPONSES)

    @router.get("", response_model=AuditPage, summary=f"Search the {service} service's audit trail")
    async def search_audit_trail(
        request: Request,
        _caller: Annotated[Principal, Depends(requires("audit:read"))],
        organisation_id: uuid.UUID | None = None,
        client_id: Annotated[str | None, Query(max_length=100)] = None,
        resource_type: Annotated[str | None, Query(max_length=60)] = None,
        resource_id: Annotated[str | None, Query(max_length=100)] = None,
        action: AuditAction | None = None,
        outcome: AuditOutcome | None = None,
        since: Moment | None = None,
        until: Moment | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> AuditPage:
        """Who read or changed what, and every refused attempt, newest first."""
        query = AuditQuery(organisation_id, client_id, resource_type, resource_id, action, outcome,
                           since, until, limit, offset)
        async with request.app.state.runtime.sessions() as session:
            rows = await search(session, table, query)
        return AuditPage(items=[AuditEntryOut.model_validate(r) for r in rows], limit=limit, offset=offset)

    return router
