"""The referrals service's audit trail, written in the transaction of the unit of work it belongs to."""

from __future__ import annotations

from vru_shared.audit import AuditEntry, audit_row
from vru_shared.auth import Principal

from vru_referrals.adapters import orm
from vru_referrals.adapters.new_rows import NewRows


class AuditTrail:
    """Entries are rows only ever added: they go with the unit of work's other new rows, when it commits."""

    def __init__(self, new_rows: NewRows) -> None:
        self._new_rows = new_rows

    async def record(self, caller: Principal | None, *entries: AuditEntry) -> None:
        # The row is made now: its time and correlation id are those of the moment it records.
        for entry in entries:
            self._new_rows.add(orm.audit_trail, audit_row(entry, caller))
