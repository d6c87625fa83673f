"""The referrals service's audit trail, written in the transaction of the unit of work it belongs to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared import audit
from vru_shared.audit import AuditEntry
from vru_shared.auth import Principal

from vru_referrals.adapters import orm


class AuditTrail:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, caller: Principal | None, *entries: AuditEntry) -> None:
        await audit.record(self._session, orm.audit_trail, caller, *entries)
